"""Shipped AlphaViT networks: loading by name as well as by path, bad names in one line,
the ``varena models`` listing, and the shipped network playing every game it was trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from varena.engine.cli import full_cli
from varena.engine.errors import CheckpointError
from varena.engine.host import get_host
from varena.solvers.alphavit import models
from varena.solvers.alphavit.checkpoints import load_network, new_network, save_network

SHIPPED = "gomoku_go"


@pytest.fixture
def shelf(tmp_path, monkeypatch):
    """A private shipped folder holding one small network named ``tiny``."""
    folder = tmp_path / "pkg" / models.FOLDER
    folder.mkdir(parents=True)
    net = new_network("vit", "small", ["gomoku", "go"], seed=3, d_model=16, heads=2, ff=32)
    save_network(folder / "tiny.safetensors", net, step=42, trained_on=["gomoku:size=7", "go:size=7"],
                 extra={"training": {"positions": 1234, "games": 56}})
    real = models._folder
    monkeypatch.setattr(models, "_folder",
                        lambda package: folder if package == models.PACKAGE else real(package))
    return folder, net


def test_resolve_names_and_paths(shelf, tmp_path):
    folder, _ = shelf
    assert models.shipped() == {"tiny": folder / "tiny.safetensors"}
    assert models.resolve("tiny") == folder / "tiny.safetensors"
    given = tmp_path / "elsewhere.safetensors"
    assert models.resolve(str(given)) == given  # a path is taken as given, even when missing
    assert models.resolve("runs/x/step-1") == models.Path("runs/x/step-1")


def test_bad_name_is_one_line_listing_the_shipped_names(shelf):
    with pytest.raises(CheckpointError) as info:
        models.resolve("tinny")
    text = str(info.value)
    assert "\n" not in text and "'tinny'" in text and "shipped: tiny" in text
    game = get_host().make_game("gomoku:size=7")
    with pytest.raises(CheckpointError, match="no shipped network named 'nope'"):
        get_host().make_agent("alphavit:checkpoint=nope,sims=0", game)


def test_load_by_name_equals_load_by_path(shelf):
    folder, net = shelf
    by_name, meta = load_network("tiny")
    by_path, _ = load_network(folder / "tiny.safetensors")
    assert meta["step"] == 42
    for (k, a), (_, b) in zip(by_name.state_dict().items(), by_path.state_dict().items(), strict=True):
        assert (a == b).all(), k
    game = get_host().make_game("gomoku:size=7")
    agent = get_host().make_agent("alphavit:checkpoint=tiny,sims=0", game)
    s = game.initial_states(1)
    np.testing.assert_array_equal(agent.evaluate(s)[0],
                                  get_host().make_agent(f"alphavit:checkpoint={folder / 'tiny.safetensors'},"
                                                        "sims=0", game).evaluate(s)[0])


def test_listing_reads_the_header(shelf):
    _, net = shelf
    tiny = next(m for m in models.listing() if m.name == "tiny")
    assert tiny.solver == "alphavit" and tiny.arch == "vit" and tiny.width == 16 and tiny.layers == 2
    assert tiny.parameters == sum(t.numel() for t in net.state_dict().values())
    assert (tiny.step, tiny.positions, tiny.games) == (42, 1234, 56)
    assert tiny.trained_on == ("gomoku:size=7", "go:size=7")


def test_listing_names_a_set2seq_network_by_its_process_steps_and_game_sizes(tmp_path):
    from varena.solvers.set2seq.checkpoints import new_network as new_rpw, save_network as save_rpw
    from varena.solvers.set2seq.network import NetConfig

    path = tmp_path / "rpw.safetensors"
    save_rpw(path, new_rpw(NetConfig(dim=8, process_steps=3), seed=0),
             {"task": "sorting", "game": "sorting", "rule": "free", "order": "ascending",
              "trained_on": [5, 10], "step": 7})
    info = models.describe(path, "rpw", solver="set2seq")
    assert (info.arch, info.width, info.layers, info.step) == ("rpw", 8, 3, 7)
    assert info.trained_on == ("sorting:n=5", "sorting:n=10")


def test_models_command(shelf):
    result = CliRunner().invoke(full_cli(), ["models"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if " tiny " in ln)
    assert line.split()[0] == "alphavit" and "gomoku:size=7 go:size=7" in line
    result = CliRunner().invoke(full_cli(), ["models", "--json"])
    rows = [json.loads(ln) for ln in result.output.splitlines()]
    tiny = next(r for r in rows if r["name"] == "tiny")
    assert tiny["step"] == 42 and tiny["games"] == 56 and tiny["bytes"] > 0


def test_bad_name_on_the_command_line_is_one_line():
    result = CliRunner().invoke(full_cli(), ["play", "gomoku:size=7", "--p1",
                                             "alphavit:checkpoint=nope", "--p2", "random"])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no shipped network named 'nope'" in lines[0], result.output
    assert SHIPPED in lines[0]


def test_damaged_header_is_named(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\xff" * 4)
    with pytest.raises(CheckpointError, match="truncated header"):
        models.read_header(bad)
    bad.write_bytes((10).to_bytes(8, "little") + b"not json!!")
    with pytest.raises(CheckpointError, match="header is not JSON"):
        models.read_header(bad)


@pytest.mark.parametrize("spec", ["gomoku:size=7", "gomoku:size=9", "go:size=7", "go:size=9"])
def test_shipped_network_plays_its_games(spec):
    assert SHIPPED in models.shipped()
    info = next(m for m in models.listing() if m.name == SHIPPED)
    assert info.size_bytes < 5_000_000 and info.positions > 0 and info.games > 0
    assert any(t.split(",")[0] == spec or t.startswith(spec + ",") for t in info.trained_on), info
    game = get_host().make_game(spec)
    agent = get_host().make_agent(f"alphavit:checkpoint={SHIPPED},sims=8", game, seed=0)
    state = game.initial_states(1)
    action = int(agent.select_actions(state)[0])
    assert game.legal_mask(state[0])[action]


def test_expert_games_record_the_search_and_the_result():
    from varena.solvers.alphavit.warmstart import expert_games

    host = get_host()
    game = host.make_game("gomoku:size=3,k=3")
    expert = host.make_agent("mcts:sims=30", game, seed=1)
    states, policy, value, games = expert_games(game, expert, 4, 1.5, 2, 1.0, np.random.default_rng(0))
    assert games > 0 and len(states) == len(policy) == len(value) >= 5 * games
    np.testing.assert_allclose(policy.sum(axis=1), 1.0, rtol=1e-5)
    masks = game.legal_masks(states)
    assert not (policy[~masks] > 0).any()  # no mass on occupied cells
    assert set(np.unique(value)) <= {-1.0, 0.0, 1.0}
    assert masks.all(axis=1).sum() == games  # each recorded game starts on the empty board


@pytest.mark.slow
def test_warm_start_writes_a_checkpoint_a_config_can_start_from(tmp_path):
    from varena.solvers.alphavit.warmstart import warm_start

    out = tmp_path / "warm.safetensors"
    data = tmp_path / "expert.safetensors"
    summary = warm_start("tictactoe", out, minutes=0.3, play_share=0.5, sims=20, slots=8, data=data,
                         seed=0)
    net, meta = load_network(out)
    assert meta["trained_on"] == ["gomoku:size=3,k=3"] and summary["steps"] > 0
    assert meta["training"]["positions"] > 0 and meta["training"]["warm_start"]["expert"] == "mcts:sims=20"
    again = warm_start("tictactoe", tmp_path / "again.safetensors", minutes=0.1, play_share=0.5,
                       sims=20, slots=8, data=data, seed=0)  # the kept games, not new ones
    assert again["per_game"] == summary["per_game"]


@pytest.mark.parametrize("name, config, boards", [("gomoku_go", "alphavit_gomoku_go", 4),
                                                  ("paper3", "alphavit_paper3", 6)])
def test_committed_resume_point_matches_the_shipped_network_and_config(name, config, boards):
    """What `varena train CONFIG --resume` reads from the committed resume point:
    the shipped config unchanged, latest.json naming the shipped network's bytes, and an
    optimiser state whose metadata (numpy's 128-bit RNG state included) reads back."""
    from pathlib import Path

    from varena.engine.nn.checkpoint import read_metadata
    from varena.engine.train.cli import shipped_configs

    kit = Path(models.__file__).with_name("resume") / name
    assert (kit / "config.toml").read_text(encoding="utf-8") == shipped_configs()[config]
    latest = json.loads((kit / "latest.json").read_text(encoding="utf-8"))
    net = kit / latest["path"]
    assert net.read_bytes() == models.shipped()[name].read_bytes()
    optim = read_metadata(kit / "optim" / net.name)
    assert optim["step"] == latest["step"] == read_metadata(net)["step"]
    assert optim["config_hash"] == read_metadata(net)["training"]["config_hash"]
    assert len(list((kit / "buffer").glob("*/shard-*.safetensors"))) == boards  # one per board
