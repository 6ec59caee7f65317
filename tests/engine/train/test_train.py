"""``varena train`` end to end on a tiny tic-tac-toe config: files of the run directory,
resume, a checkpoint that ``alphavit:checkpoint=`` plays, refusals that damage nothing."""

from __future__ import annotations

import errno
import json

import pytest
from click.testing import CliRunner

import varena.engine.train.buffer as buffer_mod
from tests.engine.train.helpers import tiny
from varena.engine.cli import full_cli
from varena.engine.host import get_host
from varena.engine.train.buffer import ReplayBuffer


def _train(cfg, out, *args):
    return CliRunner().invoke(full_cli(), ["train", str(cfg), "--out", str(out), "--quiet",
                                           "--device", "cpu", *args])


def _one_error_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.slow
def test_train_resume_report_and_play(tmp_path):
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny(extra='[evaluation]\nevery = 6\ngames = 2\nsims = 2\nopening_moves = 0\n'
                              '[evaluation.opponents]\nrandom = "random"\n'))
    out = tmp_path / "run"
    r = _train(cfg, out, "--max-steps", "6")
    assert r.exit_code == 0, r.output
    assert json.loads((out / "latest.json").read_text())["step"] == 6
    assert (out / "optim" / "step-00000006.safetensors").is_file()
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("loss" in x for x in rows) and any("score_random" in x for x in rows)
    assert "policy_loss" in (out / "metrics.csv").read_text()
    state = json.loads((out / "state.json").read_text())
    assert state["step"] == 6 and state["positions"] >= 32

    again = _train(cfg, out, "--max-steps", "6")  # without --resume: refused, nothing touched
    assert "pass --resume" in _one_error_line(again)
    r = _train(cfg, out, "--max-steps", "10", "--resume")
    assert r.exit_code == 0, r.output
    state2 = json.loads((out / "state.json").read_text())
    assert state2["step"] == 10 and state2["positions"] >= state["positions"]
    games = [get_host().make_game("gomoku:size=3,k=3")]
    assert ReplayBuffer(out / "buffer", games, 2000).committed == state2["positions"]

    changed = tmp_path / "t2.toml"
    changed.write_text(cfg.read_text().replace("sims = 4", "sims = 5"))
    assert "config differs" in _one_error_line(_train(changed, out, "--resume"))

    report = CliRunner().invoke(full_cli(), ["train-report", str(out)])
    try:
        import matplotlib  # noqa: F401
    except ImportError:  # the report extra is absent: one line saying what to install
        assert "needs matplotlib" in _one_error_line(report)
    else:
        assert report.exit_code == 0, report.output
        assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    g = games[0]
    agent = get_host().make_agent(f"alphavit:checkpoint={out}/checkpoints/step-00000010.safetensors,"
                                  "sims=4", g, seed=0)
    a = agent.select_actions(g.initial_states(1))
    assert g.legal_mask(g.initial_state())[a[0]]


def test_init_that_cannot_take_the_games_is_refused(tmp_path):
    from varena.solvers.alphavit.checkpoints import new_network, save_network

    go_only = tmp_path / "go.safetensors"
    save_network(go_only, new_network("vit", "small", ["go"], seed=0, d_model=16, heads=2,
                                      ff=32, enc_layers=1))
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny().replace("[network]\n", f'[network]\ninit = "{go_only}"\n')
                   .replace("d_model = 16\nheads = 2\nff = 32\nenc_layers = 1\n", ""))
    out = tmp_path / "run"
    line = _one_error_line(_train(cfg, out))
    assert "cannot take game 'gomoku:size=3,k=3'" in line and "it knows: go" in line
    assert not out.exists()
    cfg.write_text(cfg.read_text().replace(str(go_only), str(tmp_path / "missing.safetensors")))
    assert "does not exist" in _one_error_line(_train(cfg, out))
    assert not out.exists()


def test_full_disk_on_a_shard_write_is_one_line_and_the_run_resumes(tmp_path, monkeypatch):
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny())
    out = tmp_path / "run"

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(buffer_mod, "write_atomic", full)
    line = _one_error_line(_train(cfg, out, "--max-steps", "4"))
    assert "cannot write replay shard" in line and "the disk is full" in line
    assert not list(out.rglob("shard-*")) and not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    r = _train(cfg, out, "--resume", "--max-steps", "0")
    assert r.exit_code == 0, r.output
    assert json.loads((out / "latest.json").read_text())["step"] == 0


@pytest.mark.slow
def test_gating_keeps_the_selfplay_network_until_an_sprt_accepts(tmp_path):
    from varena.engine.nn.checkpoint import read_metadata

    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny(extra='[evaluation]\nevery = 4\ngames = 2\nsims = 2\nopening_moves = 1\n'
                              'gating = true\ngating_pairs = 2\n'
                              '[evaluation.opponents]\nrandom = "random"\n'))
    out = tmp_path / "run"
    r = _train(cfg, out, "--max-steps", "8")
    assert r.exit_code == 0, r.output
    gate = out / "gate" / "selfplay.safetensors"
    assert read_metadata(gate)["step"] in (0, 4, 8)
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    decided = [x["gate_accepted"] for x in rows if "gate_accepted" in x]
    assert len(decided) >= 2 and set(decided) <= {0.0, 1.0}
    # an undecided or rejected SPRT leaves the step-0 network to self-play
    if not any(decided):
        assert read_metadata(gate)["step"] == 0


def test_init_fine_tunes_from_another_size(tmp_path):
    import torch

    from varena.engine.nn.checkpoint import read_tensors
    from varena.solvers.alphavit.checkpoints import new_network, save_network

    small = tmp_path / "g3.safetensors"
    save_network(small, new_network("vit", "small", ["gomoku"], seed=5, d_model=16, heads=2,
                                    ff=32, enc_layers=1), trained_on=["gomoku:size=3,k=3"])
    cfg = tmp_path / "t.toml"
    cfg.write_text(tiny().replace('"gomoku:size=3,k=3"', '"gomoku:size=4,k=3"')
                   .replace("[network]\n", f'[network]\ninit = "{small}"\n')
                   .replace("d_model = 16\nheads = 2\nff = 32\nenc_layers = 1\n", ""))
    out = tmp_path / "run"
    r = _train(cfg, out, "--max-steps", "0")
    assert r.exit_code == 0, r.output
    start, saved = read_tensors(small), read_tensors(out / "checkpoints" / "step-00000000.safetensors")
    assert start.keys() == saved.keys()
    assert all(torch.equal(start[k], saved[k]) for k in start)
    bad = tmp_path / "t2.toml"
    bad.write_text(cfg.read_text().replace("[network]\n", "[network]\nd_model = 32\n"))
    assert "network.d_model=32 differs from the init" in _one_error_line(_train(bad, tmp_path / "r2"))
