"""The label-file contract: round trips, errors naming file and line, N/A, the block length."""
import logging

import numpy as np
import pytest

from pirounet.systems.pirounet.data import DataError, augment_labels
from pirounet.systems.pirounet.data.label_files import (
    BLIND_COLUMNS,
    BLIND_INFO_FILE,
    BLIND_SEQUENCES_FILE,
    HUMAN_LABELS_FILE,
    LABEL_BLOCK,
    LABEL_COLUMNS,
    LABELS_FILE,
    NA,
    LabelFileError,
    describe_label_sources,
    label_source_counts,
    read_blind_file,
    read_blind_info,
    read_label_file,
    read_label_sources,
    row_sources,
    sources_path,
    write_blind_file,
    write_blind_info,
    write_label_file,
    write_label_sources,
)
from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset, write_synthetic_dataset
from pirounet.systems.pirounet.label_app.__main__ import parse_args
from pirounet.systems.pirounet.label_app.tasks import BLIND_MODE, LABEL_MODE, blind_task


def test_the_contract_names_columns_files_and_na():
    assert LABEL_COLUMNS == ("start", "space", "time")
    assert BLIND_COLUMNS == ("seq_index", "danceability", "time")
    assert (NA, LABEL_BLOCK) == (4, 40)
    assert (LABELS_FILE, HUMAN_LABELS_FILE) == ("labels_from_app.csv", "human_labels.csv")
    assert (LABEL_MODE.key_name, *LABEL_MODE.columns) == LABEL_COLUMNS
    assert (BLIND_MODE.key_name, *BLIND_MODE.columns) == BLIND_COLUMNS


def test_label_file_round_trip_sorts_by_start_and_keeps_na(tmp_path):
    rows = np.array([[80, 4, 2], [0, 1, NA], [40, 3, 3]])
    path = write_label_file(tmp_path / "sub" / LABELS_FILE, rows)
    assert path.read_text() == "0,1,4\n40,3,3\n80,4,2\n"
    assert read_label_file(path).tolist() == sorted(rows.tolist())
    assert [p.name for p in path.parent.iterdir()] == [LABELS_FILE]  # no temp file left


def test_blind_file_round_trip_sorts_by_seq_index_and_keeps_na(tmp_path):
    rows = [(2, 0, NA), (0, 1, 2), (1, 1, 0)]
    path = write_blind_file(tmp_path / HUMAN_LABELS_FILE, rows)
    assert path.read_text() == "0,1,2\n1,1,0\n2,0,4\n"
    assert read_blind_file(path).tolist() == sorted(map(list, rows))


@pytest.mark.parametrize("text, line, expected", [
    ("start,space,time\n", 1, r"expected 3 integers start,space,time \(no header\)"),
    ("0,1,1\n40,2\n", 2, "expected 3 columns start,space,time"),
    ("0,1,1\n\n40,1,5\n", 3, "time effort 5 is outside 1-4; expected 1 low"),
    ("0,0,1\n", 1, "space effort 0 is outside 1-4"),
    ("-40,1,1\n", 1, "start index -40 is negative"),
])
def test_each_bad_label_row_names_file_and_line(tmp_path, text, line, expected):
    path = tmp_path / LABELS_FILE
    path.write_text(text)
    with pytest.raises(LabelFileError, match=rf"{LABELS_FILE}, line {line}: .*{expected}"):
        read_label_file(path)


@pytest.mark.parametrize("text, line, expected", [
    ("seq_index,danceability,time\n", 1, "expected 3 integers seq_index,danceability,time"),
    ("0,1\n", 1, "expected 3 columns seq_index,danceability,time"),
    ("0,1,0\n1,1,3\n", 2, r"time must be one of 0-2 or 4 \(N/A\), got 3"),
    ("0,-1,0\n", 1, "danceability must be >= 0"),
    ("0,1,0\n1,1,1\n0,0,2\n", 3, r"seq_index 0 appears more than once \(first on line 1\)"),
])
def test_each_bad_blind_row_names_file_and_line(tmp_path, text, line, expected):
    path = tmp_path / HUMAN_LABELS_FILE
    path.write_text(text)
    with pytest.raises(LabelFileError, match=rf"{HUMAN_LABELS_FILE}, line {line}: .*{expected}"):
        read_blind_file(path)


def test_caller_limits_name_the_line(tmp_path):
    path = tmp_path / LABELS_FILE
    path.write_text("0,1,1\n13,1,1\n")
    with pytest.raises(LabelFileError, match=r"line 2: '13,1,1': start must be one of"):
        read_label_file(path, allowed={"start": range(0, 400, LABEL_BLOCK)})
    blind = tmp_path / HUMAN_LABELS_FILE
    blind.write_text("0,2,1\n")
    with pytest.raises(LabelFileError, match=r"line 1: '0,2,1': danceability must be one of"):
        read_blind_file(blind, allowed={"danceability": (0, 1)})


