"""Synthetic dancers: the project's 3-D body dancing to a synthetic song, seen by a camera.

The dance follows the music. Each bar the dancer performs one move from a library of ten;
each style draws moves with its own weights (waltzes sway and wave, electro pumps and
twists, ...). A move is one key pose per beat, and the body travels from key pose to key pose
with a minimum-jerk profile that starts and stops at rest exactly on the beats: movement
accents (the slowest instants) land on beats, and a faster tempo makes faster movement.

The body (pirounet.synthetic.body) gives 3-D Vicon markers; the 25 OpenPose BODY_25 joints
are means of markers, and a pinhole camera in front of the dancer projects them to pixels.
OpenPose-like detection then adds position noise, confidences, short dropouts (joints
written as 0, 0, 0), unsure joints below the 0.25 threshold, frames without the dancer and,
now and then, a second person standing to the side, listed before or after the dancer.
"""
from __future__ import annotations

import numpy as np

from pirounet.systems.learn2dance.synthetic_songs import SongPlan
from pirounet.skeletons import VICON_RAW_MARKERS
from pirounet.synthetic.body import LIMITS, N_SEGMENTS, SEG, forward_kinematics, place_on_floor

IMAGE_SIZE = (1280, 720)  # pixels, width x height
MOVES = ("pump", "wave", "squat_pulse", "side_step", "kicks", "sway", "chicken", "jump_clap",
         "twist", "open_close")
# Key poses per move, one per beat of a 4-beat bar (a 3-beat bar uses the first three).
MOVE_POSES = {
    "pump": ("arms_up", "neutral", "arms_up", "neutral"),
    "wave": ("left_up", "right_up", "left_up", "right_up"),
    "squat_pulse": ("squat", "neutral", "squat", "neutral"),
    "side_step": ("step_left", "neutral", "step_right", "neutral"),
    "kicks": ("kick_left", "neutral", "kick_right", "neutral"),
    "sway": ("lean_left", "lean_right", "lean_left", "lean_right"),
    "chicken": ("elbows_out", "neutral", "elbows_out", "arms_side"),
    "jump_clap": ("squat", "jump", "clap", "neutral"),
    "twist": ("twist_left", "twist_right", "twist_left", "twist_right"),
    "open_close": ("arms_side", "clap", "arms_side", "neutral"),
}
STYLE_WEIGHTS = {  # relative chance of each move, in MOVES order
    "rock": (4, 1, 1, 2, 4, 0, 1, 4, 0, 1),
    "electro": (4, 0, 3, 1, 0, 0, 3, 1, 4, 2),
    "waltz": (0, 4, 0, 3, 0, 5, 0, 0, 1, 4),
    "funk": (1, 1, 3, 1, 3, 0, 5, 1, 4, 0),
}
STEP = 0.3  # metres a side step travels
JUMP_HEIGHT = 0.12  # metres


def _pose(**segments: tuple[float, float, float]) -> np.ndarray:
    """Joint angles (S, 3) from a relaxed stance plus the given (pitch, roll, twist) per segment."""
    angles = np.zeros((N_SEGMENTS, 3))
    for side, sign in (("l", 1.0), ("r", -1.0)):  # right side: roll and twist mirrored
        angles[SEG[f"{side}_upperarm"]] = (0.0, sign * 0.15, 0.0)
        angles[SEG[f"{side}_thigh"]] = (-0.15, 0.0, 0.0)
        angles[SEG[f"{side}_shank"]] = (0.3, 0.0, 0.0)
        angles[SEG[f"{side}_forearm"]] = (-0.3, 0.0, 0.0)
    for name, value in segments.items():
        angles[SEG[name]] = value
    return np.clip(angles, LIMITS[..., 0], LIMITS[..., 1])


def _both(part: str, pitch: float, roll: float, twist: float = 0.0) -> dict:
    """The same angles on the left and mirrored on the right segment `part`."""
    return {f"l_{part}": (pitch, roll, twist), f"r_{part}": (pitch, -roll, -twist)}


