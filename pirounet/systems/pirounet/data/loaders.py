"""Batches of windows cut on demand from one shared pose array.

The published code materialises every stride-1 window as a float64 copy (3.5 GB for the
real data). Here the poses are held once, as float32 (T, 159), and a batch is gathered with
one indexing operation: poses[starts[:, None] + arange(seq_len)] -> (B, seq_len, 159).
With num_workers > 0, that many threads gather the next batches while the current one trains
(torch's indexing releases the GIL); the batches and their order are the same.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import numpy as np
import torch


class WindowLoader:
    """Iterates over (x, y) batches: x (B, seq_len, 159) float32, y (B,) int64 or None."""

    def __init__(self, poses: torch.Tensor, starts: np.ndarray, labels: np.ndarray | None = None,
                 *, seq_len: int = 40, batch_size: int = 80, shuffle: bool = False,
                 drop_last: bool = False, seed: int = 0, rank: int = 0, world_size: int = 1,
                 num_workers: int = 0):
        if poses.ndim != 2:
            raise ValueError(f"poses must be (T, 159), got {tuple(poses.shape)}")
        if labels is not None and len(labels) != len(starts):
            raise ValueError(f"{len(starts)} starts but {len(labels)} labels")
        self.poses = poses
        self.starts = torch.as_tensor(np.asarray(starts), dtype=torch.int64)
        self.labels = None if labels is None else torch.as_tensor(np.asarray(labels),
                                                                  dtype=torch.int64)
        self.seq_len, self.batch_size = seq_len, batch_size
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.rank, self.world_size = rank, world_size
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        self.num_workers = num_workers
        self.epoch = 0
        self._offsets = torch.arange(seq_len)

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle deterministically for this epoch (same order on every rank)."""
        self.epoch = epoch

    def _order(self) -> torch.Tensor:
        """Indices of this rank's windows for the current epoch."""
        n = len(self.starts)
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(n, generator=gen)
        else:
            order = torch.arange(n)
        if self.world_size > 1:  # every rank gets the same number of windows, as DDP needs
            per_rank = n // self.world_size
            order = order[self.rank * per_rank:(self.rank + 1) * per_rank]
        return order

    def __len__(self) -> int:
        n = len(self.starts) // self.world_size  # what _order gives this rank
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def windows(self, idx: torch.Tensor) -> torch.Tensor:
        """The windows of the given indices into starts: (len(idx), seq_len, 159)."""
        return self.poses[self.starts[idx, None] + self._offsets]

    def _batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.windows(idx), None if self.labels is None else self.labels[idx]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        order = self._order()
        batches = (order[b * self.batch_size:(b + 1) * self.batch_size]
                   for b in range(len(self)))
        if self.num_workers == 0:
            for idx in batches:
                yield self._batch(idx)
            return
        with ThreadPoolExecutor(self.num_workers, thread_name_prefix="windows") as pool:
            ahead: deque = deque()
            for idx in batches:
                ahead.append(pool.submit(self._batch, idx))
                if len(ahead) > self.num_workers:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()


def cycle(loader: WindowLoader) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Loop over a loader forever, advancing its epoch each pass (labelled data cycling)."""
    epoch = loader.epoch
    while True:
        loader.set_epoch(epoch)
        yield from loader
        epoch += 1
