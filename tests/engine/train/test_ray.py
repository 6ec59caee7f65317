"""``backend = "ray"``: two self-play actors and the learner in the driver, same run
directory and checkpoints as in one process. Needs the ``ray`` extra."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.engine.train.helpers import tiny
from varena.engine.cli import full_cli
from varena.engine.host import get_host
from varena.engine.train.buffer import ReplayBuffer


@pytest.mark.slow
@pytest.mark.ray
def test_two_actor_ray_training_commits_shards_and_checkpoints(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'varena[ray]')")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    cfg = tmp_path / "ray.toml"
    cfg.write_text(tiny(extra='[backend]\nkind = "ray"\nactors = 2\nweights_every = 2\n'))
    out = tmp_path / "run"
    r = CliRunner().invoke(full_cli(), ["train", str(cfg), "--out", str(out), "--quiet",
                                        "--device", "cpu", "--max-steps", "6"])
    assert r.exit_code == 0, r.output
    assert not ray.is_initialized()  # the trainer shut down the Ray it started
    state = json.loads((out / "state.json").read_text())
    assert state["step"] == 6 and state["positions"] >= 32
    games = [get_host().make_game("gomoku:size=3,k=3")]
    assert ReplayBuffer(out / "buffer", games, 2000).committed == state["positions"]
    agent = get_host().make_agent(f"alphavit:checkpoint={out}/checkpoints/step-00000006.safetensors,"
                                  "sims=2", games[0], seed=0)
    assert agent.select_actions(games[0].initial_states(1)).shape == (1,)


def test_ray_backend_without_ray_is_one_line(tmp_path, monkeypatch):
    import varena.engine.train.ray_backend as rb

    def absent():
        raise rb.SpecError("config: backend.kind = 'ray' needs the ray package: "
                           "pip install 'varena[ray]'")

    monkeypatch.setattr(rb, "_import_ray", absent)
    cfg = tmp_path / "ray.toml"
    cfg.write_text(tiny(extra='[backend]\nkind = "ray"\n'))
    r = CliRunner().invoke(full_cli(), ["train", str(cfg), "--out", str(tmp_path / "run"),
                                        "--quiet", "--device", "cpu", "--max-steps", "2"])
    assert r.exit_code == 2 and "needs the ray package" in r.output
