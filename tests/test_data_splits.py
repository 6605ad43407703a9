"""Split sizes of the published splits, and the absence of leaks in the blocks split."""
import numpy as np
import pytest
import torch
from conftest import FIXTURES

from pirounet.systems.pirounet.data import WindowLoader, load_labels
from pirounet.systems.pirounet.data.splits import blocks_split, paper_split, ratio_split

N_FRAMES = 38309  # the real recordings after trimming
SEQ_LEN = 40


@pytest.fixture(scope="module")
def time_labels():
    return load_labels(FIXTURES / "labels_from_app.csv", "time", n_frames=N_FRAMES)


def test_paper_split_dance(time_labels):
    starts, classes = time_labels
    split = paper_split(starts, classes, N_FRAMES, SEQ_LEN, fraction_label=0.789)
    assert (len(split.valid_lab), len(split.train_lab), len(split.test_lab)) == (470, 7428, 296)
    assert split.test_lab[0] == starts[9118]  # test starts at position 9118 of the label list
    assert split.valid_lab.tolist() == starts[:470].tolist()
    n_all = N_FRAMES - SEQ_LEN  # 38,269 windows
    assert len(split.train_unlab) == n_all - round(0.05 * n_all)
    assert split.train_unlab[0] == 0 and split.test_unlab[-1] == n_all - 1


def test_paper_split_watch_overlaps_test_by_13(time_labels):
    starts, classes = time_labels
    split = paper_split(starts, classes, N_FRAMES, SEQ_LEN, fraction_label=0.92)
    assert len(split.train_lab) == 8661
    assert len(np.intersect1d(split.train_lab, split.test_lab)) == 13  # the published leak


def test_ratio_split_keeps_requested_label_fraction(time_labels):
    starts, classes = time_labels
    split = ratio_split(starts, classes, N_FRAMES, SEQ_LEN, train_ratio=0.9, train_lab_frac=0.1)
    n_all = N_FRAMES - SEQ_LEN
    assert len(split.train_unlab) + len(split.test_unlab) < n_all  # valid holds the rest
    assert len(split.train_lab) == round(len(split.train_unlab) * 0.1)
    assert np.isin(split.train_lab, split.train_unlab).all()
    lab = dict(zip(starts.tolist(), classes.tolist()))
    assert [lab[s] for s in split.valid_lab[:20]] == split.valid_y[:20].tolist()
    with pytest.raises(ValueError, match="train_lab_frac=0.9 asks for"):
        ratio_split(starts, classes, N_FRAMES, SEQ_LEN, train_ratio=0.9, train_lab_frac=0.9)


def _frames(window_starts):
    return set((np.asarray(window_starts)[:, None] + np.arange(SEQ_LEN)).ravel().tolist())


def test_blocks_split_has_no_leaks(time_labels):
    starts, classes = time_labels
    offsets = np.array([0, 9925, 15728, 19594, 24903, 31552, 38309])
    split = blocks_split(starts, classes, N_FRAMES, SEQ_LEN, 10, (0.8, 0.1, 0.1), offsets)
    parts = {
        "train": np.union1d(split.train_lab, split.train_unlab),
        "valid": split.valid_lab,
        "test": np.union1d(split.test_lab, split.test_unlab),
    }
    assert all(len(p) > 100 for p in parts.values())
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not _frames(parts[a]) & _frames(parts[b]), f"{a} and {b} share frames"
            # Windows of different parts start at least 2 * seq_len apart (a seq_len gap).
            gaps = np.abs(parts[a][:, None] - parts[b][None, :])
            assert gaps.min() >= 2 * SEQ_LEN
    # Every augmented neighbour of one app row lies in a single part.
    raw_starts = np.arange(0, 14001, 40)
    part_of = {int(s): name for name, p in parts.items() for s in p}
    for s in raw_starts:
        found = {part_of[t] for t in range(s - 7, s + 41) if t in part_of}
        assert len(found) <= 1, f"row {s} spreads into {found}"
    # No window straddles two recordings.
    all_windows = np.concatenate(list(parts.values()))
    file_of_start = np.searchsorted(offsets, all_windows, side="right")
    file_of_end = np.searchsorted(offsets, all_windows + SEQ_LEN - 1, side="right")
    assert (file_of_start == file_of_end).all()
    labelled = dict(zip(starts.tolist(), classes.tolist()))
    assert [labelled[s] for s in split.test_lab] == split.test_y.tolist()


def test_loader_cuts_windows_on_demand():
    poses = torch.arange(200 * 159, dtype=torch.float32).reshape(200, 159)
    starts, labels = np.array([0, 5, 10, 100, 150]), np.array([0, 1, 2, 0, 1])
    loader = WindowLoader(poses, starts, labels, seq_len=40, batch_size=2, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    x, y = batches[1]
    assert x.shape == (2, 40, 159) and x.dtype == torch.float32
    assert torch.equal(x[0], poses[10:50]) and y.tolist() == [2, 0]
    assert len(WindowLoader(poses, starts, batch_size=2)) == 3  # keeps the last partial batch


def test_loader_shuffles_by_seed_and_epoch_and_shards():
    poses = torch.zeros(300, 159)
    starts = np.arange(100)
    a = WindowLoader(poses, starts, starts, batch_size=10, shuffle=True, seed=3)
    b = WindowLoader(poses, starts, starts, batch_size=10, shuffle=True, seed=3)
    order_a = torch.cat([y for _, y in a])
    assert torch.equal(order_a, torch.cat([y for _, y in b]))
    assert sorted(order_a.tolist()) == list(range(100)) and order_a.tolist() != list(range(100))
    a.set_epoch(1)
    assert not torch.equal(order_a, torch.cat([y for _, y in a]))
    shards = [WindowLoader(poses, starts, starts, batch_size=10, shuffle=True, seed=3, rank=r,
                           world_size=2) for r in (0, 1)]
    seen = [torch.cat([y for _, y in s]) for s in shards]
    assert len(seen[0]) == len(seen[1]) == 50
    assert not set(seen[0].tolist()) & set(seen[1].tolist())
