"""SIGKILL of a parallel tournament's parent process leaves no worker or engine behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from varena.engine.lifeline import watch_parent

FAKE = Path(__file__).with_name("fake_engine.py")
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(rest[1]), rest[0]


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (info := _parent_and_state(int(name))) is not None:
            children.setdefault(info[0], []).append(int(name))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    info = _parent_and_state(pid)
    return info is not None and info[1] != "Z"


def _wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_sigkill_of_the_parent_leaves_no_worker(tmp_path):
    out = tmp_path / "t"
    hang = f'gomocup:cmd="{sys.executable} {FAKE} gomocup hang 2",timeout=600'
    args = [sys.executable, "-c", "from varena.engine.cli import main; main()", "tournament",
            "--game", "gomoku:size=7", "--agent", "a=random", "--agent", f"h={hang}",
            "--agent", "c=random", "--games", "4", "--concurrency", "2", "--out", str(out),
            "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        # two workers, each with its (hanging) engine below it
        assert _wait_until(lambda: len(_descendants(proc.pid)) >= 4, 120), "no workers started"
        time.sleep(1.0)
        below = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as an OOM killer or `kill -9` does
        proc.wait()
        assert _wait_until(lambda: not any(_alive(p) for p in below), 5), \
            f"left behind: {[p for p in below if _alive(p)]}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for p in _descendants(proc.pid):
            os.kill(p, signal.SIGKILL)
    db = sqlite3.connect(out / "results.sqlite", timeout=1)
    db.execute("BEGIN IMMEDIATE")  # nobody holds the results database any more
    db.rollback()


def test_watch_parent_ends_a_process_whose_parent_died(tmp_path):
    """The portable half (no prctl): a grandchild notices its parent is gone."""
    pidfile = tmp_path / "pid"
    code = (f"import os, sys, time\nfrom varena.engine import lifeline\n"
            f"lifeline.set_parent_death_signal = lambda sig=0: False\n"
            f"if os.fork() == 0:\n    lifeline.watch_parent(poll=0.05)\n"
            f"    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n    time.sleep(60)\n"
            f"else:\n    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        assert _wait_until(lambda: pidfile.exists() and pidfile.read_text(), 30)
        child = int(pidfile.read_text())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert _wait_until(lambda: not _alive(child), 5)
    finally:
        proc.kill()


def test_watch_parent_of_a_dead_parent_exits_at_once():
    code = "from varena.engine.lifeline import watch_parent\nwatch_parent(parent=1 << 30)\nprint('alive')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "alive" not in result.stdout
    assert callable(watch_parent)
