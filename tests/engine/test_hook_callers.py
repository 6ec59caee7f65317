"""Observer hooks fire where they are documented to: every finished game of `varena play`,
the tournament runner (in the parent, as each result is committed), SPRT, the GTP engine
and the Gomocup brain; and every observer hook has a caller in the package."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import varena.engine.host
from varena.engine import hooks
from varena.engine.cli import cli
from varena.engine.play import GameRecord

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "games", "solvers", "tournaments")
GAME = "gomoku:size=5,k=4"

OBSERVER = '''
from varena.engine import hookimpl

SEEN = []


@hookimpl
def varena_game_finished(record):
    SEEN.append(record)
'''


@pytest.fixture
def seen(plugin_dir, host_factory, monkeypatch):
    """The records the observer plugin received, with that plugin in the process-wide host."""
    plugin_dir("varena-observer", OBSERVER)
    monkeypatch.setattr(varena.engine.host, "_HOST", host_factory())
    import varena_observer

    return varena_observer.SEEN


def _observer_hooks() -> list[str]:
    return sorted(n for n in dir(hooks) if n.startswith("varena_") and not n.startswith("varena_register_"))


@pytest.mark.parametrize("hook", _observer_hooks())
def test_every_observer_hook_has_a_caller(hook):
    """A hook that nothing fires is a promise to plugin authors that is not kept."""
    pattern = re.compile(r"notify\(\s*[\"']" + hook + r"[\"']")
    callers = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
               if pattern.search(p.read_text(encoding="utf-8"))]
    assert callers, f"no code in {', '.join(PACKAGES)} fires {hook} (host.notify({hook!r}, ...))"


def test_varena_play_fires_game_finished(seen):
    result = CliRunner().invoke(cli, ["play", GAME, "--seed", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and isinstance(seen[0], GameRecord)
    assert seen[0].game == GAME and seen[0].moves and seen[0].players[0].endswith("(random)")


@pytest.mark.parametrize("concurrency", [1, 2])
def test_tournament_fires_once_per_committed_game_in_the_parent(seen, tmp_path, concurrency):
    from varena.tournaments.config import Config
    from varena.tournaments.runner import run

    config = Config(games=[GAME], agents={"a": "random", "b": "random"}, games_per_pairing=2,
                    concurrency=concurrency, seed=3).validate()
    rows = run(config, tmp_path).rows()
    assert sorted(r.extra["key"] for r in seen) == sorted(r.key for r in rows) and len(rows) == 2
    for record in seen:
        row = next(r for r in rows if r.key == record.extra["key"])
        assert list(record.moves) == row.moves and record.players == (row.first, row.second)
    run(config, tmp_path, resume=True).close()  # nothing left to play: nothing fires again
    assert len(seen) == 2


def test_sprt_fires_for_every_game(seen):
    from varena.tournaments.sprt_run import run_sprt

    run_sprt(GAME, "random", "random", elo0=0, elo1=10, alpha=0.05, beta=0.05,
             model="pentanomial", max_pairs=2, concurrency=1, seed=0, opening_moves=0,
             max_moves=None, echo=lambda line: None)
    assert len(seen) == 4 and all(r.game == GAME for r in seen)


def test_gtp_engine_fires_when_a_move_ends_the_game(seen):
    from varena.games.go.gtp import GtpEngine

    engine = GtpEngine("random", seed=0, game_params={"size": 5}, host=varena.engine.host._HOST)
    for line in ("play B C3", "play W pass", "showboard"):
        assert engine.handle(line).startswith("=")
    assert not seen
    assert engine.handle("genmove B").startswith("=")
    if len(seen) == 0:  # the agent did not pass: the controller ends the game with two passes
        for line in ("play W pass", "play B pass"):
            engine.handle(line)
    assert len(seen) == 1
    record = seen[0]
    assert record.players == ("random", "controller") and record.game == "go:size=5"
    assert record.move_names[0] == "C3" and record.move_names[-2:] == ("pass", "pass")
    assert record.result.startswith("B+")
    engine.handle("play W pass")  # play after the end resumes; ending again reports again
    engine.handle("play B pass")
    assert len(seen) == 2


def test_gomocup_brain_fires_when_its_move_ends_the_game(seen):
    from varena.tournaments.gomocup import serve

    # 5x5, we are black (12 stones each) and the only empty cell, 4,0, makes our five.
    board = ["11110", "12112", "21222", "12112", "22212"]
    stones = [f"{x},{y},{v}" for y, row in enumerate(board) for x, v in enumerate(row) if v != "0"]
    out = io.StringIO()
    serve("random", io.StringIO("\n".join(["START 5", "BOARD", *stones, "DONE", ""])), out, seed=0)
    assert out.getvalue().splitlines() == ["OK", "4,0"]
    assert len(seen) == 1
    record = seen[0]
    assert record.players == ("random", "manager") and record.returns == (1.0, -1.0)
    assert record.moves[-1] == 4 and len(record.moves) == 25
