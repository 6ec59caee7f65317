import os

import pytest

from varena.engine.atomic import write_atomic


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    write_atomic(path, "one")
    write_atomic(path, b"two")
    assert path.read_text() == "two" and os.listdir(path.parent) == ["f.txt"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    write_atomic(path, "old")

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_written_files_get_the_usual_mode_not_mkstemps_0600(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "new.sgf", "x")
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o640)
        write_atomic(path, "y")  # a replaced file keeps its mode
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)
