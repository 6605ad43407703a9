"""Data-parallel training with `torchrun`: who am I, and the few collectives training needs.

    torchrun --nproc_per_node=2 main.py configs/quickstart.py

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; without them the run is a single process and
every helper here is a no-op. Processes talk over NCCL on GPUs and gloo on CPUs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """This process's place among the training processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0 logs, tracks and saves."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """More than one process."""
        return self.world_size > 1


def setup_distributed() -> DistInfo:
    """Join the process group when launched by torchrun (env RANK/WORLD_SIZE/LOCAL_RANK)."""
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return DistInfo()
    info = DistInfo(
        rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        local_world_size=int(os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"])),
    )
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend, rank=info.rank, world_size=info.world_size)
    return info


def cleanup_distributed() -> None:
    """Wait for every rank (rank 0 may still be saving), then leave the process group."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def barrier() -> None:
    """Wait for every rank; no-op in a single process."""
    if dist.is_initialized():
        dist.barrier()


def _collective_device() -> torch.device:
    """NCCL reduces CUDA tensors only; gloo reduces CPU tensors."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_true(flag: bool) -> bool:
    """True when `flag` is true on every rank (so all ranks stop together)."""
    if not dist.is_initialized():
        return flag
    t = torch.tensor([0.0 if flag else 1.0], device=_collective_device())
    dist.all_reduce(t)
    return t.item() == 0.0


def sum_across_ranks(values: list[float]) -> list[float]:
    """Element-wise sum of a list of floats over all ranks (one collective)."""
    if not dist.is_initialized():
        return values
    t = torch.tensor(values, dtype=torch.float64, device=_collective_device())
    dist.all_reduce(t)
    return t.tolist()


def gather_to_main(obj: Any) -> list[Any] | None:
    """Every rank's `obj`, as a list on rank 0 (None elsewhere); [obj] in a single process."""
    if not dist.is_initialized():
        return [obj]
    out = [None] * dist.get_world_size() if dist.get_rank() == 0 else None
    dist.gather_object(obj, out, dst=0)
    return out
