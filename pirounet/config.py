"""One resolved config per run: defaults file, then override files, then --key=value.

    cfg = load_config("default_config.py", ["configs/quickstart.py", "--epochs=3"])

Override files are Python files holding plain assignments; only keys that exist in the
defaults may be set. Command-line values are parsed with ast.literal_eval, so wandb sweep
agents (which pass `--key=value` and booleans as `True`/`False`) work unchanged.
"""
from __future__ import annotations

import ast
import difflib
import json
import runpy
from pathlib import Path
from typing import Any, Iterable, Mapping

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "default_config.py"  # the defaults file


class ConfigError(ValueError):
    """A config key or value that does not fit the defaults."""


class Config:
    """Attribute access to a flat dict of settings; keys are fixed at creation."""

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self._values:
            raise ConfigError(f"unknown config key {key!r}")
        self._values[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"Config({self._values!r})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (tuples become lists)."""
        return json.loads(json.dumps(self._values))

    def replace(self, **changes: Any) -> "Config":
        """A copy with some keys changed (types checked)."""
        values = dict(self._values)
        for key, value in changes.items():
            values[key] = _coerce(key, value, values, source="replace()")
        return Config(values)

    def save_json(self, path: str | Path) -> None:
        """Write the config as indented JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def read_settings(path: str | Path) -> dict[str, Any]:
    """The public, non-module names a config file assigns."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    namespace = runpy.run_path(str(path))
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and not callable(v) and type(v).__name__ != "module"
    }


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _coerce(key: str, value: Any, defaults: Mapping[str, Any], source: str) -> Any:
    """Check `value` against the default's type; return it normalised."""
    if key not in defaults:
        close = difflib.get_close_matches(key, list(defaults), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ConfigError(f"{source}: unknown config key {key!r}{hint}")
    default = defaults[key]
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, (tuple, list)):
        if isinstance(value, (tuple, list)):
            return tuple(value)
    elif isinstance(value, type(default)):
        return value
    raise ConfigError(
        f"{source}: config key {key!r} expects {_type_name(default)} "
        f"(default {default!r}), got {_type_name(value)} {value!r}"
    )


def _parse_cli_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare word such as --effort=space is a string


def load_config(defaults_path: str | Path, args: Iterable[str] = ()) -> Config:
    """Defaults, then override files (*.py), then --key=value, in the order given."""
    defaults = read_settings(defaults_path)
    values = dict(defaults)
    for arg in args:
        if arg.startswith("--"):
            if "=" not in arg:
                raise ConfigError(f"command-line setting {arg!r} must be written --key=value")
            key, text = cli_key(arg), arg.partition("=")[2]
            values[key] = _coerce(key, _parse_cli_value(text), defaults, source=arg)
        elif arg.endswith(".py"):
            for key, value in read_settings(arg).items():
                values[key] = _coerce(key, value, defaults, source=arg)
        else:
            raise ConfigError(
                f"argument {arg!r} is neither an override file (*.py) nor --key=value"
            )
    return Config(values)


def cli_key(arg: str) -> str:
    """The setting a --key=value argument names; "-" in the key reads as "_"."""
    return arg[2:].partition("=")[0].replace("-", "_")


def keys_named(args: Iterable[str]) -> set[str]:
    """The settings that override files and --key=value strings set."""
    keys: set[str] = set()
    for arg in args:
        if arg.startswith("--"):
            keys.add(cli_key(arg))
        else:
            keys.update(read_settings(arg))
    return keys


def config_from_dict(saved: Mapping[str, Any], defaults_path: str | Path) -> Config:
    """Rebuild a run's config (e.g. from a checkpoint): defaults, then the saved values."""
    defaults = read_settings(defaults_path)
    values = dict(defaults)
    for key, value in saved.items():
        values[key] = _coerce(key, value, defaults, source="saved config")
    return Config(values)
