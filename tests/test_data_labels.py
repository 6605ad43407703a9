"""Label CSV reading and the published augmentation, on the real file and hand-made cases."""
import logging

import numpy as np
import pytest

from pirounet.systems.pirounet.data import DataError, augment_labels, load_labels, read_label_rows


def test_real_file_time_counts(real_labels_csv):
    starts, classes = load_labels(real_labels_csv, "time")
    assert len(starts) == 9414
    assert np.bincount(classes).tolist() == [4198, 3113, 2103]
    assert starts[:9].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 33]
    assert (np.diff(starts) > 0).all()
    assert len(load_labels(real_labels_csv, "time", drop_na=False)[0]) == 9764


def test_real_file_space_counts(real_labels_csv):
    starts, classes = load_labels(real_labels_csv, "space")
    assert len(starts) == 8354
    assert np.bincount(classes).tolist() == [4119, 1955, 2280]


def test_real_file_without_augmentation(real_labels_csv):
    starts, classes = load_labels(real_labels_csv, "time", augment=False, drop_na=False)
    assert len(starts) == 347 and starts[-1] == 14000
    assert np.bincount(classes).tolist() == [132, 117, 78, 20]


def test_start_zero_spreads_only_forward():
    starts, efforts = augment_labels(np.array([0]), np.array([2]))
    assert starts.tolist() == list(range(8)) and (efforts == 2).all()


def test_neighbour_rule_spreads_seven_each_side():
    starts, efforts = augment_labels(np.array([100]), np.array([3]))
    assert starts.tolist() == list(range(93, 108)) and (efforts == 3).all()


def test_equal_neighbours_fill_between():
    starts, efforts = augment_labels(np.array([40, 80]), np.array([1, 1]))
    # Between rule: 41..80; neighbours: 33..47 and 73..87.
    assert starts.tolist() == list(range(33, 88))
    assert (efforts == 1).all()


def test_first_entry_wins_between_before_neighbours():
    # Rows 0:1, 40:1, 45:3. Collected in order: between(0->40) = 1..40 effort 1, then the
    # neighbours of row 0 (0..7), row 40 (33..47, effort 1) and row 45 (38..52, effort 3).
    starts, efforts = augment_labels(np.array([0, 40, 45]), np.array([1, 1, 3]))
    got = dict(zip(starts.tolist(), efforts.tolist()))
    assert starts.tolist() == list(range(0, 53))
    assert all(got[s] == 1 for s in range(0, 48))  # earlier entries win over row 45
    assert all(got[s] == 3 for s in range(48, 53))


def test_na_rows_take_part_in_augmentation_then_drop():
    # Two N/A rows in a row still fill between them, then everything is dropped.
    csv_rows = np.array([4, 4])
    starts, efforts = augment_labels(np.array([0, 40]), csv_rows)
    assert len(starts) == 48 and (efforts == 4).all()


def test_duplicate_start_keeps_last_row_and_warns(tmp_path, caplog):
    path = tmp_path / "labels.csv"
    path.write_text("0,1,1\n40,2,2\n0,3,3\n")
    with caplog.at_level(logging.WARNING):
        rows = read_label_rows(path)
    assert rows.tolist() == [[40, 2, 2], [0, 3, 3]]
    assert "line 1 repeats start 0; keeping line 3" in caplog.text
    starts, classes = load_labels(path, "time", augment=False)
    assert dict(zip(starts.tolist(), classes.tolist())) == {0: 2, 40: 1}


@pytest.mark.parametrize(
    "text, message",
    [
        ("0,1,1\n40,2\n", r"line 2: '40,2': has 2 columns; expected 3"),
        ("0,1,1\n40,2,x\n", r"line 2: '40,2,x': holds a non-integer"),
        ("0,1,5\n", r"line 1: '0,1,5': time effort 5 is outside 1-4"),
        ("0,0,1\n", r"line 1: '0,0,1': space effort 0 is outside 1-4"),
        ("-40,1,1\n", r"line 1: '-40,1,1': start index -40 is negative"),
        ("0,1,1\n\n961,1,1\n", r"line 3: '961,1,1': start index 961 lies beyond the recording"),
        ("", r"holds no label rows"),
    ],
)
def test_malformed_rows_name_their_line(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_labels(path, "time", n_frames=1000, seq_len=40)


def test_missing_file_and_unknown_effort(tmp_path, real_labels_csv):
    with pytest.raises(DataError, match="does not exist"):
        load_labels(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="effort must be one of"):
        load_labels(real_labels_csv, "weight")


def test_augmented_starts_past_the_end_are_dropped(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("900,1,1\n")
    starts, _ = load_labels(path, "time", n_frames=945, seq_len=40)
    assert starts.max() == 905 and starts.min() == 893
