"""Atomic writes: the old file survives a failed write, and no temp file is left behind."""
import pytest

from pirounet.run.atomic import atomic_open, write_text_atomic


def test_write_replaces_and_keeps_a_readable_mode(tmp_path):
    path = tmp_path / "sub" / "a.csv"
    write_text_atomic(path, "1,2,3\n", durable=True)
    write_text_atomic(path, "4,5,6\n")
    assert path.read_text() == "4,5,6\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["a.csv"]


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_open(path) as f:
            f.write(b"half")
            raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]
