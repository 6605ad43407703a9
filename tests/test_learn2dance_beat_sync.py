"""Beat-synchronous playback: real segments, time-warped so that their stops land on the beats."""
import numpy as np
import pytest

from pirounet.metrics.beats import bas_bailando, bas_fact, motion_beats
from pirounet.systems.learn2dance.music2dance.beat_sync import (MotionLibrary, beat_intervals,
                                                                beat_sync_poses, warp)

FPS = 30.0


def stop_and_go(n_frames: int, stop_every: float, seed: int = 0) -> np.ndarray:
    """A dance (T, 15, 2) that moves between random poses and stops every stop_every seconds."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / FPS
    k, phase = np.divmod(t, stop_every)
    ramp = phase / stop_every
    ramp = ramp * ramp * (3 - 2 * ramp)  # smoothstep: zero speed at every stop
    keys = rng.normal(size=(int(k.max()) + 2, 15, 2)).astype(np.float32)
    idx = k.astype(int)
    return keys[idx] + ramp[:, None, None] * (keys[idx + 1] - keys[idx])


def library(stop_every: float = 0.7) -> MotionLibrary:
    dances = [stop_and_go(600, stop_every, seed) for seed in range(2)]
    moves = [np.arange(20) % 3 for _ in dances]  # three moves on 30-frame chunks
    return MotionLibrary.of(dances, moves, [None, None], 30, FPS)


def test_library_cuts_the_dances_at_their_stops():
    lib = library(0.7)
    assert len(lib) > 20
    assert np.allclose(lib.lengths, 0.7 * FPS, atol=2)  # one segment per stop-to-stop movement
    assert set(lib.moves.tolist()) == {0, 1, 2}
    again = MotionLibrary.from_arrays(lib.to_arrays())
    assert np.array_equal(again.poses, lib.poses) and again.fps == lib.fps


def test_warp_keeps_the_ends_and_changes_the_length():
    frames = np.random.default_rng(0).normal(size=(21, 15, 2))
    out = warp(frames, 13)
    assert out.shape == (14, 15, 2)
    assert np.allclose(out[0], frames[0]) and np.allclose(out[-1], frames[-1])


def test_beat_intervals_follow_the_beats_and_fill_gaps():
    beats = np.array([1.0, 1.5, 2.0, 4.0])  # a two-second gap after 2.0
    edges = beat_intervals(beats, 150, FPS, period=0.5)
    assert edges[0] == 0 and edges[-1] == 150
    assert {30, 45, 60, 120} <= set(edges.tolist())
    assert np.diff(edges).max() <= 0.5 * FPS * 1.5  # gaps cut near one period


def test_a_beat_on_the_last_frame_leaves_no_frame_empty():
    """A beat one frame before the end made a one-frame last interval; dropping its end left
    the dance's last frame at (0, 0), a one-frame jump that FID_k read as a huge energy."""
    n = 150
    beats = np.array([1.0, 2.0, 3.0, 4.0, (n - 1) / FPS])
    edges = beat_intervals(beats, n, FPS, period=1.0)
    assert edges[0] == 0 and edges[-1] == n and np.diff(edges).min() >= 2
    lib = library(0.7)
    moves = np.zeros(n // 30 + 1, np.int64)
    poses = beat_sync_poses(moves, lib, beats, n, 30)
    assert np.abs(poses).sum(axis=(1, 2)).min() > 0  # every frame played


@pytest.mark.parametrize("period", [0.5, 0.62])
def test_stops_land_on_the_songs_beats(period):
    """A song with known beats (not the dancer's tempo): the dance's stops fall on them."""
    lib = library(0.7)
    n = 20 * int(FPS)
    beats = 0.23 + period * np.arange(int(19 / period))
    moves = np.random.default_rng(1).integers(0, 3, n // 30)
    poses = beat_sync_poses(moves, lib, beats, n, 30)
    assert poses.shape == (n, 15, 2) and np.isfinite(poses).all()
    stops = motion_beats(poses, FPS)
    assert bas_bailando(stops, beats) > 0.9  # every beat has a stop on it
    # and nearly every stop is on a beat: the beat-less ends (before the first beat, after
    # the last) are cut at the same period, so a stop or two falls off the beats there
    assert bas_fact(stops, beats) > 0.8
    other = 0.41 + 0.45 * np.arange(40)  # another song's beats: no better than chance
    assert bas_bailando(stops, other) < 0.6


def test_segments_are_real_motion_not_averages():
    """Each beat interval plays one real segment (warped): its speed stays a real dancer's."""
    lib = library(0.5)
    n = 300
    poses = beat_sync_poses(np.zeros(10, np.int64), lib, 0.5 * np.arange(1, 20), n, 30)
    real = stop_and_go(n, 0.5, seed=0)
    speed = np.linalg.norm(np.diff(poses, axis=0), axis=-1).mean()
    real_speed = np.linalg.norm(np.diff(real, axis=0), axis=-1).mean()
    assert 0.8 < speed / real_speed < 1.25


def test_a_dance_with_known_beats_is_cut_beat_to_beat():
    """A dancer who stops twice a beat: the segments are one beat long, cut at the stops."""
    poses = stop_and_go(600, 0.35)
    beats = 0.7 * np.arange(1, 28) + 0.03  # a beat every other stop, the stops 1 frame off
    lib = MotionLibrary.of([poses], [np.zeros(20, np.int64)], [beats], 30, FPS)
    assert np.allclose(lib.lengths, 0.7 * FPS, atol=2)
    stops = lib.bounds[:-1] - np.arange(len(lib))  # each segment's first frame in the dance
    assert np.abs(stops / FPS - 0.7 * np.round(stops / FPS / 0.7)).max() <= 1.5 / FPS


def two_recordings() -> tuple[MotionLibrary, np.ndarray]:
    """Recordings A and B (41 frames each) cut every 10 frames: segments 0-3 from A, 4-7 from
    B, both stops kept (a segment's last frame is the next one's first).
    Moves: 0 1 2 0 | 1 0 2 1."""
    rng = np.random.default_rng(3)
    recordings = [np.cumsum(rng.normal(size=(41, 15, 2)), axis=0).astype(np.float32)
                  for _ in range(2)]
    segments = [r[10 * k:10 * k + 11] for r in recordings for k in range(4)]
    bounds = np.concatenate([[0], np.cumsum([len(s) for s in segments])])
    lib = MotionLibrary(np.concatenate(segments), bounds, np.array([0, 1, 2, 0, 1, 0, 2, 1]),
                        FPS)
    return lib, recordings[0]


def test_a_run_goes_on_with_the_chosen_recording_and_stops_at_its_end():
    from pirounet.systems.learn2dance.music2dance.beat_sync import continues

    lib, first = two_recordings()
    assert continues(lib, 0, 10) and continues(lib, 2, 10)
    assert not continues(lib, 3, 10)  # segment 4 is recording B's first beat
    assert not continues(lib, 7, 10) and not continues(lib, -1, 10)
    assert not continues(lib, 0, 6)  # 10 frames into 6: a warp beyond RUN_WARP_MAX
    assert not continues(lib, 0, 10, allowed=np.array([True, False] + [True] * 6))
    beats = np.arange(1, 4) * 10 / FPS  # intervals of 10 frames: no warp
    moves = np.zeros(2, np.int64)  # move 0 everywhere: segments 0, 3, 5
    run = beat_sync_poses(moves, lib, beats, 40, 30, run_beats=4)
    assert np.allclose(run, first[:40])  # segment 0, then A's next three beats, no offset
    each = beat_sync_poses(moves, lib, beats, 40, 30, run_beats=1)
    assert np.allclose(each[:10], first[:10]) and not np.allclose(each[10:20], first[10:20])


def test_a_held_run_plays_its_beats_at_their_own_speed_and_waits_at_each_stop():
    from pirounet.systems.learn2dance.music2dance.beat_sync import continues

    lib, first = two_recordings()
    assert continues(lib, 0, 8) and not continues(lib, 0, 8, squeeze=True)  # squeezed 1.25 x
    assert continues(lib, 0, 9, squeeze=True) and continues(lib, 0, 13, squeeze=True)
    beats = np.arange(1, 4) * 12 / FPS  # intervals of 12 frames; A's beats last 10
    moves = np.zeros(2, np.int64)
    held = beat_sync_poses(moves, lib, beats, 48, 30, run_beats=4, run_fit="hold")
    for k in (1, 2, 3):  # A's beats 1-3 at their own speed, then 2 frames at the stop
        assert np.allclose(held[12 * k:12 * k + 10], first[10 * k:10 * k + 10])
        assert np.allclose(held[12 * k + 10:12 * k + 12], first[10 * k + 10])
    for fit in ("warp", "limit"):  # the same stops on the beats, reached slowed down
        warped = beat_sync_poses(moves, lib, beats, 48, 30, run_beats=4, run_fit=fit)
        assert np.allclose(warped[12::12], first[10:40:10])
        assert not np.allclose(warped[12:22], first[10:20])


def test_a_limited_run_ends_where_the_song_would_squeeze_its_beat():
    lib, first = two_recordings()
    beats = np.array([10, 18]) / FPS  # a 10-frame beat, then two of 8: A's next is too long
    moves = np.zeros(2, np.int64)
    warped = beat_sync_poses(moves, lib, beats, 26, 30, run_beats=4, run_fit="warp")
    assert np.allclose(warped[10::8], first[10:30:10])  # A's beats 1 and 2, squeezed 1.25 x
    limited = beat_sync_poses(moves, lib, beats, 26, 30, run_beats=4, run_fit="limit")
    assert np.allclose(limited[:10], first[:10])  # the run's first beat, as chosen
    assert not np.allclose(limited[10:18], warped[10:18])  # then a new choice, not A's beat 1
