"""Hostile tournament configs and results databases: one line (exit 2), never a traceback,
a hang or a schedule built before it is refused; a damaged database is named as damaged."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from tests.fuzzing import FAST, LONG, LONG_IO, mutate
from varena.engine.cli import full_cli
from varena.engine.errors import VarenaError
from varena.tournaments.config import load_config
from varena.tournaments.runner import schedule
from varena.tournaments.store import Store

GAME = "gomoku:size=5,k=4"
BASE = f'games = ["{GAME}"]\n'
AGENTS = '[agents]\na = "random"\nb = "random"\nc = "random"\n'


def cli(*args: str):
    start = time.monotonic()
    result = CliRunner().invoke(full_cli(), list(args))
    assert time.monotonic() - start < 60
    return result


def one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.output.count("\n") == 1 and fragment in result.output, result.output


@pytest.mark.parametrize("body, fragment", [
    ('out = "FILE"', "exists and is not a folder"), ('out = "/dev/null"', "not a folder"),
    ('out = "/proc/self/nope/x"', "cannot create the folder"), ('out = "a\\u0000b"', "NUL"),
    ("games_per_pairing = 1000000001", "games_per_pairing=1000000001 is not accepted"),
    ('format = "leaderboard"\ninstances = 1000000001', "instances=1000000001"),
    ('openings_file = "/dev/zero"', "not a regular file"),
    ("concurrency = 1000000", "concurrency=1000000"),
    ("max_moves = 99999999999999999", "max_moves=99999999999999999"),
    ("sims = 9223372036854775807", "sims=9223372036854775807"),
    ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("seed = " + "9" * 30, "seed=999999999999999999999999999999 is not accepted"),
    ("seed = " + "9" * 5000, "not valid TOML"),
])
def test_bad_config_is_one_line(tmp_path, body, fragment):
    (tmp_path / "FILE").write_text("")
    os.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(BASE + body + "\n" + AGENTS)
    one_line_error(cli("tournament", str(config)), fragment)


@pytest.mark.parametrize("table, fragment", [
    ('[agents.g]\nspec = "random"\noptional = "false"\n', "optional='false' is not accepted"),
    ('[agents.g]\nspec = "random"\noptinal = true\n', "unknown key 'optinal'"),
])
def test_agent_tables_are_checked(tmp_path, table, fragment):
    config = tmp_path / "c.toml"
    config.write_text(BASE + AGENTS + table)
    one_line_error(cli("tournament", str(config)), fragment)


def test_a_thousand_agents_are_refused_at_once(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(BASE + "[agents]\n" + "".join(f'a{i} = "random"\n' for i in range(1000)))
    one_line_error(cli("tournament", str(config)), "1000 agents; accepted: up to 256")


def test_config_from_a_device_or_fifo_is_one_line(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")
    for path in ("/dev/zero", str(tmp_path / "fifo.toml")):
        one_line_error(cli("tournament", path), "not a regular file")


# -- fuzzing the config loader: only one-line errors, and fast -------------------------------
SEED_CONFIGS = [
    BASE + 'format = "round-robin"\ngames_per_pairing = 2\nopening_moves = 1\nseed = 3\n' + AGENTS,
    BASE + 'format = "gauntlet"\nmax_moves = 30\n[agents]\na = "random"\n[agents.m]\n'
           'spec = "mcts:sims=8"\noptional = true\n',
    'games = "sorting:n=4"\nformat = "leaderboard"\ninstances = 2\n[agents]\nr = "random"\n',
]


def _check_config(tmp_path, data: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    start = time.monotonic()
    try:
        config = load_config(path).validate()
        config.concurrency = 1
        schedule(config)
    except VarenaError as exc:
        assert "\n" not in str(exc), str(exc)
    assert time.monotonic() - start < 20


@FAST
@given(st.sampled_from(SEED_CONFIGS), st.randoms(use_true_random=False))
def test_config_fuzz(tmp_path_factory, seed_config, rng):
    _check_config(tmp_path_factory.mktemp("c"), mutate(seed_config.encode(), rng))


@pytest.mark.slow
@pytest.mark.fuzz
@LONG
@given(st.sampled_from(SEED_CONFIGS), st.randoms(use_true_random=False))
def test_config_fuzz_long(tmp_path_factory, seed_config, rng):
    _check_config(tmp_path_factory.mktemp("c"), mutate(seed_config.encode(), rng, 8))


# -- the results database ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def played(tmp_path_factory):
    out = tmp_path_factory.mktemp("played") / "t"
    result = CliRunner().invoke(full_cli(), [
        "tournament", "--game", GAME, "--agent", "a=random", "--agent", "b=random",
        "--games", "2", "--concurrency", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return out


def _copy(played, tmp_path):
    folder = tmp_path / "t"
    shutil.copytree(played, folder)
    return folder, folder / "results.sqlite"


@pytest.mark.parametrize("sql, fragment", [
    ("UPDATE meta SET value = '[1, 2]' WHERE key = 'config'", "meta 'config'"),
    ("UPDATE games SET first = x'00ff'", "first is a bytes"),
    ("UPDATE games SET result = CAST(x'ff' AS TEXT)", "decode"),
    ("UPDATE games SET moves = '" + "[" * 100_000 + "'", "game"),
    ("UPDATE games SET moves = '[" + "9" * 5000 + "]'", "game"),
    ("UPDATE games SET score = 'nan'", "score 'nan' is not a finite number"),
    ("UPDATE games SET score = 7", "not in 0..1"),
    ("UPDATE games SET extra = '[]'", "extra is not an object"),
    ("UPDATE games SET second_spec = NULL", "both be set"),
])
def test_damaged_database_is_one_line(played, tmp_path, sql, fragment):
    folder, db = _copy(played, tmp_path)
    con = sqlite3.connect(db)
    con.execute(sql)
    con.commit()
    con.close()
    one_line_error(cli("ratings", str(folder)), "damaged")
    one_line_error(cli("ratings", str(folder)), fragment)
    one_line_error(cli("tournament", "--game", GAME, "--agent", "a=random", "--agent", "b=random",
                       "--games", "2", "--concurrency", "1", "--out", str(folder), "--resume"),
                   "damaged")


def test_truncated_database_is_one_line(played, tmp_path):
    folder, db = _copy(played, tmp_path)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    result = cli("ratings", str(folder))
    one_line_error(result, "damaged")


def _check_db(folder) -> None:
    try:
        store = Store(folder / "results.sqlite")
        try:
            store.rows()
            store.stored_config()
        finally:
            store.close()
    except VarenaError as exc:
        assert "\n" not in str(exc)
        return
    result = cli("ratings", str(folder), "--json")
    assert result.exit_code in (0, 2), (result.output, result.exception)
    if result.exit_code == 0:
        json.loads(result.output)


VALUES = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(), st.binary(max_size=8),
                   st.text(max_size=8), st.sampled_from(["[]", "{}", "[1]", '{"a": "b"}', "[-1]",
                                                         '["x"]', "null", "1e999", "[[[[1]]]]"]))
COLUMNS = ["key", "game", "first", "second", "first_spec", "second_spec", "opening", "moves",
           "move_names", "result", "reason", "score", "extra", "seconds", "seed", "version"]


def _edit_db(played, tmp_path, edits) -> None:
    folder, db = _copy(played, tmp_path)
    con = sqlite3.connect(db)
    for column, value in edits:
        sql = ("UPDATE meta SET value = ? WHERE key = 'config'" if column == "config" else
               f"UPDATE games SET {column} = ? WHERE rowid = 1")
        try:
            con.execute(sql, (value,))
        except sqlite3.IntegrityError:  # NOT NULL: that damage cannot be written
            pass
    con.commit()
    con.close()
    _check_db(folder)


EDITS = st.lists(st.tuples(st.sampled_from(COLUMNS + ["config"]), VALUES), min_size=1, max_size=3)


@FAST
@given(EDITS)
def test_database_edit_fuzz(played, tmp_path_factory, edits):
    _edit_db(played, tmp_path_factory.mktemp("d"), edits)


@pytest.mark.slow
@pytest.mark.fuzz
@LONG_IO
@given(EDITS)
def test_database_edit_fuzz_long(played, tmp_path_factory, edits):
    _edit_db(played, tmp_path_factory.mktemp("d"), edits)


@FAST
@given(st.randoms(use_true_random=False))
def test_database_bytes_fuzz(played, tmp_path_factory, rng):
    folder, db = _copy(played, tmp_path_factory.mktemp("b"))
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    db.write_bytes(mutate(db.read_bytes(), rng, rounds=6))
    _check_db(folder)


def test_seeded_mutation_is_reproducible():
    assert mutate(b"abc" * 10, random.Random(1)) == mutate(b"abc" * 10, random.Random(1))
