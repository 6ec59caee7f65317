import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import varena.engine.host
from tests.engine.nim_source import GOOD
from varena.engine.cli import cli


@pytest.fixture
def nim_host(plugin_dir, host_factory, monkeypatch):
    plugin_dir("varena-nim", GOOD)
    host = host_factory()
    monkeypatch.setattr(varena.engine.host, "_HOST", host)
    return host


def test_play_a_full_game_between_two_agents(nim_host):
    result = CliRunner().invoke(cli, ["play", "nim:stones=5", "--p1", "takeone", "--p2", "takeone"])
    assert result.exit_code == 0, result.output
    assert "take1" in result.output
    assert "nim:stones=5: player 1 wins (5 moves; end)" in result.output


def test_play_is_reproducible_under_a_seed(nim_host):
    runs = [CliRunner().invoke(cli, ["play", "nim:stones=20", "--seed", "3", "--quiet"]).output
            for _ in range(2)]
    assert runs[0] == runs[1] and "wins" in runs[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["play", "nimm"], "error: unknown game 'nimm'; did you mean 'nim'"),
        (["play", "nim:stones=99"], "error: game 'nim': parameter stones='99' is not accepted (too large); accepted: integer 1..50"),
        (["play", "nim", "--p1", "randm"], "did you mean 'random'"),
        (["play", "nim:stones"], "is not key=value"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(nim_host, args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [message] or message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_plugins_json_lists_games_solvers_and_support(nim_host):
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    nim = next(g for g in listing["games"] if g["name"] == "nim")
    assert nim["distribution"] == "varena-nim"
    assert nim["params"][0] == {"name": "stones", "type": "int", "default": 7,
                                "accepted": "integer 1..50", "help": "stones at the start"}
    takeone = next(s for s in listing["solvers"] if s["name"] == "takeone")
    assert takeone["games"] == ["nim"]
    assert "nim" in next(s for s in listing["solvers"] if s["name"] == "random")["games"]


def test_plugins_table_renders(nim_host):
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0 and "takeone" in result.output and "varena-nim" in result.output


def test_help_is_fast_and_imports_neither_torch_nor_numba():
    code = ("import sys; from varena.engine.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('torch', 'numba') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "play" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["gtp", "--agent", "nosuch"], "error: unknown solver 'nosuch'"),
        (["gtp", "--game", "go:size=99"], "accepted: integer 2..25"),
        (["gomocup", "--agent", "mcts:sims=x"], "parameter sims='x' is not accepted"),
        (["solve", "tsp:n=2", "--solver", "2opt"], "accepted: integer 3..10000"),
        (["sprt", "--game", "gomoku:size=9", "--base", "random", "--test", "random",
          "--elo0", "5", "--elo1", "1"], "must be greater than --elo0"),
        (["ratings", "."], "no results.sqlite here"),
        # nan or a huge Elo failed with a traceback once the games were played
        (["sprt", "--game", "gomoku:size=9", "--base", "random", "--test", "random",
          "--elo1", "nan"], "--elo1 nan is not accepted; accepted: -1000..1000"),
        (["sprt", "--game", "gomoku:size=9", "--base", "random", "--test", "random",
          "--alpha", "nan"], "--alpha nan is not accepted"),
        (["sprt", "--game", "gomoku:size=9", "--base", "random", "--test", "random",
          "--elo1", "1e6"], "-1000<=x<=1000"),
        # numpy refused negative seeds and SQLite seeds past 2**63, with a traceback
        (["play", "gomoku:size=5", "--seed", "-1"], "0<=x<=4294967295"),
        (["solve", "tsp:n=5", "--solver", "2opt", "--seed", "-1"], "0<=x<=4294967295"),
        (["tournament", "--format", "leaderboard", "--game", "tsp:n=5", "--agent", "a=2opt",
          "--seed", str(10**23)], "0<=x<=4294967295"),
    ],
)
def test_plugin_commands_answer_bad_input_with_one_line(args, message):
    from varena.engine.cli import full_cli

    result = CliRunner().invoke(full_cli(), args, input="")
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "replace, where",
    [
        (("return np.array([state[0] - action - 1, 1 - state[1]], np.int16)",
          "return 1 // int(state[1] * 0)"),
         "next_state"),
        (("return np.zeros(len(states), np.int64)", "raise RuntimeError('solver broke\\nsecond line')"),
         "select_actions"),
    ],
    ids=["game-code", "solver-code"],
)
def test_an_exception_in_a_plugins_code_is_one_line_naming_its_distribution(
        plugin_dir, host_factory, monkeypatch, replace, where):
    plugin_dir("varena-buggy", GOOD.replace(*replace))
    monkeypatch.setattr(varena.engine.host, "_HOST", host_factory())
    result = CliRunner().invoke(cli, ["play", "nim", "--p1", "takeone", "--p2", "takeone"])
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: plugin distribution 'varena-buggy' failed: ")
    assert f"(in {where}, varena_buggy.py:" in line and "Traceback" not in result.output
    assert ("ZeroDivisionError" if where == "next_state" else "RuntimeError: solver broke (") in line


def test_a_bug_in_varena_itself_keeps_its_traceback(nim_host, monkeypatch):
    import varena.engine.play

    def broken(*args, **kwargs):
        raise RuntimeError("varena's own bug")

    monkeypatch.setattr(varena.engine.play, "play_game", broken)
    result = CliRunner().invoke(cli, ["play", "nim"])
    assert result.exit_code == 1 and isinstance(result.exception, RuntimeError)
