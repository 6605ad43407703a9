"""Config values: every float setting of both systems refuses infinity and NaN at load time.

`--learning_rate=1e999` parsed as infinity and trained on it; an override file can hold
float("nan"). The core loader (pirounet/run/config.py) refuses both, naming the key.
"""
import pytest

from pirounet.run import config as core
from pirounet.run.config import ConfigError
from pirounet.systems.learn2dance.music2dance import settings as l2d
from pirounet.systems.pirounet import settings as pn

DEFAULTS = [pn.DEFAULT_CONFIG, pn.EVAL_CONFIG, l2d.DEFAULT_CONFIG, l2d.EVAL_CONFIG]


def float_keys(path):
    return [k for k, v in core.read_settings(path).items() if isinstance(v, float)]


@pytest.mark.parametrize("defaults", DEFAULTS, ids=lambda p: p.name)
def test_every_float_setting_refuses_infinity_on_the_command_line(defaults):
    keys = float_keys(defaults)
    assert keys
    for key in keys:
        for text in ("1e999", "-1e999"):
            with pytest.raises(ConfigError, match=rf"--{key}={text}: config key '{key}' must "
                                                  r"be a finite number, got -?inf"):
                core.load_config(defaults, [f"--{key}={text}"])


@pytest.mark.parametrize("defaults", DEFAULTS, ids=lambda p: p.name)
def test_every_float_setting_refuses_nan_in_an_override_file(defaults, tmp_path):
    for key in float_keys(defaults):
        override = tmp_path / "nan.py"
        override.write_text(f'{key} = float("nan")\n')
        with pytest.raises(ConfigError, match=rf"nan.py: config key '{key}' must be a finite"):
            core.load_config(defaults, [str(override)])


def test_numbers_inside_tuples_and_untyped_settings_must_be_finite():
    with pytest.raises(ConfigError, match=r"'adam_betas' must be a finite number"):
        pn.TRAINING.load(["--adam_betas=(0.9, 1e999)"])
    with pytest.raises(ConfigError, match=r"'split_fractions' must be a finite number"):
        l2d.TRAINING.load(["--split_fractions=(0.6, 0.1, 1e999)"])
    assert pn.TRAINING.load(["--learning_rate=3e-4"]).learning_rate == 3e-4


def test_one_encoder_layer_is_refused_before_anything_runs():
    with pytest.raises(ConfigError, match=r"n_layers=1 is not allowed: it must be >= 2"):
        pn.TRAINING.load(["--n_layers=1"])
