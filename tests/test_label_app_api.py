"""The labeling app's server and label store, over real HTTP against a live server."""
from __future__ import annotations

import http.client
import json
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from pirounet.systems.pirounet.data import read_label_rows
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app import (
    LabelApp,
    LabelFileError,
    LabelStore,
    blind_task,
    make_server,
    recording_task,
)
from pirounet.systems.pirounet.label_app import __main__ as cli
from pirounet.systems.pirounet.label_app.__main__ import main
from pirounet.systems.pirounet.label_app.tasks import BLIND_MODE, LABEL_MODE

FIXTURES = Path(__file__).parent / "fixtures"  # the real app's files; see fixtures/README.md
SEQ_LEN = 40
N_BLOCKS = 101  # enough for 20 threads x 5 blocks of their own, plus block 0 shared


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> str:
    """A small synthetic recording on disk: the glob pattern of its files."""
    folder = tmp_path_factory.mktemp("recording")
    write_synthetic_dataset(folder, seed=1, frames=N_BLOCKS * SEQ_LEN + 7, n_files=1)
    return str(folder / "mariel_*.npy")


@pytest.fixture(scope="module")
def task(recording):
    """The recording in blocks, loaded with the training loader."""
    return recording_task(recording, SEQ_LEN)



def call(address, method: str, path: str, body=None, ctype="application/json"):
    """One raw HTTP request (the path is sent exactly as given); returns (status, text)."""
    conn = http.client.HTTPConnection(*address, timeout=10)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Content-Type": ctype} if data else {})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def post(address, body, **kw) -> tuple[int, dict]:
    """POST a label; returns (status, JSON answer)."""
    status, text = call(address, "POST", "/api/label", body, **kw)
    return status, json.loads(text)


def test_blocks_stride_seq_len_and_state_starts_at_first_unlabelled(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    out.write_text("0,1,1\n40,2,2\n120,3,3\n")
    address = serve(LabelApp(task, out))
    state = json.loads(call(address, "GET", "/api/state")[1])
    assert state["keys"] == list(range(0, N_BLOCKS * SEQ_LEN, SEQ_LEN))
    assert state["start"] == 2  # block 2 (start 80) is the first without a label
    assert state["labels"][:4] == [{"space": 1, "time": 1}, {"space": 2, "time": 2}, None,
                                   {"space": 3, "time": 3}]
    assert state["progress"]["labelled"] == 3 and state["progress"]["total"] == N_BLOCKS
    assert state["progress"]["counts"]["time"] == {"1": 1, "2": 1, "3": 1, "4": 0}
    block = json.loads(call(address, "GET", "/api/block/3")[1])
    assert block["key"] == 120
    assert np.array(block["frames"]).shape == (SEQ_LEN, 22, 2, 3)
    assert call(address, "GET", f"/api/block/{N_BLOCKS}")[0] == 404


@pytest.mark.parametrize("body", [
    {"block": 0, "time": 0, "space": 1}, {"block": 0, "time": 5, "space": 1},
    {"block": 0, "time": 2, "space": -1}, {"block": 0, "time": "2", "space": 1},
    {"block": 0, "time": 2.0, "space": 1}, {"block": 0, "time": True, "space": 1},
    {"block": 0, "time": None, "space": 1}, {"block": 0, "time": 2},
    {"block": 0, "time": 2, "space": 1, "weight": 3}, {"block": -1, "time": 2, "space": 1},
    {"block": N_BLOCKS, "time": 2, "space": 1}, {"block": "0", "time": 2, "space": 1},
    {"block": 1.5, "time": 2, "space": 1}, {"time": 2, "space": 1}, [0, 2, 1], b"{not json",
])
def test_invalid_label_is_400_and_writes_nothing(task, tmp_path, serve, body):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))
    status, answer = post(address, body)
    assert status == 400 and answer["error"]
    assert not out.exists()


def test_non_json_post_is_refused(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))
    status, _ = post(address, {"block": 0, "time": 2, "space": 1}, ctype="text/plain")
    assert status == 415 and not out.exists()


def test_relabel_replaces_the_row_and_file_stays_sorted(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))
    for block, time, space in [(3, 1, 2), (1, 2, 2), (2, 3, 1), (1, 4, 3), (3, 2, 2)]:
        status, answer = post(address, {"block": block, "time": time, "space": space})
        assert status == 200 and answer["labels"] == {"time": time, "space": space}
    assert answer["progress"]["labelled"] == 3
    assert out.read_text() == "40,3,4\n80,1,3\n120,2,2\n"  # start, space, time
    assert read_label_rows(out).tolist() == [[40, 3, 4], [80, 1, 3], [120, 2, 2]]


