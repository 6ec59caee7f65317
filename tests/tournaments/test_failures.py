"""Games that fail: a tournament says how many, and fails (one line, exit 2) when none could
be played; SPRT likewise; a solver that says it is unavailable is not scheduled."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import varena.engine.host
from varena.engine.errors import SpecError
from varena.tournaments.config import Config
from varena.tournaments.runner import GamesFailedError, run, schedule

GAME = "gomoku:size=5,k=4"

BOOM = '''
import numpy as np
from varena.engine import hookimpl
from varena.engine.api import Solver


class Boom(Solver):
    name = "boom"
    description = "raises on its first move"

    def select_actions(self, states):
        raise RuntimeError("boom")


class Absent(Solver):
    name = "absent"
    description = "an engine whose program is not installed"

    @classmethod
    def available(cls, args):
        return "program 'absent-engine' not found"

    def select_actions(self, states):
        return np.zeros(len(states), np.int64)


@hookimpl
def varena_register_solvers(register):
    register(Boom)
    register(Absent)
'''


@pytest.fixture
def boom(plugin_dir, host_factory, monkeypatch):
    plugin_dir("varena-boom", BOOM)
    monkeypatch.setattr(varena.engine.host, "_HOST", host_factory())


def _config(agents, **kw):
    return Config(**{**dict(games=[GAME], agents=agents, games_per_pairing=2, concurrency=1,
                            seed=1), **kw}).validate()


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_tournament_where_no_game_can_be_played_fails(boom, tmp_path, concurrency):
    with pytest.raises(GamesFailedError, match=r"no game could be played: all 2 failed \(the first, "
                                               r"gomoku:\S+\|a\|b\|\d: plugin distribution 'varena-boom' failed: "
                                               r"RuntimeError: boom \(in select_actions, varena_boom.py:\d+\)\)"):
        run(_config({"a": "boom", "b": "random"}, concurrency=concurrency), tmp_path)


def test_failed_games_are_counted_and_played_again_on_resume(boom, tmp_path):
    failed = []
    store = run(_config({"a": "random", "b": "random", "c": "boom"}), tmp_path,
                on_failure=failed.append)
    assert len(store.rows()) == 2 and len(failed) == 4
    assert all("|c|" in f.key for f in failed)
    assert all(f.error.startswith("plugin distribution 'varena-boom' failed: RuntimeError: boom (in "
                                  "select_actions, varena_boom.py:") for f in failed)
    store.close()
    again = []
    with pytest.raises(GamesFailedError, match="all 4 failed"):  # nothing new could be played
        run(_config({"a": "random", "b": "random", "c": "boom"}), tmp_path, resume=True,
            on_failure=again.append)
    assert sorted(f.key for f in again) == sorted(f.key for f in failed)


def test_the_command_says_how_many_failed_and_exits_2_when_none_played(boom, tmp_path):
    from varena.engine.cli import full_cli

    args = ["tournament", "--game", GAME, "--games", "2", "--concurrency", "1", "--json"]
    some = CliRunner().invoke(full_cli(), [*args, "--agent", "a=random", "--agent", "b=random",
                                           "--agent", "c=boom", "--out", str(tmp_path / "some")])
    assert some.exit_code == 0, some.output
    assert "warning: 4 game(s) failed and were not stored" in some.output
    none = CliRunner().invoke(full_cli(), [*args, "--agent", "a=boom", "--agent", "b=random",
                                           "--out", str(tmp_path / "none")])
    assert none.exit_code == 2, none.output
    assert none.output.strip().splitlines()[-1].startswith("error: no game could be played: all 2 failed")
    assert "Traceback" not in none.output


def test_sprt_where_no_pair_can_be_played_fails(boom):
    from varena.tournaments.sprt_run import run_sprt

    lines = []
    with pytest.raises(GamesFailedError, match=r"sprt: no pair could be played: 4 game\(s\) failed"):
        run_sprt(GAME, "random", "boom", elo0=0, elo1=10, alpha=0.05, beta=0.05, model="trinomial",
                 max_pairs=2, concurrency=1, seed=0, opening_moves=0, max_moves=None,
                 echo=lines.append)


def test_an_unavailable_solver_is_refused_or_left_out_when_optional(boom):
    with pytest.raises(SpecError, match="agent 'x': solver 'absent': program 'absent-engine' not found"):
        schedule(_config({"a": "random", "x": "absent"}))
    tasks = schedule(_config({"a": "random", "b": "random", "x": "absent"}, optional=["x"]))
    assert tasks and all("x" not in (t.first, t.second) for t in tasks)
