"""The music->dance model at the published sizes: a music encoder and a move decoder.

    encoder = MusicEncoder(ModelSettings(music_dim=35))
    decoder = PoseDecoder(ModelSettings())
    frames, final = encoder(music)            # (B, T, 512) per-frame states, (B, 256)
    logits = decoder(context, previous)       # (B, S, 256), (B, S) -> (B, S, n_moves)

MusicEncoder: Linear(music_dim -> 256), then a 2-layer bidirectional LSTM with 256 hidden
units. With music_dim = 512 (the published features) it holds 2,760,960 parameters.
PoseDecoder: an embedding of the previous move (n_moves -> 256) next to a 256-d music
context, then Linear(512 -> 256), ReLU, Linear(256 -> n_moves). With n_moves = 128 it holds
196,992 parameters. It is not recurrent: a step sees its music context and one previous move.
Module names follow the published layers, so the published decoder weights (dec.pt) load
with load_state_dict(strict=True); see docs/learn2dance_model.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

NO_MOVE = -1  # a "previous move" that does not exist (the first step): zeros as embedding


@dataclass(frozen=True)
class ModelSettings:
    """Sizes of the encoder and decoder; the defaults are the published ones."""

    music_dim: int = 512  # features per music frame (512 published, 35 for fact35)
    music_emb: int = 256  # width of the music embedding fed to the LSTM
    hidden: int = 256  # LSTM hidden units per direction, and the decoder's context width
    layers: int = 2  # LSTM layers
    n_moves: int = 128  # size of the move vocabulary (k of k-means)
    dropout: float = 0.0  # between the LSTM layers and on the decoder's input (published 0)

    @classmethod
    def from_config(cls, cfg, music_dim: int) -> "ModelSettings":
        """Sizes from a learn2dance config and the data's music feature width."""
        return cls(music_dim=music_dim, music_emb=cfg.music_emb, hidden=cfg.hidden_size,
                   layers=cfg.lstm_layers, n_moves=cfg.n_moves, dropout=cfg.dropout)


class MusicEncoder(nn.Module):
    """Music frames (B, T, F) -> per-frame states (B, T, 2H) and the published summary (B, H)."""

    def __init__(self, settings: ModelSettings):
        super().__init__()
        self.settings = settings
        self.music_embedding = nn.Linear(settings.music_dim, settings.music_emb)
        self.lstm = nn.LSTM(settings.music_emb, settings.hidden, num_layers=settings.layers,
                            batch_first=True, bidirectional=True,
                            dropout=settings.dropout if settings.layers > 1 else 0.0)

    def forward(self, music: Tensor) -> tuple[Tensor, Tensor]:
        """(states (B, T, 2H): forward then backward halves, final (B, H)).

        final is h_n[2 * layers - 2]: the top layer's forward direction after the last frame,
        the one vector the published model conditions every step on.
        """
        states, (h_n, _) = self.lstm(self.music_embedding(music))
        return states, h_n[2 * self.settings.layers - 2]


class PoseDecoder(nn.Module):
    """Logits over moves from a music context (B, S, H) and the previous move (B, S)."""

    def __init__(self, settings: ModelSettings):
        super().__init__()
        self.settings = settings
        self.prev_embedder = nn.Embedding(settings.n_moves, settings.hidden)
        self.cls = nn.Sequential(nn.Linear(2 * settings.hidden, settings.hidden), nn.ReLU(),
                                 nn.Linear(settings.hidden, settings.n_moves))

    def forward(self, context: Tensor, previous: Tensor) -> Tensor:
        """(B, S, n_moves) logits; previous == NO_MOVE gives a zero embedding (first step)."""
        known = previous != NO_MOVE  # (B, S)
        embedded = self.prev_embedder(previous.clamp(min=0)) * known.unsqueeze(-1)
        inputs = torch.cat([context, embedded], dim=-1)  # music first, as published
        return self.cls(F.dropout(inputs, self.settings.dropout, self.training))


def chunk_contexts(states: Tensor, chunk_frames: int, pooling: str = "ends") -> Tensor:
    """Per-chunk music contexts (B, S, H) of encoder states (B, S * chunk_frames, 2H).

    "ends": the mean of the forward state at the chunk's last frame and the backward state at
    its first frame: each has heard the whole chunk, in order, so when in the chunk a beat
    fell is kept rather than averaged away. "mean": the mean over the chunk's frames of the
    forward and backward halves' mean. Both keep the decoder's published width.
    """
    b, t, two_h = states.shape
    if t % chunk_frames:
        raise ValueError(f"{t} music frames are not a whole number of {chunk_frames}-frame "
                         "chunks")
    halves = states.reshape(b, t // chunk_frames, chunk_frames, 2, two_h // 2)
    if pooling == "ends":
        return (halves[:, :, -1, 0] + halves[:, :, 0, 1]) / 2
    return halves.mean(dim=(2, 3))


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def load_published_decoder(path: str | Path, decoder: PoseDecoder) -> PoseDecoder:
    """Load the published dec.pt (a legacy torch pickle of the state dict) into decoder."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    decoder.load_state_dict(state, strict=True)
    return decoder
