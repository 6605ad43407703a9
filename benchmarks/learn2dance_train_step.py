"""learn2dance's music->dance model: training step cost and generation speed, measured.

    python benchmarks/learn2dance_train_step.py                 # published sizes, fact35 music
    python benchmarks/learn2dance_train_step.py --music_dim=512 --mode=published --repeats=9

1. One training step (train_step: forward, loss and accuracies, zero_grad, backward, clip,
   Adam step) against bare LSTMs of the same shapes: the same Linear and 2-layer
   bidirectional LSTM plus the decoder's two Linear layers, a plain sum as the loss,
   backward and an Adam step. The ratio (target <= 1.10) is what the objective's bookkeeping
   costs. Steps alternate between the two so that load from other processes hits both alike;
   the median of each is reported.
2. Generation: a dance for a song of --song_s seconds (music features given, beats every
   half second), top-5 sampling, in both playbacks: published (centroids, blended transitions)
   and beat_sync (real segments from a motion library cut from random-walk training dances);
   seconds of dance per second of compute.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pirounet.systems.learn2dance.music2dance.beat_sync import MotionLibrary  # noqa: E402
from pirounet.systems.learn2dance.music2dance.data import MusicScaler  # noqa: E402
from pirounet.systems.learn2dance.music2dance.generate import (DanceModel,  # noqa: E402
                                                       GenerationSettings)
from pirounet.systems.learn2dance.music2dance.model import (ModelSettings, MusicEncoder,  # noqa: E402
                                                    PoseDecoder)
from pirounet.systems.learn2dance.music2dance.objective import MoveObjective  # noqa: E402
from pirounet.systems.learn2dance.music2dance.training import train_step  # noqa: E402


class BareLSTMs(nn.Module):
    """The same layers as encoder + decoder, with no objective around them."""

    def __init__(self, s: ModelSettings):
        super().__init__()
        self.embed = nn.Linear(s.music_dim, s.music_emb)
        self.lstm = nn.LSTM(s.music_emb, s.hidden, s.layers, batch_first=True,
                            bidirectional=True)
        self.head = nn.Sequential(nn.Linear(2 * s.hidden, s.hidden), nn.ReLU(),
                                  nn.Linear(s.hidden, s.n_moves))

    def forward(self, music: torch.Tensor, chunk: int) -> torch.Tensor:
        states, _ = self.lstm(self.embed(music))
        b, t, h = states.shape
        pooled = states.reshape(b, t // chunk, chunk, h).mean(2)  # (B, S, 2H)
        return self.head(pooled).sum()


def random_library(rng: np.random.Generator, n_moves: int, chunk_frames: int,
                   fps: float) -> MotionLibrary:
    """A motion library cut from random-walk dances (T, 15, 2) with beats every half second."""
    dances, moves, beats = [], [], []
    for _ in range(4):
        poses = np.cumsum(rng.normal(scale=0.01, size=(20 * chunk_frames, 15, 2)), axis=0)
        dances.append(poses.astype(np.float32))
        moves.append(rng.integers(0, n_moves, 20))  # one move per chunk
        beats.append(np.arange(0.5, len(poses) / fps, 0.5))
    return MotionLibrary.of(dances, moves, beats, chunk_frames, fps)


def timed(fn) -> float:
    tic = time.perf_counter()
    fn()
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--music_dim", type=int, default=35)
    parser.add_argument("--mode", default="aligned", choices=("aligned", "published"))
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--window_chunks", type=int, default=30)
    parser.add_argument("--chunk_frames", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--song_s", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as training on the CPU does (see learn2dance/train.py)
    torch.manual_seed(0)

    # 1. Training step against bare LSTMs
    s = ModelSettings(music_dim=args.music_dim)
    objective = MoveObjective(MusicEncoder(s), PoseDecoder(s), args.mode, args.chunk_frames)
    optimizer = torch.optim.Adam(objective.parameters(), lr=1e-4)
    bare = BareLSTMs(s)
    bare_optimizer = torch.optim.Adam(bare.parameters(), lr=1e-4)
    frames = args.window_chunks * args.chunk_frames
    music = torch.randn(args.batch_size, frames, args.music_dim)
    moves = torch.randint(0, s.n_moves, (args.batch_size, args.window_chunks))

    def ours() -> None:
        train_step(objective, optimizer, music, moves, grad_clip=1.0)

    def theirs() -> None:
        loss = bare(music, args.chunk_frames)
        bare_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        bare_optimizer.step()

    ours(), theirs()  # warm-up
    ours_s, bare_s = [], []
    for _ in range(args.repeats):
        ours_s.append(timed(ours))
        bare_s.append(timed(theirs))
    ratio = statistics.median(ours_s) / statistics.median(bare_s)
    print(f"training step ({args.mode}, batch {args.batch_size} x {frames} frames, "
          f"music_dim {args.music_dim}, {args.threads} thread(s)): "
          f"{statistics.median(ours_s) * 1e3:.0f} ms; bare LSTMs "
          f"{statistics.median(bare_s) * 1e3:.0f} ms; ratio {ratio:.3f} (target <= 1.10)")

    # 2. Generation speed, both playbacks
    n_moves, fps = s.n_moves, 30.0
    rng = np.random.default_rng(0)
    centroids = rng.normal(size=(n_moves, args.chunk_frames, 15, 2)).astype(np.float32)
    model = DanceModel(objective.encoder.eval(), objective.decoder.eval(),
                       MusicScaler.identity(args.music_dim), centroids, args.mode, fps=fps,
                       library=random_library(rng, n_moves, args.chunk_frames, fps))
    song = rng.normal(size=(int(args.song_s * fps), args.music_dim)).astype(np.float32)
    beats = np.arange(0.5, args.song_s, 0.5)  # 120 bpm
    for playback in ("published", "beat_sync"):
        gen = GenerationSettings(playback=playback)
        model.dance(song[:60], gen, beats=beats[beats < 2])  # warm-up
        seconds = [timed(lambda: model.dance(song, gen, seed=0, beats=beats))
                   for _ in range(3)]
        best = statistics.median(seconds)
        print(f"generation ({playback}): {args.song_s:.0f} s of dance in {best:.3f} s of "
              f"compute = {args.song_s / best:.0f} s of dance per second (top-5 sampling, "
              f"music features given)")

if __name__ == "__main__":
    main()
