"""The synthetic dancer's choreography: phrases of Laban Time and Space Effort, as joint angles.

A performance is a chain of phrases (1.5-6 s). Each phrase has a Time Effort (1 sustained,
2 neutral, 3 sudden) and a Space Effort (1 indirect, 2 neutral, 3 direct). Inside a phrase
the dancer moves through key poses: each move is a transition to a new key pose followed by
a hold. Time Effort sets the timing: sustained moves take 1.2-2.5 s with no holds, neutral
ones 0.4-0.8 s with short holds, sudden ones 0.15-0.3 s with long holds (and small jumps).
Space Effort sets the path: every transition is a cubic Bezier curve in joint-angle and
floor space whose control points stray from the straight line by a share of a random pose,
none for direct, a little for neutral, most for indirect, so indirect moves wander.

All key poses and control points lie inside the joint limits, and a Bezier curve stays in
the convex hull of its control points, so every angle of the performance respects them.
Transitions ease with a minimum-jerk profile: velocity is zero at every key pose.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from pirounet.skeletons import VICON_53
from pirounet.synthetic.body import LIMITS, N_SEGMENTS, SEG

FPS = VICON_53.fps  # the synthetic dancer is recorded like the mariel files

PHRASE_FRAMES = (53, 210)  # shortest and longest phrase, frames (1.5 s to 6 s)

# Efforts are dealt from shuffled decks so that class shares stay close to the real labels'
# (time 1/2/3 ~ 41/36/22 %, space ~ 52/22/26 % before the labeler's disagreement).
TIME_DECK = (1,) * 11 + (2,) * 10 + (3,) * 6
SPACE_DECK = (1,) * 12 + (2,) * 5 + (3,) * 6

TRANSITION_S = {1: (1.2, 2.5), 2: (0.4, 0.8), 3: (0.15, 0.30)}  # per Time Effort, seconds
HOLD_S = {1: (0.0, 0.1), 2: (0.1, 0.35), 3: (0.25, 0.7)}
DETOUR = {1: 0.8, 2: 0.35, 3: 0.0}  # per Space Effort: pull of the Bezier controls off-line

SUPPORT_SHARE = 0.35  # a supporting leg uses this share of its joint range (pliés, not kicks)
LEG_SEGMENTS = {"l": [SEG[f"l_{s}"] for s in ("thigh", "shank", "foot")],
                "r": [SEG[f"r_{s}"] for s in ("thigh", "shank", "foot")]}
STAGE = 2.5  # the dancer travels within [-STAGE, STAGE]^2 metres
TRAVEL_SPEED = 1.0  # m/s: longest distance covered per second of transition
MAX_TRAVEL = 1.5  # metres per transition
TURN_SPEED = 3.0  # rad/s: largest turn per second of transition
JUMP_MIN_HOLD = 0.4  # seconds: a sudden hold at least this long may hold a jump
JUMP_FLIGHT = 0.3  # seconds in the air, about 11 cm high
JUMP_CHANCE = 0.4  # probability that such a hold holds a jump
GRAVITY = 9.81
N_DOF = 3 * N_SEGMENTS + 3  # joint angles, then floor x, floor y, yaw


@dataclass(frozen=True)
class Phrase:
    """A stretch of one performance with one Time and one Space Effort."""

    start: int  # first frame in its file (untrimmed)
    length: int  # frames
    time: int  # 1 sustained, 2 neutral, 3 sudden
    space: int  # 1 indirect, 2 neutral, 3 direct


@dataclass
class Motion:
    """Joint-space trajectory of one performance, sampled at FPS."""

    xy: np.ndarray  # (T, 2) pelvis position on the floor, metres
    yaw: np.ndarray  # (T,) facing direction, radians
    angles: np.ndarray  # (T, S, 3) joint angles (pitch, roll, twist)
    lift: np.ndarray  # (T,) height of the jump in flight, 0 on the ground


def _deck_stream(rng: np.random.Generator, deck: Sequence[int], n: int) -> np.ndarray:
    """n values dealt from repeatedly shuffled copies of `deck`."""
    n_decks = -(-n // len(deck))
    return np.concatenate([rng.permutation(deck) for _ in range(n_decks)])[:n]


def plan_phrases(rng: np.random.Generator, file_frames: Sequence[int]) -> list[list[Phrase]]:
    """Phrases covering each performance of the given lengths; efforts run on across files."""
    n_max = sum(n // PHRASE_FRAMES[0] + 1 for n in file_frames)
    times = _deck_stream(rng, TIME_DECK, n_max)
    spaces = _deck_stream(rng, SPACE_DECK, n_max)
    lengths = rng.integers(PHRASE_FRAMES[0], PHRASE_FRAMES[1] + 1, size=n_max)
    plans, used = [], 0
    for n in file_frames:
        ends = np.cumsum(lengths[used:])
        count = int(np.searchsorted(ends, n)) + 1  # the last phrase is cut at the file's end
        starts = np.concatenate([[0], ends[: count - 1]])
        stops = np.minimum(ends[:count], n)
        plans.append([
            Phrase(int(a), int(b - a), int(t), int(s))
            for a, b, t, s in zip(starts, stops, times[used:], spaces[used:])
        ])
        used += count
    return plans


def _pose_box(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Joint ranges (S, 3) low and high for one key pose: one or both legs support the body."""
    low, high = LIMITS[..., 0].copy(), LIMITS[..., 1].copy()
    gesture = rng.choice(["", "l", "r"], p=[0.4, 0.3, 0.3])
    for side, segs in LEG_SEGMENTS.items():
        if side != gesture:
            low[segs] *= SUPPORT_SHARE  # every joint range holds 0, so this stays inside it
            high[segs] *= SUPPORT_SHARE
    return low, high