def test_existing_duplicates_keep_the_last_row_with_a_warning(task, tmp_path, caplog):
    out = tmp_path / "labels.csv"
    out.write_text("80,1,1\n0,2,2\n80,3,3\n")
    with caplog.at_level(logging.WARNING):
        app = LabelApp(task, out)
    assert app.labels()[:3] == [{"space": 2, "time": 2}, None, {"space": 3, "time": 3}]
    assert "line 3" in caplog.text and "line 1" in caplog.text and "'80,3,3'" in caplog.text
    app.save({"block": 1, "time": 1, "space": 1})
    assert out.read_text() == "0,2,2\n40,1,1\n80,3,3\n"


def test_the_original_apps_label_file_loads_and_round_trips(tmp_path):
    real = (FIXTURES / "labels_from_app.csv").read_text()
    out = tmp_path / "labels.csv"
    out.write_text(real)
    store = LabelStore(out, LABEL_MODE.store_columns(), range(0, 38309 - SEQ_LEN + 1, SEQ_LEN))
    labels = store.labels()
    times = [lab["time"] for lab in labels.values()]
    assert [times.count(v) for v in (1, 2, 3, 4)] == [132, 117, 78, 20]  # real file
    store.save(0, labels[0])  # rewrites the whole file: sorted, one row each, final newline
    assert out.read_text() == real.rstrip("\n") + "\n"


def test_the_original_blind_file_round_trips_except_danceability_above_1(tmp_path):
    real = (FIXTURES / "labels_shuffled_neighb.csv").read_text().splitlines()
    out = tmp_path / "human_labels.csv"
    out.write_text("\n".join(real) + "\n")
    # The original app's file holds 5 rows with danceability 2 or 3; this app asks 0 or 1.
    with pytest.raises(LabelFileError, match=r"line 72: '71,2,0': danceability must be"):
        LabelStore(out, BLIND_MODE.store_columns(), range(225))
    kept = [row for row in real if row.split(",")[1] in ("0", "1")]
    out.write_text("\n".join(kept) + "\n")
    store = LabelStore(out, BLIND_MODE.store_columns(), range(225))
    store.save(0, store.labels()[0])
    assert out.read_text().splitlines() == kept and len(kept) == 220


@pytest.mark.parametrize("text, line", [
    ("start_index,space,time\n0,1,1\n", 1), ("0,1,1\n40,2\n", 2), ("0,1,1\n40,2,5\n", 2),
    ("0,1,1\n\n13,2,2\n", 3), ("0,1.5,1\n", 1), (f"{N_BLOCKS * SEQ_LEN},1,1\n", 1),
])
def test_malformed_existing_file_fails_at_startup_naming_the_line(task, tmp_path, text, line):
    out = tmp_path / "labels.csv"
    out.write_text(text)
    with pytest.raises(LabelFileError, match=f"line {line}: "):
        LabelApp(task, out)
    with pytest.raises(SystemExit, match=f"line {line}: "):
        main(["--data", task.source, "--out", str(out)])


def test_unloadable_recording_exits_with_the_data_error(tmp_path):
    bad = tmp_path / "mariel_bad.npy"
    np.save(bad, np.zeros((53, 1200, 3)))
    with pytest.raises(SystemExit, match=r"mariel_bad\.npy: shape \(53, 1200, 3\)"):
        main(["--data", str(tmp_path / "mariel_*.npy"), "--out", str(tmp_path / "l.csv")])


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/%2e%2e/server.py", "/../store.py", "/static/..%2fstore.py",
    "/static//etc/passwd", "/etc/passwd", "//etc/passwd", "/static/app.js/../../store.py",
    "/api/block/../../server.py", "/static/%2Fetc%2Fpasswd", "/static/__init__.py",
    "/labels.csv", "/static/",
])
def test_no_url_reaches_a_file_outside_the_whitelist(task, tmp_path, serve, path):
    address = serve(LabelApp(task, tmp_path / "labels.csv"))
    status, text = call(address, "GET", path)
    assert status == 404 and "import" not in text and "root:" not in text


def test_static_files_are_served(task, tmp_path, serve):
    address = serve(LabelApp(task, tmp_path / "labels.csv"))
    for path, needle in [("/", "<canvas"), ("/static/app.js", "saveAndNext"),
                         ("/static/style.css", "#stage"), ("/?file=/etc/passwd", "<canvas")]:
        status, text = call(address, "GET", path)
        assert status == 200 and needle in text


