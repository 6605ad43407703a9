"""Shared test setup: no wandb network access, and small helpers for recordings on disk."""
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("WANDB_SILENT", "true")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def one_thread():
    """One torch thread: tiny models gain nothing from more, and shared cores thrash."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def keep_threads():
    """Torch's thread count restored after a test whose training set it."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small synthetic PirouNet set: 3000 frames in 2 recordings."""
    from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

    out = tmp_path_factory.mktemp("data")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data) -> Path:
    """One 1-epoch PirouNet run on configs/tiny.py: the folder holding saved_models/tiny/."""
    from helpers import data_args, run

    folder = tmp_path_factory.mktemp("trained")
    before = torch.get_num_threads()
    run(folder, *data_args(data), "--epochs=1")
    torch.set_num_threads(before)
    return folder


@pytest.fixture
def real_labels_csv() -> Path:
    """The real label file made with the original app (see fixtures/README.md)."""
    return FIXTURES / "labels_from_app.csv"


def write_recording(path: Path, markers_t_3: np.ndarray) -> Path:
    """Save trimmed poses (T, 55, 3) as a raw file (55, T + 1000, 3) with junk in the margins."""
    t = markers_t_3.shape[0]
    raw = np.full((55, t + 1000, 3), 1e6)  # the 500-frame margins must never be used
    raw[:, 500:500 + t] = np.transpose(markers_t_3, (1, 0, 2))
    np.save(path, raw)
    return path


@pytest.fixture
def serve():
    """Start label-app servers on free ports; yields a function app -> (host, port).

    Every server started is shut down after the test.
    """
    from pirounet.systems.pirounet.label_app import make_server

    servers = []

    def start(app) -> tuple[str, int]:
        server = make_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server.server_address[:2]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
