"""A dance for any song: music features -> moves -> poses (T, 15, 2), with smooth transitions.

    model = DanceModel.from_checkpoint(read_checkpoint("saved_models/learn2dance/last.pt"))
    dance = model.dance(music, seed=0)         # music (T, F) -> Dance(moves (S,), poses (T, 15, 2))
    write_dance(dance, "results/dances/song", audio="song.wav")  # .npz and .mp4 with the song

A song of T frames is danced as S = ceil(T / c) chunks of c frames (the last one's music is
padded with its last frame), and the poses are cut back to T frames. Moves are picked one
chunk after another, each fed back as the next step's previous move:

    top_k    uniformly among the k likeliest moves (the published sampler, k = 5), seeded
    greedy   the likeliest move

Moves become poses in one of two playbacks:

    beat_sync  (default) real motion on the song's beats: each beat interval plays a real
               training segment of its move, from one stop to the next, time-warped so the
               stops land on the beats (beat_sync.py); segment_songs="nearest" takes the
               segments from the nearest_songs training songs that sound most like this one,
               "style" from every training song of the style most of those songs share;
               song_features="sound_tempo_meter" also compares the songs' meter;
               run_beats > 1 lets a chosen segment go on with its recording's next beats,
               run_fit="hold" lets such a beat wait at its stop rather than be slowed down
    published  each move's vocabulary centroid (c frames), one after another. The published
               code concatenated them, so the body jumps every c frames; transitions="blend"
               spreads each jump over blend_frames frames either side of the boundary with a
               smooth ramp, leaving the chunks' middles as they are; "hard" keeps the
               published concatenation
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from pirounet.music.features import BEAT_CHANNEL
from pirounet.metrics.beats import beat_times
from pirounet.systems.learn2dance.music2dance.beat_sync import (LibraryError, MotionLibrary,
                                                                beat_sync_poses,
                                                                beats_at_octave, smoothstep)
from pirounet.systems.learn2dance.music2dance.data import MusicScaler, chunked_music
from pirounet.systems.learn2dance.music2dance.model import (NO_MOVE, ModelSettings, MusicEncoder,
                                                    PoseDecoder)
from pirounet.systems.learn2dance.music2dance.objective import music_contexts
from pirounet.run.atomic import atomic_open
from pirounet.run.checkpoint import CheckpointError, load_weights
from pirounet.skeletons import OPENPOSE_15
from pirounet.viz.soundtrack import animate_with_soundtrack

SAMPLINGS = ("top_k", "greedy")
TRANSITIONS = ("blend", "hard")
PLAYBACKS = ("beat_sync", "published")
RUN_FITS = ("warp", "limit", "hold")  # run_fit: how a run's beats fit the song's (beat_sync.py)
SEGMENT_SONGS = ("nearest", "all", "style")


class SongTooShortError(ValueError):
    """A song with fewer music frames than one chunk: there is nothing to dance."""


@dataclass
class Dance:
    """A generated dance: the moves, the poses and the frame rate."""

    moves: np.ndarray  # (S,) int64
    poses: np.ndarray  # (T, 15, 2) float32, in the vocabulary's units
    fps: float


@dataclass(frozen=True)
class GenerationSettings:
    """How a dance's moves are sampled and played as poses."""

    sampling: str = "top_k"
    top_k: int = 5
    playback: str = "beat_sync"
    transitions: str = "blend"  # published playback only
    blend_frames: int = 8  # published playback, blend only
    segment_songs: str = "style"  # beat_sync: "style": every song of the nearest songs'
    #   style | "nearest" songs' segments | "all" training songs' segments
    nearest_songs: int = 1  # beat_sync, segment_songs="nearest" or "style": how many songs
    song_features: str = "sound_tempo_meter"  # what makes songs near: song_match.SONG_FEATURES
    run_beats: int = 8  # beat_sync: a chosen segment goes on for up to this many beats of its
    #   own recording before the next predicted move is read (1: a new choice every beat)
    run_fit: str = "hold"  # run_beats > 1, how a run's beats fit the song's: "hold": one
    #   danced faster than the song's waits at its stop (not slowed), and a run ends at a beat
    #   it would squeeze by more than beat_sync.RUN_SQUEEZE_MAX | "limit": that end only, each
    #   beat warped | "warp": each warped onto its beat


