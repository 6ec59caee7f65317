import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from varena.engine.cli import full_cli
from varena.engine.errors import SpecError
from varena.tournaments.config import Config, load_config
from varena.tournaments.runner import run, schedule

GAME = "gomoku:size=5,k=4"
FAKE = Path(__file__).with_name("fake_engine.py")


def _config(**kw):
    base = dict(games=[GAME], agents={"random": "random", "r2": "random", "r3": "random"},
                games_per_pairing=4, concurrency=1, seed=7)
    return Config(**{**base, **kw}).validate()


def test_schedule_alternates_colours_and_shares_openings():
    tasks = schedule(_config())
    assert len(tasks) == 3 * 4 and len({t.key for t in tasks}) == 12
    pair = [t for t in tasks if "|random|r2|" in t.key]
    assert [(t.first, t.second) for t in pair] == [("random", "r2"), ("r2", "random")] * 2
    assert pair[0].opening == pair[1].opening and pair[2].opening == pair[3].opening
    assert len(pair[0].opening) == 2 and list(schedule(_config())) == list(tasks)  # deterministic


def test_gauntlet_pairs_the_first_agent_with_every_other():
    tasks = schedule(_config(format="gauntlet", games_per_pairing=2))
    assert {(t.first, t.second) for t in tasks} == {("random", "r2"), ("r2", "random"),
                                                    ("random", "r3"), ("r3", "random")}


def test_run_stores_every_game_and_sgf(tmp_path):
    store = run(_config(), tmp_path)
    rows = store.rows()
    assert len(rows) == 12 and all(r.reason == "end" for r in rows)
    assert all((tmp_path / r.record).read_text().startswith("(;GM[4]FF[4]") for r in rows)
    assert all(r.moves[:2] == r.opening for r in rows)
    assert rows[0].version and rows[0].first_spec == "random"


def test_interrupted_run_resumes_without_loss_or_double_count(tmp_path):
    seen = []

    def stop_after_five(row, done, total):
        seen.append(row.key)
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(_config(), tmp_path, on_result=stop_after_five)
    with pytest.raises(SpecError, match="already holds a tournament; use --resume"):
        run(_config(), tmp_path)
    with pytest.raises(SpecError, match="different tournament .*games_per_pairing"):
        run(_config(games_per_pairing=2), tmp_path, resume=True)
    rows = run(_config(), tmp_path, resume=True).rows()
    assert len(rows) == 12 and len({r.key for r in rows}) == 12
    assert [r.key for r in rows[:5]] == seen[:5]