KEY_POSES = {  # name -> (angles (S, 3), sideways step in metres, lift in metres)
    "neutral": (_pose(), 0.0, 0.0),
    "arms_up": (_pose(**_both("upperarm", -2.6, 0.3), **_both("forearm", -0.2, 0)), 0.0, 0.0),
    "left_up": (_pose(l_upperarm=(-2.6, 0.4, 0), l_forearm=(-0.3, 0, 0)), 0.0, 0.0),
    "right_up": (_pose(r_upperarm=(-2.6, -0.4, 0), r_forearm=(-0.3, 0, 0)), 0.0, 0.0),
    "arms_side": (_pose(**_both("upperarm", 0.0, 1.5), **_both("forearm", -0.1, 0)), 0.0, 0.0),
    "squat": (_pose(**_both("thigh", -1.0, 0.2), **_both("shank", 1.6, 0), thorax=(0.3, 0, 0),
                    **_both("upperarm", -1.3, 0.2)), 0.0, 0.0),
    "step_left": (_pose(**_both("upperarm", 0.0, 1.0)), STEP, 0.0),
    "step_right": (_pose(**_both("upperarm", 0.0, 1.0)), -STEP, 0.0),
    "kick_left": (_pose(l_thigh=(-0.5, 0.8, 0), l_shank=(0.2, 0, 0),
                        **_both("upperarm", 0.0, 1.2)), 0.0, 0.0),
    "kick_right": (_pose(r_thigh=(-0.5, -0.8, 0), r_shank=(0.2, 0, 0),
                         **_both("upperarm", 0.0, 1.2)), 0.0, 0.0),
    "lean_left": (_pose(thorax=(0, 0.35, 0), pelvis=(0, 0.1, 0), **_both("upperarm", -0.5, 0.9)),
                  0.1, 0.0),
    "lean_right": (_pose(thorax=(0, -0.35, 0), pelvis=(0, -0.1, 0),
                         **_both("upperarm", -0.5, 0.9)), -0.1, 0.0),
    "elbows_out": (_pose(**_both("upperarm", -0.3, 1.2), **_both("forearm", -2.2, 0),
                         **_both("shank", 0.8, 0), **_both("thigh", -0.5, 0.1)), 0.0, 0.0),
    "jump": (_pose(**_both("upperarm", -2.7, 0.4), **_both("shank", 0.1, 0)), 0.0, JUMP_HEIGHT),
    "clap": (_pose(**_both("upperarm", -1.4, -0.15), **_both("forearm", -0.9, 0, 0.5)), 0.0, 0.0),
    "twist_left": (_pose(thorax=(0, 0, 0.5), head=(0, 0, 0.4), **_both("upperarm", -0.4, 0.8),
                         **_both("forearm", -1.5, 0)), 0.0, 0.0),
    "twist_right": (_pose(thorax=(0, 0, -0.5), head=(0, 0, -0.4), **_both("upperarm", -0.4, 0.8),
                          **_both("forearm", -1.5, 0)), 0.0, 0.0),
}


def choreograph(plan: SongPlan, rng: np.random.Generator) -> np.ndarray:
    """Move ids (N_bars,) int64: one move per bar, drawn with the style's weights."""
    weights = np.array(STYLE_WEIGHTS[plan.style], dtype=float)
    return rng.choice(len(MOVES), size=len(plan.bar_starts()), p=weights / weights.sum())


def _min_jerk(u: np.ndarray) -> np.ndarray:
    """Easing from 0 to 1 with zero velocity and acceleration at both ends."""
    return u**3 * (10 - 15 * u + 6 * u**2)


