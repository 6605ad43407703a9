"""The music->dance model's settings: allowed values of its keys in both defaults files.

learn2dance_config.py holds the data settings (checked by pirounet/systems/learn2dance/settings.py)
and, below them, the model, training and generation settings checked here.
learn2dance_eval_config.py holds the evaluation settings. Both tables are applied when a
config is loaded, before anything is read or written.
"""
from __future__ import annotations

from pirounet.systems.learn2dance import settings as data_settings
from pirounet.systems.learn2dance.gan.settings import GAN_MODELS, GAN_RULES
from pirounet.systems.learn2dance.music2dance.generate import (PLAYBACKS, RUN_FITS,
                                                               SAMPLINGS, SEGMENT_SONGS,
                                                               TRANSITIONS)
from pirounet.systems.learn2dance.music2dance.objective import MODES, POOLINGS
from pirounet.systems.learn2dance.music2dance.song_match import SONG_FEATURES
from pirounet.run import config as core
from pirounet.run.lifecycle import SettingsFile
from pirounet.run.rules import (WANDB_MODES, Rule, above, at_least, checkpoint_name,
                                between, device_name, folder_name, one_of)

DEFAULT_CONFIG = data_settings.DEFAULT_CONFIG  # learn2dance_config.py
EVAL_CONFIG = core.defaults_file("learn2dance_eval_config.py")
MODELS = ("music2dance", *GAN_MODELS)  # the `model` setting; the GAN stages: gan/
OPTIMIZERS = ("adam", "sgd")
ANIMATIONS = ("mp4", "gif", "none")
EVAL_SPLITS = ("test", "valid")
DATA_CHANGES = ("refuse", "warn")  # pirounet/run/lifecycle.py, check_data_fingerprint

MODEL_RULES: dict[str, Rule] = {
    "model": one_of(*MODELS),
    "mode": one_of(*MODES),
    "chunk_context": one_of(*POOLINGS),
    "music_emb": at_least(1),
    "hidden_size": at_least(1),
    "lstm_layers": at_least(1),
    "dropout": between(0, 1),
    "device": device_name,
    "cpu_threads": at_least(0),
    "epochs": at_least(1),
    "batch_size": at_least(1),
    "optimizer": one_of(*OPTIMIZERS),
    "learning_rate": above(0),
    "grad_clip": at_least(0),
    "weight_decay": at_least(0),
    "window_chunks": at_least(1),
    "max_steps_per_epoch": at_least(0),
    "save_every": at_least(0),
    "wandb_mode": one_of(*WANDB_MODES),
    "on_data_change": one_of(*DATA_CHANGES),
    "sampling": one_of(*SAMPLINGS),
    "top_k": at_least(1),
    "playback": one_of(*PLAYBACKS),
    "segment_songs": one_of(*SEGMENT_SONGS),
    "nearest_songs": at_least(1),
    "song_features": one_of(*SONG_FEATURES),
    "run_beats": at_least(1),
    "run_fit": one_of(*RUN_FITS),
    "transitions": one_of(*TRANSITIONS),
    "blend_frames": at_least(0),
    "animation": one_of(*ANIMATIONS),
}
TRAINING_RULES: dict[str, Rule] = {**data_settings.DATA_RULES, **MODEL_RULES,
                                   **GAN_RULES}

EVAL_RULES: dict[str, Rule] = {
    "system": one_of(data_settings.SYSTEM),
    "checkpoint": checkpoint_name,
    "name": lambda value: folder_name(value, empty_ok=True),
    "on_data_change": one_of(*DATA_CHANGES),
    "cpu_threads": at_least(0),
    "split": one_of(*EVAL_SPLITS),
    "bootstrap_iterations": at_least(1),
    "sigma_s": above(0),
    "smooth_s": at_least(0),
    "beat_phase": one_of(*data_settings.BEAT_PHASES),
    "feature_window_s": above(0),
    "diversity_pairs": at_least(1),
    "n_animations": at_least(0),
    "animation": one_of(*ANIMATIONS),
    "sampling": one_of(*SAMPLINGS),
    "top_k": at_least(1),
    "playback": one_of(*PLAYBACKS),
    "segment_songs": one_of(*SEGMENT_SONGS),
    "nearest_songs": at_least(1),
    "song_features": one_of(*SONG_FEATURES),
    "run_beats": at_least(1),
    "run_fit": one_of(*RUN_FITS),
    "transitions": one_of(*TRANSITIONS),
    "blend_frames": at_least(0),
}


TRAINING = SettingsFile(data_settings.SYSTEM, DEFAULT_CONFIG, TRAINING_RULES)  # main.py
EVALUATION = SettingsFile(data_settings.SYSTEM, EVAL_CONFIG, EVAL_RULES)  # main_eval.py
