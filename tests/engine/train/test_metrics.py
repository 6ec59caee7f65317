"""Metric writers (CSV, TensorBoard), the progress line and the report of a run directory."""

from __future__ import annotations

import csv
import json
import math

import pytest

from varena.engine.errors import SpecError
from varena.engine.train.metrics import CsvWriter, progress_text, writers
from varena.engine.train.rundir import RunDir


def test_csv_rows_in_long_form(tmp_path):
    w = CsvWriter(tmp_path / "m.csv")
    w(10, {"loss": 1.5, "elo": math.nan})
    w(20, {"positions": 300.0})
    rows = list(csv.reader(open(tmp_path / "m.csv")))
    assert rows[0] == ["step", "time", "name", "value"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("10", "loss", "1.5"), ("10", "elo", ""),
                                                      ("20", "positions", "300.0")]


def test_tensorboard_writer_or_a_note(tmp_path, caplog):
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        assert writers(tmp_path, {"csv": False, "tensorboard": True}) == []
        assert "tensorboard package is not installed" in caplog.text
        return
    (w,) = writers(tmp_path, {"csv": False, "tensorboard": True})
    w(5, {"loss": 2.0})
    w.close()
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_progress_line():
    text = progress_text(40, {"positions": 1077.0, "games": 139.0, "selfplay_positions_per_s": 101.2,
                              "loss": 2.1, "policy_loss": 1.5, "value_loss": 0.6, "elo": 12.0},
                         100, 75.0)
    assert text == ("step 40/100 | 1077 positions, 139 games | 101 pos/s | loss 2.100 (policy "
                    "1.500, value 0.600) | Elo 12 | ETA 1:15")
    assert "pos/s" not in progress_text(3, {"selfplay_positions_per_s": math.nan}, None, None)
    # a supervised trainer (ptrnet, set2seq) reports one loss: no invented policy/value split
    assert progress_text(50, {"loss": 0.25}, None, None) == "step 50 | loss 0.250"


def test_report_skips_a_torn_line_and_names_an_empty_run(tmp_path):
    from varena.engine.train.report import render

    run = RunDir(tmp_path / "r", "x = 1\n")
    with pytest.raises(SpecError, match="no metrics.jsonl"):
        render(run.path)
    run.log_metrics(10, {"loss": 1.0, "policy_loss": 0.8, "value_loss": 0.2, "lr": 1e-3,
                         "selfplay_positions_per_s": 50.0, "positions": 100.0})
    run.log_metrics(20, {"elo": 3.0, "score_random": 0.9})
    with open(run.path / "metrics.jsonl", "a") as f:
        f.write('{"step": 30, "loss": ')  # a kill mid-write
    assert [r["step"] for r in run.read_metrics()] == [10, 20]
    pytest.importorskip("matplotlib")
    png = render(run.path)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert json.loads((run.path / "metrics.jsonl").read_text().splitlines()[0])["step"] == 10