def _floor_move(rng: np.random.Generator, xy: np.ndarray, yaw: float, seconds: float,
                detour: float) -> tuple[np.ndarray, ...]:
    """Bezier control points a, c1, c2, b, each (x, y, yaw), of one transition's travel."""
    dist = rng.uniform(0.0, min(MAX_TRAVEL, TRAVEL_SPEED * seconds))
    heading = rng.uniform(0.0, 2 * np.pi)
    xy_b = np.clip(xy + dist * np.array([np.cos(heading), np.sin(heading)]), -STAGE, STAGE)
    turn = rng.uniform(-1.0, 1.0) * min(np.pi, TURN_SPEED * seconds)
    a, b = np.append(xy, yaw), np.append(xy_b, yaw + turn)
    # Indirect travel bends off the straight line by about half the distance covered.
    scale = 0.5 * np.array([max(dist, 0.2), max(dist, 0.2), max(abs(turn), 0.3)])
    c1 = a + (b - a) / 3 + detour * rng.normal(0.0, scale)
    c2 = a + 2 * (b - a) / 3 + detour * rng.normal(0.0, scale)
    c1[:2], c2[:2] = np.clip(c1[:2], -STAGE, STAGE), np.clip(c2[:2], -STAGE, STAGE)
    return a, c1, c2, b


def _phrase_timing(rng: np.random.Generator, phrase: Phrase) -> np.ndarray:
    """(n_moves, 2) transition and hold durations in seconds, filling the phrase exactly."""
    seconds = phrase.length / FPS
    lo, hi = np.array(TRANSITION_S[phrase.time]), np.array(HOLD_S[phrase.time])
    max_moves = int(seconds / lo[0]) + 1
    moves = rng.uniform([lo[0], hi[0]], [lo[1], hi[1]], size=(max_moves, 2))
    n = int(np.searchsorted(np.cumsum(moves.sum(axis=1)), seconds)) + 1
    moves = moves[:n]  # n <= max_moves, since max_moves transitions alone outlast the phrase
    return moves * (seconds / moves.sum())