def key_frames(plan: SongPlan, moves: np.ndarray, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """Key times (K,) and key values (K, S * 3 + 2): the dancer rests at a key pose on each beat.

    A value holds the joint angles, the sideways position and the lift. Key poses get a little
    random variation, so that no two bars look exactly alike.
    """
    beats, per_bar = plan.beat_times(), plan.beats_per_bar
    names = [MOVE_POSES[MOVES[moves[b // per_bar]]][b % per_bar] for b in range(len(beats))]
    side, values = 0.0, []
    for name in names:
        angles, step, lift = KEY_POSES[name]
        angles = np.clip(angles + rng.normal(0, 0.05, angles.shape), LIMITS[..., 0],
                         LIMITS[..., 1])
        side = float(np.clip(side + step, -2 * STEP, 2 * STEP)) if step else side * 0.5
        values.append(np.concatenate([angles.ravel(), [side, lift]]))
    start = np.concatenate([KEY_POSES["neutral"][0].ravel(), [0.0, 0.0]])
    return np.concatenate([[0.0], beats]), np.stack([start] + values)


def trajectory(times: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values (T, D) at frame times (T,): minimum-jerk from key to key, held after the last."""
    k = np.clip(np.searchsorted(keys, times, side="right") - 1, 0, len(keys) - 1)  # (T,)
    nxt = np.minimum(k + 1, len(keys) - 1)
    span = np.maximum(keys[nxt] - keys[k], 1e-9)
    s = np.where(nxt > k, _min_jerk(np.clip((times - keys[k]) / span, 0, 1)), 0.0)[:, None]
    return values[k] + s * (values[nxt] - values[k])


_M = {name: i for i, name in enumerate(VICON_RAW_MARKERS)}


def _mean(markers: np.ndarray, *names: str) -> np.ndarray:
    return markers[:, [_M[n] for n in names]].mean(axis=1)


def body25(markers: np.ndarray) -> np.ndarray:
    """The 25 OpenPose BODY_25 joints (T, 25, 3) from raw markers (T, 55, 3)."""
    top, brow = markers[:, _M["ARIEL"]], _mean(markers, "LFHD", "RFHD")
    nose = brow + 0.7 * (brow - top)  # in front of and below the forehead markers
    hips = markers[:, _M["SolvingHips"]]  # midpoint of the hip joints
    half_width = 0.45 * (_mean(markers, "LFWT", "LBWT") - _mean(markers, "RFWT", "RBWT"))
    joints = {
        "Nose": nose, "Neck": _mean(markers, "CLAV", "C7"), "MidHip": hips,
        "LHip": hips + half_width, "RHip": hips - half_width,
    }
    for s in "LR":
        joints[f"{s}Shoulder"] = _mean(markers, f"{s}FSH", f"{s}BSH")
        joints[f"{s}Elbow"] = _mean(markers, f"{s}ELB", f"{s}IEL")
        joints[f"{s}Wrist"] = _mean(markers, f"{s}OWR", f"{s}IWR")
        joints[f"{s}Knee"] = _mean(markers, f"{s}KNE", f"{s}KNI")
        joints[f"{s}Ankle"] = markers[:, _M[f"{s}ANK"]]
        joints[f"{s}Eye"] = 0.5 * (markers[:, _M[f"{s}FHD"]] + nose)
        joints[f"{s}Ear"] = 0.5 * (markers[:, _M[f"{s}FHD"]] + markers[:, _M[f"{s}BHD"]])
        joints[f"{s}BigToe"] = markers[:, _M[f"{s}TOE"]]
        joints[f"{s}SmallToe"] = markers[:, _M[f"{s}MT5"]]
        joints[f"{s}Heel"] = markers[:, _M[f"{s}HEL"]]
    order = ("Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
             "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
             "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel")
    return np.stack([joints[name] for name in order], axis=1)


def dancer_joints(plan: SongPlan, moves: np.ndarray, fps: float, rng: np.random.Generator
                  ) -> np.ndarray:
    """3-D BODY_25 joints (T, 25, 3), z up, metres, of the dancer facing +x (the camera)."""
    times = np.arange(int(round(plan.seconds * fps))) / fps
    keys, values = key_frames(plan, moves, rng)
    q = trajectory(times, keys, values)  # (T, S * 3 + 2)
    angles = q[:, :-2].reshape(len(times), N_SEGMENTS, 3)
    root = np.zeros((len(times), 3))
    root[:, 1] = q[:, -2]  # sideways, as the camera sees it
    markers = forward_kinematics(root, np.zeros(len(times)), angles)
    return body25(place_on_floor(markers, q[:, -1]))


def bystander_joints(n_frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """3-D BODY_25 joints (T, 25, 3) of someone standing well to one side, swaying a little."""
    sway = 0.05 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * np.arange(n_frames) / fps)
    angles = np.repeat(KEY_POSES["neutral"][0][None], n_frames, axis=0)
    angles[:, SEG["thorax"], 1] = sway
    root = np.zeros((n_frames, 3))
    root[:, 0] = -rng.uniform(0.5, 1.5)  # behind the dancer
    root[:, 1] = rng.choice([-1, 1]) * rng.uniform(1.8, 2.4)
    markers = forward_kinematics(root, np.full(n_frames, rng.uniform(-0.5, 0.5)), angles)
    return body25(place_on_floor(markers, np.zeros(n_frames)))
