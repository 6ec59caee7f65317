"""SIGKILL during self-play and during learner steps, then ``--resume``: no shard is
corrupt, the position count is the committed one, and the run goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.train.helpers import tiny
from varena.engine.host import get_host
from varena.engine.train.buffer import ReplayBuffer

pytestmark = pytest.mark.slow

VARENA = [sys.executable, "-c", "from varena.engine.cli import main; main()"]


def _start(cfg: Path, out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*VARENA, "train", str(cfg), "--out", str(out), "--quiet",
                             "--device", "cpu", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait(proc: subprocess.Popen, ready, timeout: float = 400.0) -> None:
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None:
            raise AssertionError(f"training ended before the kill: {proc.stderr.read()}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError("the run never reached the point to kill it at")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _committed(out: Path) -> int:
    games = [get_host().make_game("gomoku:size=3,k=3")]
    return ReplayBuffer(out / "buffer", games, 2000).committed  # reads (checks) every shard


def _finish(cfg: Path, out: Path, *args: str) -> dict:
    r = subprocess.run([*VARENA, "train", str(cfg), "--out", str(out), "--quiet", "--device",
                        "cpu", "--resume", *args], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads((out / "state.json").read_text())


def _steps(out: Path) -> int:
    p = out / "metrics.jsonl"
    if not p.exists():
        return 0
    steps = [json.loads(x)["step"] for x in p.read_text().splitlines() if x.endswith("}")]
    return max(steps, default=0)


def test_sigkill_during_selfplay(tmp_path):
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny(buffer="", spp=2.0).replace("min_positions = 32", "min_positions = 120"))
    out = tmp_path / "run"
    proc = _start(cfg, out, "--max-steps", "4")
    _wait(proc, lambda: len(list(out.glob("buffer/*/shard-*.safetensors"))) >= 3)
    committed = _committed(out)
    assert 48 <= committed < 120 and not (out / "latest.json").exists()
    state = _finish(cfg, out, "--max-steps", "0")  # nothing trained: the count alone
    assert state["positions"] == committed and state["step"] == 0
    state = _finish(cfg, out, "--max-steps", "4")
    assert state["step"] == 4 and state["positions"] >= 120


def test_sigkill_during_learner_steps(tmp_path):
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny(spp=40.0, every=3))  # the learner has most of the time
    out = tmp_path / "run"
    proc = _start(cfg, out, "--max-steps", "400")
    _wait(proc, lambda: _steps(out) >= 8)
    committed = _committed(out)
    latest = json.loads((out / "latest.json").read_text())["step"]
    assert latest >= 3 and latest % 3 == 0
    state = _finish(cfg, out, "--max-steps", str(latest))
    assert state["step"] == latest and state["positions"] == committed
    state = _finish(cfg, out, "--max-steps", str(latest + 3))
    assert state["step"] == latest + 3 and state["positions"] >= committed
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines() if x.endswith("}")]
    assert rows[-1]["step"] == latest + 3