def _start_and_wait(tmp_path, min_games):
    out = tmp_path / "t"
    fake = f'gomocup:cmd="{sys.executable} {FAKE} gomocup good"'  # slow enough to be caught
    args = [sys.executable, "-c", "from varena.engine.cli import main; main()", "tournament",
            "--game", "gomoku:size=9,k=5", "--agent", "random=random", "--agent", f"b={fake}",
            "--agent", "c=random", "--games", "16", "--concurrency", "2", "--out", str(out),
            "--seed", "1", "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = out / "results.sqlite"
    deadline = time.time() + 120
    count = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            try:
                count = sqlite3.connect(db).execute("SELECT COUNT(*) FROM games").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if count >= min_games:
                break
    assert proc.poll() is None, "the tournament finished before it could be stopped"
    return proc, args, db


def test_ctrl_c_stops_cleanly_and_resume_completes(tmp_path):
    proc, args, db = _start_and_wait(tmp_path, 3)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the whole group
    assert proc.wait(timeout=120) == 130
    rows = sqlite3.connect(db).execute("SELECT key FROM games").fetchall()
    assert 3 <= len(rows) < 48
    result = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and json.loads(result.stdout)["games_played"] == 48


def test_sigkill_in_the_middle_of_a_parallel_tournament(tmp_path):
    proc, args, db = _start_and_wait(tmp_path, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = dict(sqlite3.connect(db).execute("SELECT key, moves FROM games").fetchall())
    assert 3 <= len(before) < 48
    result = subprocess.run(args + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = sqlite3.connect(db).execute("SELECT key, moves FROM games").fetchall()
    assert len(rows) == 48 and max(Counter(k for k, _ in rows).values()) == 1
    assert all(dict(rows)[k] == m for k, m in before.items())  # nothing rewritten
    report = json.loads(result.stdout)
    assert report["games_played"] == 48 and report["overall"]["ratings"][0]["games"] == 32


def test_cli_tournament_then_ratings(tmp_path):
    out = tmp_path / "cli"
    args = ["tournament", "--game", GAME, "--agent", "random=random", "--agent", "b=random",
            "--games", "2", "--concurrency", "1", "--out", str(out), "--json"]
    result = CliRunner().invoke(full_cli(), args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["games_played"] == 2
    for flag, check in (("--json", lambda t: json.loads(t)["overall"]["ratings"]),
                        ("--csv", lambda t: t.startswith("game,rank,name,elo")),
                        (None, lambda t: "Elo" in t)):
        res = CliRunner().invoke(full_cli(), ["ratings", str(out)] + ([flag] if flag else []))
        assert res.exit_code == 0 and check(res.output), res.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--game", GAME, "--agent", "a=random", "--agent", "b=nosuch"], "unknown solver 'nosuch'"),
        (["--game", GAME, "--agent", "a=random"], "needs at least 2 agents"),
        (["--game", GAME, "--agent", "a=random", "--agent", "bad"], "expected NAME=SPEC"),
        (["--game", "gomoku:size=99", "--agent", "a=random", "--agent", "b=random"], "integer 3..25"),
        (["--game", GAME, "--agent", "a=random", "--agent", "g=gtp:cmd=gnugo"],
         "agent 'g' (gtp:cmd=gnugo) cannot play"),
    ],
)
def test_bad_tournaments_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(full_cli(), ["tournament", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_toml_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("games = [\n")
    result = CliRunner().invoke(full_cli(), ["tournament", str(bad)])
    assert result.exit_code == 2 and "not valid TOML" in result.output
    bad.write_text('games = ["gomoku"]\nplayers = 3\n')
    with pytest.raises(SpecError, match="unknown key 'players'"):
        load_config(bad)


def test_sprt_command_runs_and_decides():
    result = CliRunner().invoke(full_cli(), ["sprt", "--game", GAME, "--base", "random", "--test", "random",
                                      "--elo1", "300", "--max-pairs", "30", "--concurrency", "1"])
    assert result.exit_code == 0, result.output
    assert "LLR" in result.output and ("accepted" in result.output or "no decision" in result.output)


def test_leaderboard_runs_every_solver_on_the_same_instances(tmp_path):
    config = Config(games=["tsp:n=8"], agents={"nn": "nearest_neighbour", "exact": "held_karp",
                                                "random": "random"},
                    format="leaderboard", instances=4, concurrency=1, seed=3).validate()
    rows = run(config, tmp_path).rows()
    assert len(rows) == 12
    by = {}
    for r in rows:
        by.setdefault(r.first, []).append(r)
    # same instances: every solver's reference length matches instance by instance
    refs = [[r.extra["reference_length"] for r in by[name]] for name in ("nn", "exact", "random")]
    assert refs[0] == refs[1] == refs[2]
    assert all(abs(r.extra["gap"]) < 1e-9 for r in by["exact"])
    assert all(r.extra["gap"] >= -1e-9 for r in rows)
    from varena.tournaments.report import leaderboard_report

    board = leaderboard_report(rows)["tsp:n=8"]
    assert board[0]["solver"] == "exact" and board[-1]["solver"] == "random"


def test_round_robin_on_a_problem_points_to_leaderboard(tmp_path):
    with pytest.raises(SpecError, match="use --format leaderboard"):
        schedule(_config(games=["tsp:n=8"]))


def test_per_move_limits_reach_the_agents(tmp_path):
    config = _config(agents={"random": "random", "m": "mcts:sims=999,c=0.5"}, games_per_pairing=2,
                     sims=20, move_time=0.05)
    tasks = schedule(config)
    specs = {t.first: t.first_spec for t in tasks} | {t.second: t.second_spec for t in tasks}
    assert specs == {"random": "random", "m": "mcts:c=0.5,sims=20"}
    assert all(t.move_time == 0.05 for t in tasks)
    rows = run(config, tmp_path).rows()
    assert len(rows) == 2 and all(r.reason == "end" for r in rows)
    with pytest.raises(SpecError, match="move_time=0 is not accepted"):
        _config(move_time=0)


def test_a_rejected_tournament_leaves_its_folder_free(tmp_path):
    with pytest.raises(SpecError, match="unknown solver"):
        run(_config(agents={"a": "random", "b": "nosuch"}), tmp_path)
    assert len(run(_config(games_per_pairing=2), tmp_path).rows()) == 6


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('agents = ["a"]', "agents must be a table"),
        ('seed = "x"', "seed='x' is not accepted"),
        ("seed = -1", "seed=-1 is not accepted; accepted: integer 0..4294967295"),
        ("concurrency = true", "concurrency=True is not accepted"),
        ("move_time = true", "move_time=True is not accepted"),
        ("out = 4", "out=4 is not accepted"),
        ("openings_file = 3", "openings_file=3 is not accepted"),
    ],
)
def test_toml_with_wrong_types_is_one_line(tmp_path, body, message):
    config = tmp_path / "c.toml"
    config.write_text(f'games = ["{GAME}"]\n{body}\n' + ("" if "agents" in body else
                                                          '[agents]\na = "random"\nb = "random"\n'))
    result = CliRunner().invoke(full_cli(), ["tournament", str(config)])
    assert result.exit_code == 2 and message in result.output, result.output
    config.write_bytes(b"\xff\xfe")
    result = CliRunner().invoke(full_cli(), ["tournament", str(config)])
    assert result.exit_code == 2 and "not valid TOML" in result.output, result.output


def test_an_odd_games_per_pairing_spreads_the_extra_first_move():
    tasks = schedule(_config(games_per_pairing=1))
    assert Counter(t.first for t in tasks) == {"random": 1, "r2": 1, "r3": 1}
    tasks = schedule(_config(games_per_pairing=3))
    assert sorted(Counter(t.first for t in tasks).values()) == [3, 3, 3]


def test_the_same_game_given_twice_is_refused():
    with pytest.raises(SpecError, match="given twice"):
        schedule(_config(games=[GAME, "gomoku:k=4,size=5"]))


def test_an_openings_file_that_is_not_text_is_one_line(tmp_path):
    bad = tmp_path / "openings.txt"
    bad.write_bytes(b"\xff\xfe c3\n")
    with pytest.raises(SpecError, match="not UTF-8 text"):
        schedule(_config(openings_file=str(bad)))


def test_a_game_that_raises_is_logged_and_the_tournament_goes_on(tmp_path, monkeypatch, caplog):
    import varena.tournaments.runner as runner

    real = runner.play_task

    def flaky(task):
        if task.key.endswith("|1"):
            raise RuntimeError("agent bug")
        return real(task)

    monkeypatch.setattr(runner, "play_task", flaky)
    rows = run(_config(games_per_pairing=2), tmp_path).rows()
    assert len(rows) == 3 and "agent bug" in caplog.text
    monkeypatch.setattr(runner, "play_task", real)
    assert len(run(_config(games_per_pairing=2), tmp_path, resume=True).rows()) == 6
