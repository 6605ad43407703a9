"""Beat-synchronous playback: each move played as real motion, its stops on the song's beats.

    library = MotionLibrary.of(train_poses, train_moves, beats, chunk_frames, fps, names, music)
    allowed = library.near_segments(song_music, song_beats, k)     # (S,) or None: all songs
    allowed = library.style_segments(song_music, song_beats, k)    # (S,): the near songs' style
    allowed = library.style_segments(song_music, song_beats, k, features="sound_tempo_meter")
    poses = beat_sync_poses(moves, library, beats, n_frames, chunk_frames, allowed=allowed)

The published playback shows a move as its k-means centroid: an average of many real chunks,
slower and smoother than any of them, cut on a fixed one-second grid whatever the tempo.
Here the training dances are cut at their music's beats instead, each cut moved to the
dancer's own stop (a local minimum of the smoothed joint speed, Bailando's motion beat)
when one lies within SNAP_S of the beat: a *segment* is what the dancer did over one beat,
at its real speed, from one stop to the next where the dancer stops on the beats. A dance
without known beats is cut at its stops alone. A segment carries the move of the training
chunk that holds its middle frame.

A song is cut at its beats into intervals. Each interval takes the move that the model
predicted for the chunk holding its middle, and plays that move's segment that best
continues the dance: nearest in pose and velocity to where the previous segment ended, and
nearest in length, so the time warp is small. The segments are those of every training song,
or (segment_songs="nearest") those of the training songs that sound most like this one
(song_match.py), or (segment_songs="style") those of every training song of the style that
most of those songs share; when none of these holds the move, any of their segments may play. The
segment is resampled (linearly in time) to the interval's length, so its end stops land on
the beats. A small pose offset joins it to
the previous segment and fades out along it with a smoothstep, whose zero slope at both ends
leaves the stops where they are. With run_beats > 1 a chosen segment goes on with the next
beats of its own recording (no join at all) before the next predicted move is read;
with run_fit="limit" a run ends where it would be squeezed, and with "hold" a beat danced
faster than the song's also waits at its stop instead of being slowed down.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from pirounet.metrics.beats import SMOOTH_S, motion_beats_bailando
from pirounet.systems.learn2dance.music2dance.song_match import (nearest_songs, song_descriptor,
                                                                 song_meter, with_meter)

MIN_SEGMENT_S = 0.2  # shorter segments (jitter between two close cuts) are merged
SNAP_S = 0.15  # a beat's cut moves to the dancer's stop when one is this close (seconds)
VELOCITY_WEIGHT = 0.1  # continuity cost: pose distance + this x velocity distance (per s)
WARP_WEIGHT = 5.0  # cost of a time warp: this x |log(segment length / interval length)|
JITTER_SIGMA = 1.0  # frames: what a Gaussian this wide smooths away is a recording's jitter
RUN_WARP_MAX = 1.4  # a run goes on only while the next segment needs no larger time warp
RUN_SQUEEZE_MAX = 1.2  # run_fit limit or hold: nor, squeezed (the song's beat shorter), more than this


@dataclass
class MotionLibrary:
    """Real segments of the training dances, one beat (or stop to stop) long, with moves."""

    poses: np.ndarray  # (N, 15, 2) float32: every segment's frames, one after another
    bounds: np.ndarray  # (S + 1,) int64: segment s is poses[bounds[s]:bounds[s + 1]]
    moves: np.ndarray  # (S,) int64: the move of the training chunk holding its middle frame
    fps: float
    songs: np.ndarray | None = None  # (S,) int64: the training song each segment comes from
    song_names: list[str] | None = None  # (n,) those songs' names
    descriptors: np.ndarray | None = None  # (n, D) float32: song_match.song_descriptor each
    song_styles: list[str] | None = None  # (n,) each song's style ("" where it has none)
    meters: np.ndarray | None = None  # (n,) float32: song_match.song_meter of each song

    @classmethod
    def of(cls, dances: list[np.ndarray], moves: list[np.ndarray],
           beats: list[np.ndarray | None], chunk_frames: int, fps: float,
           names: list[str] | None = None, music: list[np.ndarray] | None = None,
           styles: list[str | None] | None = None) -> "MotionLibrary":
        """Cut dances (T, 15, 2) at their beats (s) or stops; moves (ceil(T / c),) per chunk.

        names and music (T, F) of the songs let beat_sync choose segments of similar songs,
        and their styles (None where unknown) segments of the style those songs share.
        """
        frames, bounds, labels, songs = [], [0], [], []
        for i, (poses, chunk_moves, song_beats) in enumerate(zip(dances, moves, beats)):
            for start, end in segment_ends(poses, song_beats, fps):
                frames.append(poses[start:end + 1])  # both stops included
                bounds.append(bounds[-1] + end + 1 - start)
                labels.append(chunk_moves[min((start + end) // 2 // chunk_frames,
                                              len(chunk_moves) - 1)])
                songs.append(i)
        if not labels:
            raise ValueError("the training dances hold no movement between two stops")
        described = names is not None and music is not None
        return cls(np.concatenate(frames).astype(np.float32), np.asarray(bounds, np.int64),
                   np.asarray(labels, np.int64), float(fps),
                   np.asarray(songs, np.int64) if described else None,
                   list(names) if described else None,
                   np.stack([song_descriptor(m, b) for m, b in zip(music, beats)])
                   if described else None,
                   [s or "" for s in styles] if described and styles is not None else None,
                   np.array([song_meter(m, b, fps) for m, b in zip(music, beats)], np.float32)
                   if described else None)

    def __len__(self) -> int:
        return len(self.moves)

    def segment(self, s: int) -> np.ndarray:
        """Frames (L + 1, 15, 2) of segment s, both stops included."""
        return self.poses[self.bounds[s]:self.bounds[s + 1]]

    @property
    def lengths(self) -> np.ndarray:
        """(S,) frames from the first stop to the last of each segment."""
        return np.diff(self.bounds) - 1

    def typical_length(self, allowed: np.ndarray) -> float:
        """Frames: the median over the songs with allowed (S,) segments of each song's median
        segment length, each song counted once.

        A song tracked at double tempo has twice as many segments, half as long: counted per
        segment, one such song among the near ones set the octave for all (Tang et al.'s
        DANCE_R_5, tracked at 167 BPM, had a rumba danced at half beats, read as a cha-cha).
        A library without song names: the median of the allowed segments' lengths.
        """
        lengths = self.lengths[allowed]
        if self.songs is None:
            return float(np.median(lengths))
        songs = self.songs[allowed]
        return float(np.median([np.median(lengths[songs == i]) for i in np.unique(songs)]))

    def nearest(self, music: np.ndarray, beats: np.ndarray | None, k: int,
                exclude: np.ndarray, features: str = "sound_tempo") -> np.ndarray:
        """Song indices (<= k,) nearest music (T, F), nearest first, never the excluded (n,).

        features: "sound_tempo" (the descriptors) | "sound_tempo_meter" (and the meters).
        """
        query = song_descriptor(music, beats)
        if features == "sound_tempo":
            return nearest_songs(self.descriptors, query, k, exclude)
        if self.meters is None:
            raise LibraryError("this checkpoint's motion library holds no song meters (it "
                               "was trained before song_features=sound_tempo_meter): use "
                               "song_features=sound_tempo, or train the run again")
        return nearest_songs(with_meter(self.descriptors, self.meters),
                             with_meter(query, song_meter(music, beats, self.fps)), k,
                             exclude, parts=2)

    def own_song(self, name: str | None) -> np.ndarray:
        """(n,) bool: the training song named `name` (the song being danced), if any."""
        return np.array([n == name for n in self.song_names])

    def unplayable(self, name: str | None) -> np.ndarray:
        """(n,) bool: songs never danced from, the song `name` and those with no segment."""
        return self.own_song(name) | (np.bincount(self.songs, minlength=len(self.song_names))
                                      == 0)

    def near_segments(self, music: np.ndarray, beats: np.ndarray | None, k: int,
                      name: str | None = None, features: str = "sound_tempo") -> np.ndarray:
        """(S,) bool: the segments of the k training songs that sound most like music (T, F).

        A training song named `name` (the song being danced) is never among them.
        """
        if self.descriptors is None:
            raise LibraryError("this checkpoint's motion library holds no song descriptors "
                               "(it was trained before segment_songs): use "
                               "segment_songs=all, or train the run again")
        near = self.nearest(music, beats, k, self.unplayable(name), features)
        return np.isin(self.songs, near)

    def music_style(self, music: np.ndarray, beats: np.ndarray | None, k: int,
                    name: str | None = None, features: str = "sound_tempo") -> str:
        """The style that most of the k training songs nearest music (T, F) have (a tie goes
        to the nearest song's style); the song `name` is never one of them."""
        if self.descriptors is None or not self.song_styles or not any(self.song_styles):
            raise LibraryError("this checkpoint's motion library holds no song styles (it was "
                               "trained before segment_songs=style, or without styles): use "
                               "segment_songs=all or nearest, or train the run again")
        styles = np.array(self.song_styles)  # (n,)
        near = self.nearest(music, beats, k, self.unplayable(name) | (styles == ""), features)
        if len(near) == 0:
            raise LibraryError("no other training song with a style has segments: use "
                               "segment_songs=all")
        votes = {}  # style -> (count, -rank of its nearest song): most songs, then the nearest
        for rank, song in enumerate(near):
            count, first = votes.get(styles[song], (0, -rank))
            votes[styles[song]] = (count + 1, first)
        return str(max(votes, key=votes.get))

    def style_segments(self, music: np.ndarray, beats: np.ndarray | None, k: int,
                       name: str | None = None, features: str = "sound_tempo") -> np.ndarray:
        """(S,) bool: the segments of every training song of music_style's style.

        Every song of that style, not only the near ones: more segments to continue the dance
        with, all danced in the style the music asks for. The song `name` is never danced from.
        """
        style = self.music_style(music, beats, k, name, features)
        chosen = (np.array(self.song_styles) == style) & ~self.own_song(name)  # (n,)
        return np.isin(self.songs, np.flatnonzero(chosen))

    def to_arrays(self) -> dict:
        """Plain arrays (and the song names) for a checkpoint."""
        out = {"poses": self.poses, "bounds": self.bounds, "moves": self.moves,
               "fps": np.float32(self.fps)}
        if self.descriptors is not None:
            out.update(songs=self.songs, song_names=list(self.song_names),
                       descriptors=self.descriptors)
        if self.song_styles is not None:
            out["song_styles"] = list(self.song_styles)
        if self.meters is not None:
            out["meters"] = self.meters
        return out

    @classmethod
    def from_arrays(cls, arrays: dict) -> "MotionLibrary":
        """The library of to_arrays() (numpy arrays or tensors)."""
        values = {k: v if k in ("song_names", "song_styles") else np.asarray(v)
                  for k, v in arrays.items()}
        described = "descriptors" in values
        return cls(values["poses"].astype(np.float32), values["bounds"].astype(np.int64),
                   values["moves"].astype(np.int64), float(values["fps"]),
                   values["songs"].astype(np.int64) if described else None,
                   list(values["song_names"]) if described else None,
                   values["descriptors"].astype(np.float32) if described else None,
                   list(values["song_styles"]) if "song_styles" in values else None,
                   values["meters"].astype(np.float32) if "meters" in values else None)


class LibraryError(ValueError):
    """A motion library that lacks what a playback setting needs."""


def segment_ends(poses: np.ndarray, beats: np.ndarray | None,
                 fps: float) -> list[tuple[int, int]]:
    """(first, last) frames of each segment of poses (T, 15, 2): beat to beat, or stop to stop.

    Each beat (s) is cut at the nearest stop within SNAP_S, else at the beat itself.
    """
    stops = np.round(motion_beats_bailando(poses, fps, SMOOTH_S) * fps).astype(int)
    cuts = stops
    if beats is not None and len(beats) >= 2 and len(stops):
        frames = np.round(np.asarray(beats) * fps).astype(int)
        frames = frames[(frames >= 0) & (frames < len(poses))]
        nearest = stops[np.abs(frames[:, None] - stops[None]).argmin(1)]
        cuts = np.where(np.abs(nearest - frames) <= SNAP_S * fps, nearest, frames)
    keep = []
    for cut in np.sort(cuts):  # merge cuts closer than MIN_SEGMENT_S: one movement, not two
        if not keep or cut - keep[-1] >= MIN_SEGMENT_S * fps:
            keep.append(int(cut))
    return list(zip(keep[:-1], keep[1:]))


def beat_intervals(beats: np.ndarray, n_frames: int, fps: float,
                   period: float) -> np.ndarray:
    """Frame boundaries (I + 1,) from 0 to n_frames: the beats, gaps cut near `period` (s).

    Beat-less stretches (before the first beat, after the last, a tracker's gap) are cut into
    equal parts about one period long, so no segment is stretched far beyond its own length.
    """
    marks = np.unique(np.round(np.asarray(beats, np.float64) * fps).astype(np.int64))
    marks = marks[(marks > 0) & (marks < n_frames)]
    edges = np.concatenate([[0], marks, [n_frames]])
    step = max(period * fps, 2.0)
    out = [0]
    for a, b in zip(edges[:-1], edges[1:]):
        parts = max(1, int(round((b - a) / step)))
        out += [int(round(a + (b - a) * k / parts)) for k in range(1, parts + 1)]
    out = np.unique(out)
    short = np.flatnonzero(np.diff(out) < 2)  # one-frame intervals: join to the next, the
    drop = np.where(short + 1 == len(out) - 1, short, short + 1)  # last one to the previous
    drop = np.unique(drop[drop > 0])  # (keeping n_frames: its frame would stay empty)
    return np.delete(out, drop) if len(out) - len(drop) >= 2 else np.array([0, n_frames])


def beats_at_octave(beats: np.ndarray, period: float) -> np.ndarray:
    """Beat times (n,) thinned or subdivided by a power of two to come nearest period (s).

    A song tracked at twice a similar song's tempo (or half) is danced with that song's
    segments at their own speed: one segment over two beats (or two over one), so each stop
    still lands on a beat and no segment is squeezed to half its length.
    """
    if len(beats) < 2:
        return beats
    factor = 2.0 ** np.round(np.log2(period / np.median(np.diff(beats))))
    if factor >= 2:
        return beats[::int(factor)]
    for _ in range(int(round(-np.log2(factor)))):  # factor 1/2, 1/4, ...: halve each interval
        beats = np.sort(np.concatenate([beats, (beats[:-1] + beats[1:]) / 2]))
    return beats


def warp(frames: np.ndarray, n: int) -> np.ndarray:
    """frames (L + 1, J, D) resampled to (n + 1, J, D): same ends, new length.

    The smooth movement is resampled linearly; the frame-to-frame jitter of the recording on
    top of it is carried by the nearest frame. Interpolating the jitter too would average it
    away, and the dance would move more smoothly (lower kinetic energy) than the real one.
    """
    frames = np.asarray(frames, np.float64)
    smooth = gaussian_filter1d(frames, JITTER_SIGMA, axis=0, mode="nearest")
    src = np.linspace(0, len(frames) - 1, n + 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, len(frames) - 1)
    w = (src - lo)[:, None, None]
    jitter = (frames - smooth)[np.round(src).astype(int)]
    return (1 - w) * smooth[lo] + w * smooth[hi] + jitter


def smoothstep(x: np.ndarray) -> np.ndarray:
    """3x^2 - 2x^3 on [0, 1]: a ramp with zero slope at both ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def choose_segment(library: MotionLibrary, move: int, end_pose: np.ndarray | None,
                   end_velocity: np.ndarray | None, n: int, previous: int,
                   allowed: np.ndarray | None = None) -> int:
    """The move's segment that best continues the dance into an interval of n frames.

    allowed (S,) bool: the segments it may choose from (None: all).
    """
    allowed = np.ones(len(library), bool) if allowed is None else allowed
    candidates = np.flatnonzero((library.moves == move) & allowed)
    if len(candidates) == 0:  # no allowed segment holds this move: any allowed segment
        candidates = np.flatnonzero(allowed)
    if len(candidates) > 1:
        candidates = candidates[candidates != previous]  # no segment twice in a row
    starts = library.poses[library.bounds[candidates]]  # (C, 15, 2)
    cost = WARP_WEIGHT * np.abs(np.log(library.lengths[candidates] / n))
    if end_pose is not None:
        after = library.poses[library.bounds[candidates] + 1]
        velocity = (after - starts) * library.fps  # (C, 15, 2), per second
        cost += np.linalg.norm(starts - end_pose, axis=-1).mean(-1)
        cost += VELOCITY_WEIGHT * np.linalg.norm(velocity - end_velocity, axis=-1).mean(-1)
    return int(candidates[cost.argmin()])


def continues(library: MotionLibrary, segment: int, n: int,
              allowed: np.ndarray | None = None, squeeze: bool = False) -> bool:
    """Whether segment + 1 is the next beat of the same recording (its first frame is the
    segment's last), allowed, and fits an interval of n frames within RUN_WARP_MAX (with
    squeeze, squeezed by no more than RUN_SQUEEZE_MAX)."""
    following = segment + 1
    if segment < 0 or following >= len(library) or (allowed is not None
                                                    and not allowed[following]):
        return False
    joined = library.bounds[following]  # segments keep both stops: the shared frame twice
    if not np.array_equal(library.poses[joined - 1], library.poses[joined]):
        return False  # another recording (or a cut merged away): not a continuation
    ratio = library.lengths[following] / n  # > 1: the song's beat is shorter (squeezed)
    return bool(abs(np.log(ratio)) <= np.log(RUN_WARP_MAX)
                and (not squeeze or np.log(ratio) <= np.log(RUN_SQUEEZE_MAX)))


def held(frames: np.ndarray, n: int) -> np.ndarray:
    """frames (L + 1, J, D), L <= n, played at their own speed, then the last one (the stop)
    held: (n + 1, J, D). The dancer arrives early and waits for the beat."""
    return np.concatenate([frames, np.repeat(frames[-1:], n + 1 - len(frames), 0)])


def beat_sync_poses(moves: np.ndarray, library: MotionLibrary, beats: np.ndarray,
                    n_frames: int, chunk_frames: int, period: float | None = None,
                    allowed: np.ndarray | None = None, run_beats: int = 1,
                    run_fit: str = "warp") -> np.ndarray:
    """Poses (n_frames, 15, 2): moves (S,) on chunks of chunk_frames, played on the beats.

    beats (n,) are seconds; period (s) cuts beat-less stretches (default: the library's
    median segment length); allowed (S,) bool limits the segments played (None: all).
    run_beats: a segment chosen for a move is followed by up to run_beats - 1 next beats of
    its own recording (each warped onto its beat interval) before the next move is read:
    fewer joins, each a pose offset faded over a beat, which adds motion no dancer made.
    run_fit: how a run's beats fit the song's. "warp": each warped onto its interval (within
    RUN_WARP_MAX either way); "limit": the same, but a run ends at a beat that would be
    squeezed by more than RUN_SQUEEZE_MAX (a squeezed recording rushes through its stops);
    "hold": as "limit", and a beat the recording danced faster than the song's is played at
    its own speed and its end stop held (not slowed down): the dancer waits for the beat.
    """
    fps = library.fps
    period = float(np.median(library.lengths)) / fps if period is None else period
    edges = beat_intervals(beats, n_frames, fps, period)
    out = np.zeros((n_frames, *library.poses.shape[1:]), np.float32)
    end_pose = end_velocity = None
    previous, run = -1, 0
    for a, b in zip(edges[:-1], edges[1:]):
        n = int(b - a)
        going_on = run < run_beats and continues(library, previous, n, allowed,
                                                 run_fit != "warp")
        if going_on:
            previous, run = previous + 1, run + 1  # the recording's own next beat
        else:
            move = int(moves[min((a + b) // 2 // chunk_frames, len(moves) - 1)])
            previous, run = choose_segment(library, move, end_pose, end_velocity, n,
                                           previous, allowed), 1
        segment = library.segment(previous)  # (L + 1, 15, 2)
        if going_on and run_fit == "hold" and len(segment) - 1 < n:
            frames = held(segment, n)  # (n + 1, 15, 2)
        else:
            frames = warp(segment, n)  # (n + 1, 15, 2)
        if end_pose is not None:  # join the previous end, then fade the offset out
            fade = 1 - smoothstep(np.arange(n + 1) / n)[:, None, None]
            frames = frames + fade * (end_pose - frames[0])
        out[a:b] = frames[:n]
        end_pose, end_velocity = frames[n], (frames[n] - frames[n - 1]) * fps
    return out
