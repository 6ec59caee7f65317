"""The ptrnet agent through the Solver contract and ``varena solve``; bad specs, one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from varena.engine.cli import cli
from varena.engine.errors import CheckpointError
from varena.engine.host import get_host
from varena.solvers.ptrnet.checkpoints import load_network, save_network, shipped
from varena.tournaments.solve import solve

from .helpers import game, net

cli.add_command(solve)


def _solve(*args):
    return CliRunner().invoke(cli, ["solve", *args])


@pytest.mark.parametrize("problem,solver", [
    ("tsp:n=8", "ptrnet"), ("tsp:n=8", "ptrnet:decode=pomo,augment=8"),
    ("convex_hull:n=10", "ptrnet:arch=lstm,decode=beam,width=3"),
    ("delaunay:n=6", "ptrnet:decode=sample,samples=4,augment=2"),
])
def test_varena_solve_takes_the_agent(problem, solver):
    r = _solve(problem, "--solver", solver, "--count", "2", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["count"] == 2 and data["seconds_per_instance"] > 0
    key = "gap" if problem.startswith("tsp") else ("area_coverage" if "hull" in problem else "coverage")
    assert key in data["mean"]


@pytest.mark.slow
def test_a_saved_checkpoint_loads_by_path_and_plays(tmp_path):
    path = tmp_path / "tsp.safetensors"
    save_network(path, net("attention"), problem="tsp", step=5, trained_on=["tsp:n=8"])
    loaded, meta = load_network(path)
    assert meta["problem"] == "tsp" and meta["step"] == 5 and loaded.cfg.d == 16
    r = _solve("tsp:n=8", "--solver", f"ptrnet:checkpoint={path},decode=beam,width=4", "--count", "2")
    assert r.exit_code == 0, r.output
    assert "mean gap" in r.output


def test_agent_replans_when_the_game_leaves_its_plan():
    g = game("tsp:n=7")
    agent = get_host().make_agent("ptrnet", g, 0)
    s = g.initial_state(np.random.default_rng(0))
    plan_first = int(agent.select_actions(s[None])[0])
    other = next(a for a in np.flatnonzero(g.legal_mask(s)) if a != plan_first)
    s = g.play(s, int(other))  # somebody else moved
    while not g.outcome(s)[0]:
        s = g.play(s, int(agent.select_actions(s[None])[0]))  # always legal
    assert sorted(g.tour(s).tolist()) == list(range(7))


def test_batched_select_actions_plays_many_instances():
    g = game("convex_hull:n=12")
    agent = get_host().make_agent("ptrnet:decode=beam,width=2", g, 0)
    states = g.initial_states(5, np.random.default_rng(1))
    while True:
        live = [i for i, s in enumerate(states) if not g.outcome(s)[0]]
        if not live:
            break
        acts = agent.select_actions(states[live])
        for i, a in zip(live, acts, strict=True):
            states[i] = g.play(states[i], int(a))
    assert all(g.outcome(s)[0] for s in states)


def test_bad_specs_and_checkpoints_are_one_line(tmp_path):
    hull_ckpt = tmp_path / "hull.safetensors"
    save_network(hull_ckpt, net("lstm"), problem="convex_hull")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 40)
    cases = [
        (["tsp:n=8", "--solver", "ptrnet:decode=fast"], "decode='fast' is not accepted"),
        (["convex_hull:n=8", "--solver", "ptrnet:decode=pomo"], "decode=pomo is for tsp"),
        (["convex_hull:n=8", "--solver", "ptrnet:augment=8"], "accepted: 1..4"),
        (["tsp:n=8", "--solver", f"ptrnet:checkpoint={hull_ckpt}"], "solves 'convex_hull', not 'tsp'"),
        (["tsp:n=8", "--solver", "ptrnet:checkpoint=no_such_name"], "no shipped checkpoint named"),
        (["tsp:n=8", "--solver", f"ptrnet:checkpoint={tmp_path / 'missing.safetensors'}"], "does not exist"),
        (["tsp:n=8", "--solver", f"ptrnet:checkpoint={junk}"], "not a readable safetensors"),
        (["gomoku:size=5", "--solver", "ptrnet"], "gomoku"),
    ]
    for args, text in cases:
        r = _solve(*args)
        assert r.exit_code == 2, (args, r.output)
        assert text in r.output, (args, r.output)
        assert len(r.output.strip().splitlines()) == 1, r.output


def test_an_input_larger_than_the_network_allows(tmp_path):
    from varena.solvers.ptrnet.checkpoints import new_network
    from varena.solvers.ptrnet.networks import NetConfig

    path = tmp_path / "small.safetensors"
    save_network(path, new_network(NetConfig(d=16, layers=1, heads=2, ff=32, max_n=20)), problem="tsp")
    ok = _solve("tsp:n=20", "--solver", f"ptrnet:checkpoint={path}")
    assert ok.exit_code == 0, ok.output
    r = _solve("tsp:n=30", "--solver", f"ptrnet:checkpoint={path}")
    assert r.exit_code == 2 and "accepts n <= 20" in r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("name", shipped())
def test_shipped_checkpoints_load_by_name_and_play(name):
    from varena.solvers.ptrnet.checkpoints import resolve

    _, meta = load_network(resolve(name))
    assert meta["kind"] == "ptrnet" and meta["step"] > 0 and meta["trained_on"]
    n = 8 if meta["problem"] == "delaunay" else 12
    r = _solve(f"{meta['problem']}:n={n}", "--solver", f"ptrnet:checkpoint={name}", "--count", "2")
    assert r.exit_code == 0, r.output


def test_a_checkpoint_of_another_kind_is_refused(tmp_path):
    from varena.engine.nn.checkpoint import save_checkpoint

    path = tmp_path / "other.safetensors"
    save_checkpoint(path, net("lstm"), {"kind": "alphavit"})
    with pytest.raises(CheckpointError, match="kind 'alphavit'; expected 'ptrnet'"):
        load_network(path)


@pytest.mark.parametrize("name", shipped())
def test_every_shipped_checkpoint_has_the_config_that_makes_it(name):
    import tomllib
    from pathlib import Path

    from varena.solvers.ptrnet.checkpoints import SHIPPED, resolve
    from varena.solvers.ptrnet.config import REINFORCE, SUPERVISED, check_config

    path = SHIPPED.parent / "configs" / f"{name}.toml"
    cfg = tomllib.loads(path.read_text())
    assert Path(cfg["export"]) == Path("solvers/ptrnet/checkpoints") / f"{name}.safetensors"
    checked = check_config(cfg, cfg["trainer"], SUPERVISED if cfg["trainer"] == "supervised" else REINFORCE)
    _, meta = load_network(resolve(name))
    assert meta["problem"] == checked["problem"] and meta["trainer"] == cfg["trainer"]
    assert meta["sizes"] == list(checked.sizes)
    if checked["init"]:  # a fine-tune starts from another shipped checkpoint, never itself
        assert checked["init"] in shipped() and checked["init"] != name
