"""num_workers > 0 gathers batches ahead and changes no number (docs/data_safety.md).

Each test fails without its fix.
"""

import torch
from helpers import data_args

from pirounet.systems.pirounet.settings import TRAINING


def test_num_workers_gathers_batches_ahead_with_the_same_result(data):
    import threading

    from pirounet.systems.pirounet.data import loaders
    from pirounet.systems.pirounet.data.prepare import prepare_data

    cfg = TRAINING.load([*data_args(data), "--batch_size=16", "--num_workers=2",
                                       "--shuffle_data=True"])
    dataset = prepare_data(cfg)
    loader = dataset.loader("train", cfg)
    assert loader.num_workers == 2
    seen = set()
    original = loaders.WindowLoader.windows

    def windows(self, idx):
        seen.add(threading.current_thread().name)
        return original(self, idx)
    loaders.WindowLoader.windows = windows
    try:
        ahead = list(loader)
    finally:
        loaders.WindowLoader.windows = original
    inline = list(dataset.loader("train", cfg.replace(num_workers=0)))
    assert len(ahead) == len(inline) > 2
    for (x, y), (x0, y0) in zip(ahead, inline):
        assert torch.equal(x, x0) and torch.equal(y, y0)
    assert any(name.startswith("windows") for name in seen)
