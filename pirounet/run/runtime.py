"""Where a run computes and how it is seeded: device choice, threads, and RNG state.

Seeding is explicit (`seed_everything(cfg.seed + rank)` in main.py), never a side effect of an
import. The RNG state of python, numpy and torch is captured as plain tensors, lists and
numbers so that it fits in a checkpoint that loads with `torch.load(weights_only=True)`.
"""
from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch

from pirounet.run.config import ConfigError


def resolve_device(setting: str, local_rank: int = 0) -> torch.device:
    """cfg.device as a torch.device: "auto" = CUDA if available, else CPU; one GPU per rank."""
    if setting == "auto":
        setting = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(setting)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device={setting!r} but CUDA is not available; use device='cpu'")
        if device.index is None:  # plain "cuda": under torchrun, rank r takes GPU local_rank
            device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    return device


def set_threads(requested: int, local_world_size: int = 1) -> int:
    """Set torch's CPU threads: requested, or (if 0) the cores shared by the local processes."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = requested if requested > 0 else max(1, (cores or 1) // local_world_size)
    torch.set_num_threads(threads)
    return threads


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """The python, numpy and torch RNG states as plain tensors, lists and numbers."""
    version, mt, gauss_next = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": {"version": version, "mt": torch.tensor(mt, dtype=torch.int64),
                   "gauss_next": gauss_next},
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()  # the current device's generator
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` captured."""
    py = state["python"]
    random.setstate((py["version"], tuple(py["mt"].tolist()), py["gauss_next"]))
    npy = state["numpy"]
    np.random.set_state((npy["name"], npy["keys"].numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def start_process(device_setting: str, cpu_threads: int, seed: int, ddp) -> torch.device:
    """This process's device, CPU threads and seeds, the same way for every system.

    ddp: the process's place in the run (pirounet.run.distributed.setup_distributed). Each
    rank gets seed + rank, so data shards and noise differ between ranks.
    """
    device = resolve_device(device_setting, ddp.local_rank)
    if device.type == "cpu":
        set_threads(cpu_threads, ddp.local_world_size)
    seed_everything(seed + ddp.rank)
    return device
