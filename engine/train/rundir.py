"""The run directory: what every trainer writes, and the only way trainer processes talk.

Layout (KataGo's model: each piece can be killed and restarted at any time)::

    DIR/config.toml                the config the run was started with (copied once)
    DIR/state.json                 the trainer's resumable counters (atomic rewrite)
    DIR/checkpoints/step-00001200.safetensors   weights + JSON metadata (atomic)
    DIR/latest.json                {"step": 1200, "path": "checkpoints/step-00001200.safetensors"}
    DIR/metrics.jsonl              one JSON object per line: {"step", "time", ...metrics}
    DIR/...                        anything else the trainer owns (replay buffer, reports)

Every file is written atomically (temp file, fsync, rename), and ``latest.json`` is written
after the checkpoint it names, so a reader sees a complete checkpoint or the previous one.
``metrics.jsonl`` is appended line by line and flushed; a torn last line (a kill mid-write)
is skipped when read back.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from varena.engine.atomic import write_atomic
from varena.engine.errors import VarenaError

log = logging.getLogger("varena.train")

CONFIG = "config.toml"
STATE = "state.json"
LATEST = "latest.json"
METRICS = "metrics.jsonl"
CHECKPOINTS = "checkpoints"


class RunDirError(VarenaError):
    """A run directory that cannot be used as asked (exists without --resume, damaged...)."""


class RunDir:
    """A run directory, created (``resume=False``) or reopened (``resume=True``).

    ``config_text``: the TOML the run is started with; on resume it must equal the stored
    one unless ``allow_config_change`` (a changed config would not reproduce the path).
    ``on_metrics(step, metrics)``: called for every logged line (the CLI passes the
    ``varena_train_metrics`` hook).
    """

    def __init__(self, path: str | os.PathLike, config_text: str, *, resume: bool = False,
                 keep: int = 3, allow_config_change: bool = False,
                 on_metrics: Callable[[int, dict[str, float]], None] | None = None) -> None:
        self.path = Path(path)
        self.keep = max(1, int(keep))
        self.on_metrics = on_metrics
        cfg = self.path / CONFIG
        if self.path.exists() and not self.path.is_dir():
            raise RunDirError(f"run directory {self.path} is a file, not a directory")
        if resume:
            if not cfg.is_file():
                raise RunDirError(f"--resume: {self.path} is not a run directory (no {CONFIG})")
            try:
                stored = cfg.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RunDirError(f"--resume: cannot read {cfg}: {exc}") from None
            if stored != config_text and not allow_config_change:
                raise RunDirError(f"--resume: the config differs from the one {self.path} was "
                                  f"started with ({cfg}); resume with that config, or start a new run")
        else:
            if self.path.is_dir() and any(self.path.iterdir()):
                raise RunDirError(f"run directory {self.path} exists and is not empty; "
                                  "pass --resume to go on with it, or choose another --out")
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                write_atomic(cfg, config_text)
            except OSError as exc:
                raise RunDirError(f"cannot create run directory {self.path}: {exc}") from None
        (self.path / CHECKPOINTS).mkdir(exist_ok=True)

    # -- state ------------------------------------------------------------------------------
    def load_state(self) -> dict[str, Any]:
        """The trainer's saved state ({} for a new run)."""
        p = self.path / STATE
        if not p.exists():
            return {}
        try:
            state = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunDirError(f"{p} is damaged ({exc}); restore it or start a new run") from None
        if not isinstance(state, dict):
            raise RunDirError(f"{p} is damaged (not a JSON object)")
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        write_atomic(self.path / STATE, json.dumps(state, sort_keys=True, indent=1))

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_path(self, step: int) -> Path:
        return self.path / CHECKPOINTS / f"step-{int(step):08d}.safetensors"

    def commit_checkpoint(self, step: int, path: Path) -> None:
        """Point ``latest.json`` at ``path`` (already written atomically) and drop old ones."""
        rel = path.relative_to(self.path).as_posix()
        write_atomic(self.path / LATEST, json.dumps({"step": int(step), "path": rel}))
        ckpts = sorted((self.path / CHECKPOINTS).glob("step-*.safetensors"))
        for old in ckpts[: max(0, len(ckpts) - self.keep)]:
            if old != path:
                old.unlink(missing_ok=True)

    def latest_checkpoint(self) -> tuple[int, Path] | None:
        """(step, path) of the newest committed checkpoint, or None."""
        p = self.path / LATEST
        if not p.exists():
            return None
        try:
            info = json.loads(p.read_text(encoding="utf-8"))
            step, rel = int(info["step"]), str(info["path"])
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise RunDirError(f"{p} is damaged ({exc}); delete it to resume from scratch") from None
        full = (self.path / rel).resolve()
        if self.path.resolve() not in full.parents or not full.is_file():
            raise RunDirError(f"{p} names {rel!r}, which is not a checkpoint inside {self.path}")
        return step, full

    # -- metrics ----------------------------------------------------------------------------
    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Append one line to ``metrics.jsonl`` (non-finite numbers as null) and notify."""
        clean = {k: (float(v) if math.isfinite(float(v)) else None) for k, v in metrics.items()}
        line = json.dumps({"step": int(step), "time": round(time.time(), 3), **clean})
        with open(self.path / METRICS, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        if self.on_metrics is not None:
            self.on_metrics(int(step), dict(metrics))

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete line of ``metrics.jsonl`` (a torn last line is skipped)."""
        p = self.path / METRICS
        if not p.exists():
            return []
        out = []
        with open(p, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict):
                    out.append(row)
        return out
