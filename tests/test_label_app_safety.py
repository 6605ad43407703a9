"""The labeling app never loses a label, fails at start in one line and refuses strangers.

Each test fails without its fix (docs/data_safety.md lists them).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app import LabelApp, LabelFileError, LabelStore
from pirounet.systems.pirounet.label_app.__main__ import main
from pirounet.systems.pirounet.label_app.tasks import BLIND_MODE, LABEL_MODE, recording_task

SEQ_LEN = 40
KEYS = range(0, 4000, SEQ_LEN)


def store(path: Path) -> LabelStore:
    return LabelStore(path, LABEL_MODE.store_columns(), KEYS)


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recording")
    write_synthetic_dataset(folder, seed=1, frames=10 * SEQ_LEN + 7, n_files=1)
    return recording_task(str(folder / "mariel_*.npy"), SEQ_LEN)



def request(address, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(*address, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


# ---------------------------------------------------------------- A2, A5, E: the file

def test_two_instances_on_one_csv_keep_each_others_labels(tmp_path):
    out = tmp_path / "labels.csv"
    first, second = store(out), store(out)
    first.save(0, {"space": 1, "time": 1})
    second.save(40, {"space": 2, "time": 2})  # second never saw block 0 in memory
    first.save(80, {"space": 3, "time": 3})
    assert out.read_text() == "0,1,1\n40,2,2\n80,3,3\n"
    assert set(first.labels()) == {0, 40, 80}
    second.save(120, {"space": 1, "time": 2})
    assert first.labels()[120] == {"space": 1, "time": 2}  # the page shows the other's labels


def test_saves_of_two_instances_hold_a_lock_across_processes(tmp_path):
    from pirounet.run.atomic import FileLock, LockedError

    out = tmp_path / "labels.csv"
    s = store(out)
    held = FileLock(tmp_path / ".labels.csv.lock")  # what another instance's save holds
    done = threading.Event()
    threading.Thread(target=lambda: (s.save(0, {"space": 1, "time": 1}), done.set()),
                     daemon=True).start()
    assert not done.wait(0.5)  # the save waits for the other instance
    held.release()
    assert done.wait(10) and out.read_text() == "0,1,1\n"
    with FileLock(tmp_path / ".labels.csv.lock"):
        with pytest.raises(LockedError, match=r"pid \d+"):
            FileLock(tmp_path / ".labels.csv.lock")


def test_a_symlinked_out_writes_its_target_and_stays_a_link(tmp_path):
    target = tmp_path / "real" / "labels.csv"
    target.parent.mkdir()
    target.write_text("0,1,1\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    store(link).save(40, {"space": 2, "time": 3})
    assert link.is_symlink() and target.read_text() == "0,1,1\n40,2,3\n"


def test_an_unwritable_out_is_an_error_at_start(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(LabelFileError, match="not writable"):
        store(blocker / "labels.csv")  # its folder cannot exist
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(LabelFileError, match="not writable"):
                store(locked / "labels.csv")
        finally:
            locked.chmod(0o700)


def test_cli_says_unwritable_out_in_one_line(tmp_path, task):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(SystemExit, match=r"^error: .*not writable"):
        main(["--data", task.source, "--out", str(blocker / "labels.csv"), "--port", "0"])


def test_stale_temp_files_of_a_killed_save_are_removed_at_start(tmp_path):
    out = tmp_path / "labels.csv"
    out.write_text("0,1,1\n")
    stale = tmp_path / ".labels.csv.abc123.tmp"
    stale.write_text("0,1,1\n40,")
    other = tmp_path / ".other.csv.x.tmp"
    other.write_text("")
    assert set(store(out).labels()) == {0}
    assert not stale.exists() and other.exists()


def test_a_folder_named_like_the_csv_is_one_clear_error(tmp_path):
    (tmp_path / "human_labels.csv").mkdir()
    with pytest.raises(LabelFileError, match="not a file"):
        LabelStore(tmp_path / "human_labels.csv", BLIND_MODE.store_columns(), range(3))


# ---------------------------------------------------------------- C: blind folders, port

@pytest.mark.parametrize("make, says", [
    (lambda p: np.save(p, np.zeros((3, 53, 3), np.float32)), "shape"),
    (lambda p: np.save(p, np.zeros((3, 0, 53, 3), np.float32)), "shape"),
    (lambda p: np.savez(p.with_suffix(""), a=np.zeros(3)) or
     p.with_suffix(".npz").rename(p), "npz archive"),
    (lambda p: p.mkdir(), "not found"),
])
def test_bad_blind_folders_are_one_clear_error(tmp_path, make, says):
    folder = tmp_path / "to_be_labeled"
    folder.mkdir()
    make(folder / "sequences.npy")
    with pytest.raises(SystemExit, match=rf"^error: .*sequences\.npy.*{says}"):
        main(["--blind", str(folder), "--port", "0"])


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_one_line(tmp_path, task, port):
    with pytest.raises(SystemExit, match=rf"^error: --port {port} is out of range"):
        main(["--data", task.source, "--out", str(tmp_path / "l.csv"), "--port", port])


def test_a_port_in_use_is_one_line(tmp_path, task):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit, match=rf"^error: cannot serve on 127.0.0.1:{port}"):
            main(["--data", task.source, "--out", str(tmp_path / "l.csv"), "--port", str(port)])


def test_deeply_nested_json_gets_a_400(tmp_path, task, serve):
    address = serve(LabelApp(task, tmp_path / "l.csv"))
    body = b"[" * 2000 + b"]" * 2000  # under MAX_BODY, deeper than json's recursion limit
    status, text = request(address, "POST", "/api/label", body,
                           {"Content-Type": "application/json"})
    assert status == 400 and "nested" in text


# ---------------------------------------------------------------- D: security

@pytest.mark.parametrize("headers", [
    {"Host": "evil.example:{port}"},  # DNS rebinding: the attacker's name, our address
    {"Host": "127.0.0.1:{port}", "Origin": "http://evil.example"},
    {"Host": "127.0.0.1:{port}", "Origin": "http://evil.example:{port}"},
    {"Host": "127.0.0.1:1"},
])
def test_foreign_host_or_origin_is_refused(tmp_path, task, serve, headers):
    out = tmp_path / "l.csv"
    address = serve(LabelApp(task, out))
    sent = {k: v.format(port=address[1]) for k, v in headers.items()}
    body = json.dumps({"block": 0, "time": 1, "space": 1})
    status, _ = request(address, "POST", "/api/label", body,
                        {**sent, "Content-Type": "application/json"})
    assert status == 403 and not out.exists()
    assert request(address, "GET", "/api/state", headers=sent)[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_own_host_and_origin_are_served(tmp_path, task, serve, host):
    address = serve(LabelApp(task, tmp_path / "l.csv"))
    own = f"{host}:{address[1]}"
    body = json.dumps({"block": 0, "time": 1, "space": 1})
    status, _ = request(address, "POST", "/api/label", body, {
        "Host": own, "Origin": f"http://{own}", "Content-Type": "application/json"})
    assert status == 200


def test_an_idle_connection_is_closed_after_the_timeout(tmp_path, task, serve, monkeypatch):
    from pirounet.systems.pirounet.label_app import server as server_module

    assert 0 < server_module.Handler.timeout <= 60  # the default closes idle connections
    monkeypatch.setattr(server_module.Handler, "timeout", 0.5)
    address = serve(LabelApp(task, tmp_path / "l.csv"))
    with socket.create_connection(address, timeout=10) as idle:
        idle.sendall(b"GET /api/state HTTP/1.1\r\n")  # and then nothing more
        tic = time.monotonic()
        assert idle.recv(1024) == b""  # the server hung up
        assert time.monotonic() - tic < 5


# ---------------------------------------------------------------- B5: which recordings

@pytest.fixture
def two_recordings(tmp_path) -> Path:
    """Two recordings (2554 and 1493 trimmed frames): block 63 (start 2520) spans both."""
    folder = tmp_path / "rec"
    write_synthetic_dataset(folder, seed=1, frames=101 * SEQ_LEN + 7, n_files=2)
    return folder


def test_no_block_spans_two_recordings(two_recordings):
    task = recording_task(str(two_recordings / "mariel_*.npy"), SEQ_LEN)
    first = 2554  # trimmed frames of the first recording
    assert 2520 not in task.keys.tolist() and 2480 in task.keys and 2560 in task.keys
    assert all(s + SEQ_LEN <= first or s >= first for s in task.starts.tolist())
    assert task.identity["recordings"][0] == {"name": "mariel_adagio.npy", "frames": first}


def test_the_app_records_the_recordings_and_refuses_when_they_change(two_recordings,
                                                                        tmp_path):
    import shutil

    pattern = str(two_recordings / "mariel_*.npy")
    out = tmp_path / "labels.csv"
    app = LabelApp(recording_task(pattern, SEQ_LEN), out)
    app.save({"block": 70, "time": 1, "space": 1})
    identity = json.loads((tmp_path / "labels.recordings.json").read_text())
    assert [r["name"] for r in identity["recordings"]] == ["mariel_adagio.npy",
                                                           "mariel_bolero.npy"]
    # a recording whose name sorts first would shift every start
    shutil.copy(two_recordings / "mariel_bolero.npy", two_recordings / "mariel_aaa.npy")
    with pytest.raises(LabelFileError, match=r"recordings differ.*added mariel_aaa\.npy"):
        LabelApp(recording_task(pattern, SEQ_LEN), out)
    with pytest.raises(SystemExit, match=r"^error: .*added mariel_aaa\.npy"):
        main(["--data", pattern, "--out", str(out), "--port", "0"])