def test_repeated_start_keeps_the_last_row_and_names_both_lines(tmp_path, caplog):
    path = tmp_path / LABELS_FILE
    path.write_text("0,1,1\n40,2,2\n0,3,3\n")
    with caplog.at_level(logging.WARNING):
        rows = read_label_file(path)
    assert rows.tolist() == [[40, 2, 2], [0, 3, 3]]  # nothing duplicated, the edit kept
    assert "line 1 repeats start 0; keeping line 3 ('0,3,3')" in caplog.text


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(LabelFileError, match="does not exist"):
        read_label_file(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(LabelFileError, match="holds no label rows"):
        read_label_file(tmp_path / "empty.csv")
    assert read_label_file(tmp_path / "empty.csv", empty_ok=True).shape == (0, 3)
    assert isinstance(LabelFileError("x"), DataError)  # entry points print it as one line


def test_blind_info_records_the_effort(tmp_path):
    assert read_blind_info(tmp_path) is None  # an export from before the effort was written
    write_blind_info(tmp_path, "space", 6)
    info = read_blind_info(tmp_path)
    assert (info["effort"], info["n_sequences"], info["columns"]) == ("space", 6,
                                                                      list(BLIND_COLUMNS))
    with pytest.raises(ValueError, match="effort must be one of"):
        write_blind_info(tmp_path, "weight", 6)
    (tmp_path / BLIND_INFO_FILE).write_text('{"effort": "flow"}')
    with pytest.raises(LabelFileError, match="effort one of"):
        read_blind_info(tmp_path)


def test_block_is_the_apps_default_and_the_synthetic_labelers_stride(tmp_path):
    assert parse_args([]).seq_len == LABEL_BLOCK
    labels = make_synthetic_dataset(seed=0, frames=3000, n_files=2).labels
    np.testing.assert_array_equal(labels[:, 0], np.arange(len(labels)) * LABEL_BLOCK)
    written = write_synthetic_dataset(tmp_path, seed=0, frames=3000, n_files=2)
    csv = next(p for p in written if p.name == LABELS_FILE)
    np.testing.assert_array_equal(read_label_file(csv), labels)


def test_between_rule_fills_one_block():
    starts, _ = augment_labels(np.array([0, LABEL_BLOCK]), np.array([2, 2]))
    assert starts.max() == LABEL_BLOCK + 7 and len(starts) == LABEL_BLOCK + 8


def test_the_app_asks_the_effort_the_export_records(tmp_path):
    np.save(tmp_path / BLIND_SEQUENCES_FILE, np.zeros((2, LABEL_BLOCK, 53, 3), np.float32))
    field = blind_task(tmp_path).mode.fields[1]
    assert (field.name, field.title) == ("time", "Time Effort")  # an export without the JSON
    write_blind_info(tmp_path, "space", 2)
    field = blind_task(tmp_path).mode.fields[1]
    assert (field.name, field.title) == ("time", "Space Effort")  # the column keeps its name
    assert [o.value for o in field.options] == [0, 1, 2, NA]


def test_source_marks_beside_the_paper_csv(tmp_path, caplog):
    path = tmp_path / LABELS_FILE
    rows = [(0, 1, 1), (40, 2, 3), (80, 4, 2), (120, 1, 1)]
    write_label_file(path, rows)
    assert label_source_counts(path) == {"human": 4, "suggested": 0, "machine": 0}  # no marks
    assert describe_label_sources(label_source_counts(path)) == "human labels"
    write_label_sources(path, {40: (3, "suggested"), 80: (2, "suggested"), 0: (1, "human")})
    assert sources_path(path).read_text() == "start,time,source\n40,3,suggested\n80,2,suggested\n"
    assert read_label_sources(path) == {40: (3, "suggested"), 80: (2, "suggested")}
    assert np.loadtxt(path, delimiter=",").shape == (4, 3)  # the CSV stays paper format
    assert describe_label_sources(label_source_counts(path)) == (
        "human labels (2 of 4 accepted meter suggestions)")
    write_label_file(path, [(0, 1, 1), (40, 2, 1), (80, 4, 2), (120, 1, 1)])  # 40 edited
    with caplog.at_level(logging.WARNING):
        assert row_sources(path, read_label_file(path)) == ["human", "human", "suggested",
                                                            "human"]
    assert "start 40 is marked suggested for time 3 but the label file holds 1" in caplog.text
    assert describe_label_sources({"human": 1, "machine": 3}) == (
        "mixed: 3 machine labels (meter), 1 by a person (0 accepted meter suggestions)")


@pytest.mark.parametrize("text, problem", [
    ("start,source\n", "line 1: expected the header"),
    ("start,time,source\n40,3,maybe\n", "line 2: '40,3,maybe'"),
    ("start,time,source\n40,x,machine\n", "line 2"),
])
def test_bad_source_marks_name_file_and_line(tmp_path, text, problem):
    path = tmp_path / LABELS_FILE
    sources_path(path).write_text(text)
    with pytest.raises(LabelFileError, match=problem) as err:
        read_label_sources(path)
    assert "labels_from_app.sources.csv" in str(err.value)


def test_recordings_identity_keeps_folders_when_names_repeat():
    from pirounet.systems.pirounet.data.label_files import recordings_identity

    tang = recordings_identity(["d/DANCE_C_2/skeletons.json", "d/DANCE_R_2/skeletons.json"],
                               [10, 20])
    assert [r["name"] for r in tang["recordings"]] == ["DANCE_C_2/skeletons.json",
                                                      "DANCE_R_2/skeletons.json"]
    vicon = recordings_identity(["d/mariel_a.npy", "d/mariel_b.npy"], [10, 20])
    assert [r["name"] for r in vicon["recordings"]] == ["mariel_a.npy", "mariel_b.npy"]


def test_label_origin_of_a_missing_file_is_unknown(tmp_path):
    from pirounet.systems.pirounet.data.label_files import label_origin

    origin = label_origin(tmp_path / "gone.csv")
    assert origin["source"].startswith("unknown (label file") and origin["counts"] is None
    write_label_file(tmp_path / "l.csv", [(0, 1, 1)])
    assert label_origin(tmp_path / "l.csv")["source"] == "human labels"
