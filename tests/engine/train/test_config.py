"""Config checks: every bad key or value is one line naming it; no run directory is claimed."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from tests.engine.train.helpers import tiny
from varena.engine.cli import full_cli
from varena.engine.errors import SpecError
from varena.engine.train.cli import shipped_configs
from varena.engine.train.config import check_config, split_slots


def _raw(extra: str = "", **kw) -> dict:
    return tomllib.loads(tiny(**kw) + extra)


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.update(colour="red"), "unknown key 'colour'"),
    (lambda r: r["selfplay"].update(simz=3), "unknown key selfplay.simz; accepted: games_in_flight"),
    (lambda r: r["selfplay"].update(sims=0), "selfplay.sims=0 is not accepted (too small); accepted: integer 1..100000"),
    (lambda r: r["selfplay"].update(sims="8"), "selfplay.sims='8' is not accepted; accepted: integer"),
    (lambda r: r["selfplay"].update(sims=8.5), "selfplay.sims=8.5 is not accepted"),
    (lambda r: r["selfplay"].update(root="gumble"), "did you mean 'gumbel'"),
    (lambda r: r["learner"].update(lr=-1.0), "learner.lr=-1.0 is not accepted (too small)"),
    (lambda r: r["buffer"].update(augment="yes please"), "buffer.augment='yes please' is not accepted; accepted: true or false"),
    (lambda r: r.update(seed=-1), "seed=-1 is not accepted; accepted: integer 0..4294967295"),
    (lambda r: r.update(games={}), "games must be a table of game spec = weight"),
    (lambda r: r.update(games={"gomoku": -1}), "games.'gomoku' = -1 is not accepted"),
    (lambda r: r["buffer"].update(min_positions=10**6), "buffer.min_positions=1000000 can never be reached"),
    (lambda r: r.update(evaluation={"every": 5, "previous": False}), "needs evaluation.opponents"),
    (lambda r: r.update(evaluation={"opponents": {"net": "random"}}), "name 'net' is not accepted"),
    (lambda r: r.update(selfplay=3), "[selfplay] must be a table"),
])
def test_bad_keys_and_values_are_named(edit, message):
    raw = _raw()
    edit(raw)
    with pytest.raises(SpecError) as err:
        check_config(raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_defaults_fill_every_section_and_the_hash_ignores_evaluation():
    a = check_config(_raw())
    assert a.selfplay["root"] == "gumbel" and a.learner["clip"] == 1.0
    b = _raw()
    b["evaluation"] = {"every": 10, "opponents": {"r": "random"}}
    assert check_config(b).hash() == a.hash()
    c = _raw()
    c["learner"]["lr"] = 0.5
    assert check_config(c).hash() != a.hash()


def test_games_in_flight_are_split_by_weight():
    assert split_slots(10, [1.0, 1.0]) == [5, 5]
    assert split_slots(10, [3.0, 1.0]) in ([8, 2], [7, 3])
    assert sum(split_slots(7, [1.0, 1.0, 1.0])) == 7
    assert min(split_slots(3, [100.0, 1.0, 1.0])) == 1


def test_shipped_configs_all_check():
    shipped = shipped_configs()
    assert {"tictactoe", "gomoku9", "go9", "multi"} <= set(shipped)
    for text in shipped.values():
        check_config(tomllib.loads(text))


@pytest.mark.parametrize("text, message", [
    ('[games]\n"gomoku:size=3,k=3" = 1.0\n[selfplay]\nsims = -4\n', "selfplay.sims=-4"),
    ('[games]\n"gomokku:size=3" = 1.0\n', "unknown game 'gomokku'"),
    ('[games]\n"gomoku:size=3,k=3" = 1.0\n"gomoku:k=3,size=3" = 1.0\n', "listed twice"),
    ('[games]\n"gomoku:size=3,k=3" = 1.0\n[network]\narch = "vyt"\n', "network.arch='vyt'"),
    ('solver = "random"\n[games]\n"gomoku" = 1\n', "solver 'random' cannot be trained"),
    ('trainer = "ppo"\n[games]\n"gomoku" = 1\n', "trainer='ppo' is not accepted for solver 'alphavit'; accepted: alphazero"),
    ('[games\n', "not valid TOML"),
])
def test_cli_bad_config_is_one_line_and_claims_no_folder(tmp_path, text, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = tmp_path / "run"
    result = CliRunner().invoke(full_cli(), ["train", str(cfg), "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert not out.exists()


def test_cli_unknown_config_name_lists_the_shipped_ones(tmp_path):
    result = CliRunner().invoke(full_cli(), ["train", "tictactoo", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "shipped: " in result.output and "tictactoe" in result.output


def test_cli_lists_shipped_configs():
    result = CliRunner().invoke(full_cli(), ["train", "--list"])
    assert result.exit_code == 0 and "tictactoe" in result.output and "multi" in result.output