def test_concurrent_saves_keep_every_row_exactly_once(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))

    def worker(t: int) -> list[int]:
        # Each thread saves 5 blocks of its own, and all of them fight over block 0.
        statuses = []
        for k in range(5):
            block = 1 + 5 * t + k
            statuses.append(post(address, {"block": block, "time": 1 + k % 4,
                                           "space": 1 + t % 4})[0])
            statuses.append(post(address, {"block": 0, "time": 1 + t % 4, "space": 2})[0])
        return statuses

    with ThreadPoolExecutor(20) as pool:
        statuses = [s for batch in pool.map(worker, range(20)) for s in batch]
    assert statuses == [200] * 200
    rows = read_label_rows(out)
    starts = rows[:, 0].tolist()
    assert starts == [SEQ_LEN * b for b in range(N_BLOCKS)]  # each once, sorted
    expected = {SEQ_LEN * (1 + 5 * t + k): [1 + t % 4, 1 + k % 4]
                for t in range(20) for k in range(5)}
    assert {r[0]: r[1:] for r in rows.tolist()[1:]} == expected
    assert rows[0, 1] == 2 and 1 <= rows[0, 2] <= 4
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_cli_binds_localhost_and_prints_the_real_port(recording, tmp_path, capsys, monkeypatch):
    servers = []

    def keep(*args):
        servers.append(make_server(*args))
        return servers[0]

    monkeypatch.setattr(cli, "make_server", keep)
    argv = ["--data", recording, "--out", str(tmp_path / "labels.csv"), "--port", "0"]
    thread = threading.Thread(target=main, args=(argv,))
    thread.start()
    printed = ""
    while "http://" not in printed and thread.is_alive():
        thread.join(0.02)  # a short wait for the address line
        printed += capsys.readouterr().out
    try:
        port = int(printed.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
        assert port == servers[0].server_address[1] != 0
        state = json.loads(call(("127.0.0.1", port), "GET", "/api/state")[1])
        assert (state["progress"]["labelled"], state["progress"]["total"]) == (0, N_BLOCKS)
    finally:
        for server in servers:
            server.shutdown()
        thread.join(10)


# ----------------------------------------------------------------------------- blind mode

@pytest.fixture
def blind_dir(task, tmp_path) -> Path:
    """A tiny blind export: 3 sequences, and the secret labels beside (not in) the folder."""
    folder = tmp_path / "run" / "to_be_labeled"
    folder.mkdir(parents=True)
    np.save(folder / "sequences.npy", task.poses[:3 * SEQ_LEN].reshape(3, SEQ_LEN, 53, 3))
    np.save(tmp_path / "run" / "blind_labels.npy", np.array([71717, 82828, 93939]))
    (folder / "labels.npy").write_text("71717 82828 93939")  # even a stray one inside is ignored
    return folder


def test_blind_mode_writes_seq_index_danceability_time(blind_dir, serve):
    app = LabelApp(blind_task(blind_dir), blind_dir / "human_labels.csv")
    address = serve(app)
    for body in [{"block": 0, "danceability": 2, "time": 0}, {"block": 0, "danceability": 1,
                 "time": 3}, {"block": 3, "danceability": 1, "time": 0},
                 {"block": 0, "danceability": 1, "time": 0, "space": 1}]:
        assert post(address, body)[0] == 400
    assert not (blind_dir / "human_labels.csv").exists()
    for block, dance, time in [(2, 0, 4), (0, 1, 2), (1, 1, 0), (0, 1, 1)]:
        assert post(address, {"block": block, "danceability": dance, "time": time})[0] == 200
    assert (blind_dir / "human_labels.csv").read_text() == "0,1,1\n1,1,0\n2,0,4\n"
    state = json.loads(call(address, "GET", "/api/state")[1])
    assert state["mode"] == "blind" and state["keys"] == [0, 1, 2] and state["start"] == 0


def test_blind_mode_never_reads_or_serves_labels(blind_dir, serve):
    opened: list[str] = []
    recording_opens = threading.Event()
    recording_opens.set()

    def audit(event: str, args: tuple) -> None:
        if event == "open" and recording_opens.is_set() and isinstance(args[0], (str, Path)):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # cannot be removed; the event stops it recording after the test
    try:
        address = serve(LabelApp(blind_task(blind_dir), blind_dir / "human_labels.csv"))
        texts = [call(address, "GET", path)[1] for path in [
            "/", "/static/app.js", "/api/state", "/api/block/0", "/api/block/1",
            "/api/block/2", "/blind_labels.npy", "/../blind_labels.npy", "/labels.npy",
            "/static/../../blind_labels.npy", "/human_labels.csv"]]
        texts.append(json.dumps(post(address, {"block": 1, "danceability": 0, "time": 2})[1]))
    finally:
        recording_opens.clear()
    assert not [p for p in opened if "labels.npy" in p]
    assert [p for p in opened if p.endswith(".npy")] == [str(blind_dir / "sequences.npy")]
    assert not any(secret in text for text in texts for secret in ("71717", "82828", "93939"))


def test_blind_mode_cli_defaults_to_human_labels_in_the_folder(blind_dir):
    (blind_dir / "human_labels.csv").write_text("0,1,5\n")
    with pytest.raises(SystemExit, match=r"human_labels\.csv, line 1: .*time must be one of"):
        main(["--blind", str(blind_dir)])
    with pytest.raises(SystemExit, match=r"sequences\.npy: not found"):
        main(["--blind", str(blind_dir.parent)])
