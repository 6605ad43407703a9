"""The labeling app's request deadline: a request must arrive in full within Handler.timeout.

The socket timeout is per read, so a client trickling a byte every few seconds kept its
connection (and a server thread) forever; a client that stopped mid-body got "500 could not
write labels.csv". Now the whole request has one deadline, and a short body is a 400.
"""
from __future__ import annotations

import json
import socket
import time

import pytest

from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app import LabelApp
from pirounet.systems.pirounet.label_app import server as server_module
from pirounet.systems.pirounet.label_app.tasks import recording_task

SEQ_LEN = 40
DEADLINE = 1.0  # seconds, for the tests (the app's is 20 s)


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recording")
    write_synthetic_dataset(folder, seed=1, frames=10 * SEQ_LEN + 7, n_files=1)
    return recording_task(str(folder / "mariel_*.npy"), SEQ_LEN)


@pytest.fixture
def address(tmp_path, task, serve, monkeypatch):
    monkeypatch.setattr(server_module.Handler, "timeout", DEADLINE)
    return serve(LabelApp(task, tmp_path / "labels.csv"))


def test_a_connection_trickling_a_byte_at_a_time_is_closed_at_the_deadline(address):
    with socket.create_connection(address, timeout=10) as slow:
        slow.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.settimeout(0.3)  # a byte every 0.3 s: each read alone is well inside its timeout
        tic, closed = time.monotonic(), False
        while time.monotonic() - tic < 4 * DEADLINE and not closed:
            try:
                slow.sendall(b"X")
                closed = slow.recv(1024) == b""
            except socket.timeout:
                continue
            except OSError:  # reset or broken pipe: the server hung up
                closed = True
        assert closed and time.monotonic() - tic < 2.5 * DEADLINE


def test_a_client_that_stops_mid_body_gets_a_400(address, tmp_path):
    host, port = address
    body = json.dumps({"block": 0, "space": 1, "time": 1}).encode()
    with socket.create_connection(address, timeout=10) as client:
        client.sendall(f"POST /api/label HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       "Content-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        reply = b""
        while chunk := client.recv(4096):  # and sends nothing more
            reply += chunk
    head, _, payload = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400"), head
    assert "the body ended after 10 of its" in json.loads(payload)["error"]
    labels = tmp_path / "labels.csv"
    assert not labels.exists() or "0," not in labels.read_text()  # nothing was saved