def _plan_moves(rng: np.random.Generator, phrases: Sequence[Phrase]) -> dict[str, np.ndarray]:
    """Start/end times (K,), Bezier control points (K, 4, N_DOF) and jumps of all moves."""
    pose, xy, yaw = np.zeros((N_SEGMENTS, 3)), rng.uniform(-1.0, 1.0, 2), rng.uniform(-np.pi, np.pi)
    t0, t1, controls, jumps = [], [], [], []
    for phrase in phrases:
        amplitude = rng.uniform(0.4, 1.0)  # small and large phrases
        detour = DETOUR[phrase.space]
        t = phrase.start / FPS
        for transition, hold in _phrase_timing(rng, phrase):
            low, high = _pose_box(rng)
            target, *wander = amplitude * rng.uniform(low, high, size=(3,) + low.shape)
            line = pose + np.array([1 / 3, 2 / 3])[:, None, None] * (target - pose)  # (2, S, 3)
            c1, c2 = line + detour * (np.stack(wander) - line)  # pulled toward random poses
            floor = _floor_move(rng, xy, yaw, transition, detour)
            joints = np.stack([pose, c1, c2, target]).reshape(4, -1)  # (4, 3 S)
            controls.append(np.concatenate([joints, np.stack(floor)], axis=1))
            t0.append(t)
            t1.append(t + transition)
            takeoff = t + transition + 0.05
            if phrase.time == 3 and hold >= JUMP_MIN_HOLD and rng.random() < JUMP_CHANCE:
                jumps.append((takeoff, takeoff + JUMP_FLIGHT))
            pose, xy, yaw = target, floor[3][:2], floor[3][2]
            t += transition + hold
    return {
        "t0": np.array(t0), "t1": np.array(t1), "controls": np.array(controls),
        "jumps": np.array(jumps).reshape(-1, 2),
    }


def _min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing from 0 to 1 with zero velocity and acceleration at both ends."""
    return u**3 * (10 - 15 * u + 6 * u**2)


def _jump_height(t: np.ndarray, jumps: np.ndarray) -> np.ndarray:
    """Ballistic height (T,) at times t (T,) for sorted, non-overlapping (J, 2) flights."""
    if len(jumps) == 0:
        return np.zeros_like(t)
    j = np.maximum(np.searchsorted(jumps[:, 0], t, side="right") - 1, 0)
    up, down = t - jumps[j, 0], jumps[j, 1] - t
    return np.where((up >= 0) & (down > 0), 0.5 * GRAVITY * up * down, 0.0)


def perform(rng: np.random.Generator, phrases: Sequence[Phrase], n_frames: int) -> Motion:
    """Sample the joint-space trajectory of one performance of n_frames frames."""
    moves = _plan_moves(rng, phrases)
    t = np.arange(n_frames) / FPS  # (T,)
    k = np.searchsorted(moves["t0"], t, side="right") - 1  # the move each frame is in
    t0, t1 = moves["t0"][k], moves["t1"][k]
    s = _min_jerk(np.clip((t - t0) / (t1 - t0), 0.0, 1.0))[:, None]  # (T, 1); 1 in holds
    p = moves["controls"][k]  # (T, 4, N_DOF)
    q = ((1 - s) ** 3 * p[:, 0] + 3 * s * (1 - s) ** 2 * p[:, 1]
         + 3 * s**2 * (1 - s) * p[:, 2] + s**3 * p[:, 3])  # (T, N_DOF)
    return Motion(
        xy=q[:, -3:-1], yaw=q[:, -1], angles=q[:, :-3].reshape(n_frames, N_SEGMENTS, 3),
        lift=_jump_height(t, moves["jumps"]),
    )


def frame_efforts(phrases: Sequence[Phrase]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame Time and Space Effort (T,) int8 of one performance."""
    lengths = [p.length for p in phrases]
    time = np.repeat([p.time for p in phrases], lengths).astype(np.int8)
    space = np.repeat([p.space for p in phrases], lengths).astype(np.int8)
    return time, space
