"""What the music->dance model is trained to do, in its two modes.

    objective = MoveObjective(encoder, decoder, mode="aligned", chunk_frames=30)
    loss, terms = objective(music, moves)      # (B, S * 30, F), (B, S) -> scalar, floats

published  One music vector for the whole window (the encoder's top-layer forward final
           state) conditions every step; each step also sees the previous move. The loss is
           the cross-entropy summed over the steps (averaged over the batch), as published.
aligned    Step s sees the music of chunk s and the previous move, so what is danced at
           second s can follow what is heard at second s. The chunk's context is the
           forward LSTM state at its last frame with the backward state at its first
           (pooling "ends"), or the mean of its frames' states ("mean"); see
           model.chunk_contexts. The loss is the mean cross-entropy per move.

Both modes use teacher forcing keyed on the step: step 0 has no previous move, step s > 0
gets the true move s - 1 (published: keyed on the batch index, so batch 0 never saw a
previous move and step 0 of every other batch saw the window's last move). Accuracy is the
share of correct moves per example, averaged over the batch (published: divided by the
sequence length instead of the batch size).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from pirounet.systems.learn2dance.music2dance.model import (NO_MOVE, MusicEncoder, PoseDecoder,
                                                    chunk_contexts)

MODES = ("aligned", "published")
POOLINGS = ("ends", "mean")  # aligned: how a chunk's frames make its context (model.py)
TOP_K = 5  # the published sampler picks among the 5 likeliest moves; also reported as top-5


def previous_moves(moves: Tensor) -> Tensor:
    """(B, S) teacher-forcing inputs: NO_MOVE at step 0, the true move s - 1 at step s."""
    first = moves.new_full((moves.shape[0], 1), NO_MOVE)
    return torch.cat([first, moves[:, :-1]], dim=1)


def music_contexts(encoder: MusicEncoder, music: Tensor, n_steps: int, mode: str,
                   chunk_frames: int, pooling: str = "ends") -> Tensor:
    """(B, n_steps, H) music context of each step: the global vector or each chunk's own."""
    states, final = encoder(music)  # (B, T, 2H), (B, H)
    if mode == "published":
        return final.unsqueeze(1).expand(-1, n_steps, -1)
    return chunk_contexts(states, chunk_frames, pooling)


def move_loss(logits: Tensor, moves: Tensor, mode: str) -> tuple[Tensor, Tensor]:
    """Cross-entropy of logits (B, S, K) against moves (B, S): summed over steps (published)
    or the mean per move (aligned); and the mean per move (both modes report it)."""
    nll = F.cross_entropy(logits.transpose(1, 2), moves, reduction="none")  # (B, S)
    per_move = nll.mean()
    return (nll.sum(dim=1).mean() if mode == "published" else per_move), per_move


def accuracies(logits: Tensor, moves: Tensor, k: int = TOP_K) -> dict[str, float]:
    """Top-1 and top-k accuracy: the share of correct steps per example, averaged over examples."""
    top = logits.topk(min(k, logits.shape[-1]), dim=-1).indices  # (B, S, k)
    hit_k = (top == moves.unsqueeze(-1)).any(dim=-1).float()  # (B, S)
    hit_1 = (top[..., 0] == moves).float()
    return {"accuracy": hit_1.mean(dim=1).mean().item(),
            f"top{k}_accuracy": hit_k.mean(dim=1).mean().item()}


class MoveObjective(nn.Module):
    """Encoder, decoder and loss in one forward, so DistributedDataParallel sees every weight."""

    def __init__(self, encoder: MusicEncoder, decoder: PoseDecoder, mode: str,
                 chunk_frames: int, pooling: str = "ends"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.encoder, self.decoder = encoder, decoder
        self.mode, self.chunk_frames, self.pooling = mode, chunk_frames, pooling

    def forward(self, music: Tensor, moves: Tensor) -> tuple[Tensor, dict[str, float]]:
        """Loss and its terms for music (B, S * chunk_frames, F) and moves (B, S) int64."""
        logits = self.logits(music, moves)
        loss, per_move = move_loss(logits, moves, self.mode)
        return loss, {"total": loss.item(), "nll_per_move": per_move.item(),
                      **accuracies(logits.detach(), moves)}

    def logits(self, music: Tensor, moves: Tensor) -> Tensor:
        """(B, S, K) teacher-forced logits."""
        contexts = music_contexts(self.encoder, music, moves.shape[1], self.mode,
                                  self.chunk_frames, self.pooling)
        return self.decoder(contexts, previous_moves(moves))