def blend_transitions(poses: np.ndarray, chunk_frames: int, blend_frames: int) -> np.ndarray:
    """Poses (S * c, J, D) with each chunk boundary's jump spread over blend_frames a side.

    At a boundary b, jump = poses[b] - poses[b - 1]; frame b - 1 - i moves by +w_i * jump / 2
    and frame b + i by -w_i * jump / 2, w_i falling smoothly from ~1 at the boundary to 0
    blend_frames away. The chunks' centres (beyond blend_frames) are unchanged.
    """
    h = min(blend_frames, chunk_frames // 2)
    out = poses.astype(np.float32, copy=True)
    if h < 1:
        return out
    weights = 0.5 * smoothstep(np.arange(h, 0, -1) / (h + 1))[:, None, None]  # (h, 1, 1)
    for b in range(chunk_frames, len(poses), chunk_frames):
        jump = poses[b] - poses[b - 1]  # (J, D), from the unblended poses
        out[b - h:b] += weights[::-1] * jump  # rising towards the boundary
        out[b:b + h] -= weights * jump  # falling away from it
    return out


def moves_to_poses(moves: np.ndarray, centroids: np.ndarray, transitions: str = "blend",
                   blend_frames: int = 8) -> np.ndarray:
    """Poses (S * c, 15, 2) of moves (S,) from centroids (K, c, 15, 2)."""
    poses = centroids[np.asarray(moves)].reshape(-1, *centroids.shape[2:])
    if transitions == "hard":
        return poses.astype(np.float32)
    return blend_transitions(poses, centroids.shape[1], blend_frames)


def pick(logits: torch.Tensor, sampling: str, top_k: int, rng: np.random.Generator) -> int:
    """One move from logits (K,): uniformly among the top_k (published) or the likeliest."""
    if sampling == "greedy":
        return int(logits.argmax())
    top = logits.topk(min(top_k, logits.numel())).indices.tolist()
    return int(top[rng.integers(len(top))])


class PlaybackError(ValueError):
    """A playback the checkpoint cannot serve (beat_sync needs its motion library)."""


@dataclass
class DanceModel:
    """A trained music->dance model with what generation needs: scaler, vocabulary, mode."""

    encoder: MusicEncoder
    decoder: PoseDecoder
    scaler: MusicScaler
    centroids: np.ndarray  # (K, c, 15, 2)
    mode: str  # "aligned" | "published"
    fps: float
    pooling: str = "ends"  # aligned: "ends" | "mean" (see model.chunk_contexts)
    library: MotionLibrary | None = None  # real training segments, for beat_sync playback
    beat_channel: int | None = BEAT_CHANNEL  # the music features' beat channel, if any

    @property
    def chunk_frames(self) -> int:
        return self.centroids.shape[1]

    @classmethod
    def from_checkpoint(cls, ckpt: Mapping[str, Any]) -> "DanceModel":
        """Rebuild the model from a learn2dance checkpoint (its config and extra arrays)."""
        try:
            cfg, scaler = ckpt["config"], ckpt["music_scaler"]
            centroids = ckpt["centroids"].numpy()
        except KeyError as err:
            raise CheckpointError(f"{ckpt.get('path', 'checkpoint')} holds no {err} "
                                  "(not a learn2dance music2dance checkpoint?)") from None
        settings = ModelSettings(music_dim=int(scaler["mean"].numel()),
                                 music_emb=cfg["music_emb"], hidden=cfg["hidden_size"],
                                 layers=cfg["lstm_layers"], n_moves=len(centroids),
                                 dropout=cfg.get("dropout", 0.0))
        encoder, decoder = MusicEncoder(settings), PoseDecoder(settings)
        load_weights(ckpt, {"encoder": encoder, "decoder": decoder})
        library = ckpt.get("motion_library")
        return cls(encoder.eval(), decoder.eval(),
                   MusicScaler(scaler["mean"].numpy(), scaler["std"].numpy()), centroids,
                   cfg["mode"], float(ckpt.get("fps", cfg["fps"])),
                   cfg.get("chunk_context", "ends"),
                   None if library is None else MotionLibrary.from_arrays(library),
                   BEAT_CHANNEL if cfg.get("music_features") == "fact35" else None)

    def n_chunks(self, n_frames: int, name: str = "the song") -> int:
        """Chunks needed for n_frames of music; a song shorter than one chunk is an error."""
        if n_frames < self.chunk_frames:
            raise SongTooShortError(
                f"{name} is {n_frames / self.fps:.2f} s long ({n_frames} frames): shorter than "
                f"one move of {self.chunk_frames} frames ({self.chunk_frames / self.fps:.2f} s)")
        return -(-n_frames // self.chunk_frames)

    def song_beats(self, music: np.ndarray) -> np.ndarray | None:
        """Beat times (n,) in seconds from the music features' beat channel, if they have one."""
        if self.beat_channel is None:
            return None
        return beat_times(music[:, self.beat_channel], self.fps)

    @torch.no_grad()
    def contexts(self, music: np.ndarray, n_chunks: int) -> torch.Tensor:
        """(1, S, H) music context per chunk of raw music features (T, F)."""
        scaled = chunked_music(self.scaler(music), n_chunks, self.chunk_frames)
        x = torch.from_numpy(scaled)[None]
        return music_contexts(self.encoder, x, n_chunks, self.mode, self.chunk_frames,
                              self.pooling)

    @torch.no_grad()
    def sample_moves(self, music: np.ndarray, sampling: str = "top_k", top_k: int = 5,
                     seed: int = 0, name: str = "the song") -> np.ndarray:
        """Moves (S,) for raw music features (T, F), one chunk after another."""
        contexts = self.contexts(music, self.n_chunks(len(music), name))  # (1, S, H)
        return self.moves_from_contexts(contexts, sampling, top_k, np.random.default_rng(seed))

    @torch.no_grad()
    def moves_from_contexts(self, contexts: torch.Tensor, sampling: str, top_k: int,
                            rng: np.random.Generator) -> np.ndarray:
        """Moves (S,) from music contexts (1, S, H), each pick fed back as the next previous."""
        n = contexts.shape[1]
        moves, previous = np.zeros(n, np.int64), NO_MOVE
        for s in range(n):
            logits = self.decoder(contexts[:, s:s + 1], torch.tensor([[previous]]))[0, 0]
            moves[s] = previous = pick(logits, sampling, top_k, rng)
        return moves

    @torch.no_grad()
    def logits(self, music: np.ndarray, moves: np.ndarray) -> torch.Tensor:
        """(S, K) teacher-forced logits of a song's true moves (S,): for token accuracy."""
        contexts = self.contexts(music, len(moves))
        previous = torch.from_numpy(np.concatenate([[NO_MOVE], moves[:-1]]).astype(np.int64))
        return self.decoder(contexts, previous[None])[0]

    def playable(self, gen: GenerationSettings) -> tuple[GenerationSettings, str | None]:
        """gen as this model can play it, and why it was changed (None when it was not).

        segment_songs="style" (the default) needs the training songs' styles: without them
        (no styles.csv, style_pattern or truth.json styles, or a checkpoint saved before song
        styles) it falls back to "nearest" with the same nearest_songs; a checkpoint saved
        before segment_songs (no song descriptors) falls back to "all", one saved before the
        meter to song_features="sound_tempo". play() keeps its clear errors for these (an
        explicit choice through the Python API); dance() falls back silently, and the dance
        command and main_eval call this first, log the reason once and record what was used.
        """
        lib = self.library
        if gen.playback != "beat_sync" or gen.segment_songs != "style" or lib is None:
            return gen, None
        if lib.descriptors is None:
            return replace(gen, segment_songs="all"), (
                "segment_songs=style fell back to all: this checkpoint's motion library holds "
                "no song descriptors (it was trained before segment_songs)")
        reasons = []
        if not lib.song_styles or not any(lib.song_styles):
            gen = replace(gen, segment_songs="nearest")
            reasons.append(f"segment_songs=style fell back to nearest (nearest_songs="
                           f"{gen.nearest_songs}): the training songs have no styles (no "
                           "styles.csv, style_pattern or truth.json styles, or a checkpoint "
                           "trained before song styles)")
        if gen.song_features == "sound_tempo_meter" and lib.meters is None:
            gen = replace(gen, song_features="sound_tempo")
            reasons.append("song_features=sound_tempo_meter fell back to sound_tempo: the "
                           "checkpoint holds no song meters (trained before the meter)")
        return gen, "; ".join(reasons) or None

    def play(self, moves: np.ndarray, n_frames: int, beats: np.ndarray | None,
             gen: GenerationSettings, music: np.ndarray | None = None,
             name: str | None = None) -> np.ndarray:
        """Poses (n_frames, 15, 2) of moves (S,) in gen's playback; beats (n,) in seconds.

        music (T, F), the song's raw features, and its name choose the nearest training songs
        (segment_songs="nearest"); a training song of that name is never danced from.
        """
        if gen.playback == "published":
            poses = moves_to_poses(moves, self.centroids, gen.transitions, gen.blend_frames)
            return poses[:n_frames]
        if self.library is None:
            raise PlaybackError("this checkpoint holds no motion library (it was trained "
                                "before beat_sync playback): use playback=published")
        allowed = None
        if gen.segment_songs in ("nearest", "style"):
            if music is None:
                raise ValueError(f"segment_songs='{gen.segment_songs}' needs the song's music "
                                 "features")
            choose = (self.library.near_segments if gen.segment_songs == "nearest"
                      else self.library.style_segments)
            try:
                allowed = choose(music, beats, gen.nearest_songs, name, gen.song_features)
            except LibraryError as err:
                raise PlaybackError(str(err)) from None
        beats = np.zeros(0) if beats is None else beats  # no beats: a steady pulse instead
        if allowed is not None:  # the chosen songs' dancers step at their own tempo octave
            beats = beats_at_octave(beats, self.library.typical_length(allowed) / self.fps)
        return beat_sync_poses(moves, self.library, beats, n_frames, self.chunk_frames,
                               allowed=allowed, run_beats=gen.run_beats,
                               run_fit=gen.run_fit)

    def dance(self, music: np.ndarray, gen: GenerationSettings = GenerationSettings(),
              seed: int = 0, beats: np.ndarray | None = None, name: str = "the song") -> Dance:
        """A dance of exactly len(music) frames for raw music features (T, F).

        beats (n,) are the song's beat times in seconds (default: the beat channel).
        """
        gen = self.playable(gen)[0]  # the default "style" on a library without styles
        moves = self.sample_moves(music, gen.sampling, gen.top_k, seed, name)
        beats = self.song_beats(music) if beats is None else beats
        poses = self.play(moves, len(music), beats, gen, music, Path(name).stem)  # a file's stem
        return Dance(moves, poses, self.fps)


def write_dance(dance: Dance, stem: str | Path, audio: str | Path | None = None,
                animation: str = "mp4", title: str | None = None) -> dict[str, Path]:
    """Save stem.npz (poses, moves, fps) and an animation: MP4 with the song, or GIF."""
    stem = Path(stem)
    npz = stem.with_name(stem.name + ".npz")  # not with_suffix: "take.1" keeps its ".1"
    with atomic_open(npz, "wb") as f:
        np.savez(f, poses=dance.poses, moves=dance.moves, fps=np.float32(dance.fps))
    written = {"npz": npz}
    if animation != "none":
        suffix = ".mp4" if animation == "mp4" and audio is not None else ".gif"
        written["animation"] = animate_with_soundtrack(
            dance.poses, audio, stem.with_name(stem.name + suffix), titles=[title or stem.name],
            fps=dance.fps, skeleton=OPENPOSE_15)
    return written
