"""The pipeline learns: the shipped tic-tac-toe config from random weights, then the network
with a small search never loses 20 games to exact alpha-beta, playing both colours."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from varena.engine.cli import full_cli
from varena.engine.host import get_host
from varena.engine.play import play_game
from varena.engine.train.cli import shipped_configs

pytestmark = pytest.mark.slow


def test_tictactoe_from_random_weights_never_loses_to_alphabeta(tmp_path):
    text = shipped_configs()["tictactoe"]
    # the in-run evaluation is left out here: the test plays its own games below
    text = text.replace("[evaluation]\nevery = 200", "[evaluation]\nevery = 0")
    assert "every = 0" in text
    cfg = tmp_path / "tictactoe.toml"
    cfg.write_text(text)
    out = tmp_path / "run"
    r = CliRunner().invoke(full_cli(), ["train", str(cfg), "--out", str(out), "--quiet",
                                        "--device", "cpu", "--max-steps", "800"])
    assert r.exit_code == 0, r.output
    host = get_host()
    game = host.make_game("gomoku:size=3,k=3")
    ckpt = out / "checkpoints" / "step-00000800.safetensors"
    results = []
    for i in range(20):
        net = host.make_agent(f"alphavit:checkpoint={ckpt},sims=16,rule=puct,root=plain,device=cpu",
                              game, seed=i)
        perfect = host.make_agent("alphabeta:depth=9", game, seed=1000 + i)
        agents = [net, perfect] if i % 2 == 0 else [perfect, net]
        record, _ = play_game(game, agents, seed=i)
        results.append(record.returns[i % 2])
    assert min(results) >= 0, f"the network lost {sum(r < 0 for r in results)} of 20 games"
