"""Training metrics: the trainer's meter, the built-in writers (JSONL is the run directory's
own ``metrics.jsonl``; CSV and TensorBoard here) and the progress line of ``varena train``.

Every metric line also reaches plugins through the ``varena_train_metrics`` hook
(``step``, ``metrics``): the CLI chains the writers and the hook as the run's ``on_metrics``.
"""

from __future__ import annotations

import csv
import logging
import math
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("varena.train")

IDLE_SECONDS = 10.0  # a metric line this often while the buffer fills before the first step


class Meter:
    """Averages of the learner's losses and rates of self-play between two metric lines."""

    def __init__(self, trainer: Any) -> None:
        self.t = trainer
        self._reset()
        self.last_idle = time.monotonic()

    def _reset(self) -> None:
        self.sums: dict[str, float] = {}
        self.steps = 0
        self.learn_seconds = 0.0
        self.learn_rows = 0
        self.positions = 0
        self.moves = 0
        self.games = 0
        self.selfplay_seconds = 0.0
        self.forward_before = None
        self.since = time.monotonic()
        self.cpu_since = time.process_time()

    def learned(self, losses: dict[str, float], seconds: float, rows: int) -> None:
        for k, v in losses.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.steps += 1
        self.learn_seconds += seconds
        self.learn_rows += rows

    def played(self, finished: Any) -> None:
        self.positions += len(finished.value)
        self.moves += finished.moves
        self.games += finished.games

    def due_idle(self) -> bool:
        if time.monotonic() - self.last_idle >= IDLE_SECONDS:
            self.last_idle = time.monotonic()
            return True
        return False

    def flush(self, source: Any) -> dict[str, float]:
        """The metric line since the previous one."""
        wall = max(time.monotonic() - self.since, 1e-9)
        t = self.t
        out: dict[str, float] = {k: v / self.steps for k, v in self.sums.items()} if self.steps else {}
        out.update({
            "positions": float(t.buffer.committed),
            "games": float(t.buffer.games),
            # rates while self-play ran (the learner's turns left out), and over the wall
            "selfplay_positions_per_s": self.moves / self.selfplay_seconds if self.selfplay_seconds else math.nan,
            "recorded_positions_per_s": self.positions / wall,
            "games_per_s": self.games / wall,
            "selfplay_share": self.selfplay_seconds / wall,
            "learner_steps_per_s": self.steps / self.learn_seconds if self.learn_seconds else math.nan,
            "learner_share": self.learn_seconds / wall,
            "cpu_minutes": (t.cpu_before + time.process_time() - t._cpu0) / 60.0,
            "wall_minutes": (t.wall_before + time.monotonic() - t._wall0) / 60.0,
            "cpu_load": (time.process_time() - self.cpu_since) / wall,
        })
        forward = source.forward_seconds()
        if forward is not None and self.forward_before is not None and self.selfplay_seconds:
            out["forward_share"] = (forward - self.forward_before) / self.selfplay_seconds
        for spec, held in zip(t.specs, t.buffer.held(), strict=True):
            out[f"buffer/{spec}"] = float(held)
        self._reset()
        self.forward_before = forward
        return out


class CsvWriter:
    """``metrics.csv``: one ``step,time,name,value`` row per metric (long form, so lines with
    different metrics share one header)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            with open(path, "w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(["step", "time", "name", "value"])

    def __call__(self, step: int, metrics: dict[str, float]) -> None:
        now = round(time.time(), 3)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            for k, v in metrics.items():
                w.writerow([step, now, k, "" if v is None or not math.isfinite(v) else repr(float(v))])

    def close(self) -> None:
        """Nothing held open: every row is appended and closed as it comes."""


class TensorBoardWriter:
    """TensorBoard scalars under ``DIR/tensorboard`` (the ``tensorboard`` extra)."""

    def __init__(self, folder: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(folder))

    def __call__(self, step: int, metrics: dict[str, float]) -> None:
        for k, v in metrics.items():
            if v is not None and math.isfinite(v):
                self.writer.add_scalar(k, v, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def writers(run_path: Path, options: dict[str, Any]) -> list:
    """The writers the [metrics] section asks for; TensorBoard is skipped (with a note) when
    its package is absent."""
    out: list = []
    if options.get("csv", True):
        out.append(CsvWriter(run_path / "metrics.csv"))
    if options.get("tensorboard"):
        try:
            out.append(TensorBoardWriter(run_path / "tensorboard"))
        except ImportError:
            log.warning("metrics.tensorboard = true, but the tensorboard package is not "
                        "installed (pip install 'varena[tensorboard]'); skipped")
    return out


def progress_text(step: int, m: dict[str, float], max_steps: int | None, eta: float | None) -> str:
    """One progress line: step, positions, games, rates, loss, Elo, ETA."""
    parts = [f"step {step}" + (f"/{max_steps}" if max_steps else "")]
    if "positions" in m:
        parts.append(f"{int(m['positions'])} positions, {int(m.get('games', 0))} games")
    rate = m.get("selfplay_positions_per_s")
    if rate is not None and math.isfinite(rate) and rate > 0:
        parts.append(f"{m['selfplay_positions_per_s']:.0f} pos/s")
    if "loss" in m and m["loss"] is not None:
        loss = f"loss {m['loss']:.3f}"
        if "policy_loss" in m or "value_loss" in m:  # the AlphaZero learner's split; supervised ones have none
            loss += f" (policy {m.get('policy_loss', 0):.3f}, value {m.get('value_loss', 0):.3f})"
        parts.append(loss)
    if m.get("elo") is not None:
        parts.append(f"Elo {m['elo']:.0f}")
    if eta is not None and math.isfinite(eta):
        parts.append(f"ETA {int(eta // 60)}:{int(eta % 60):02d}")
    return " | ".join(parts)
