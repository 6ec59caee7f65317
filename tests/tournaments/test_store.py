import sqlite3

import pytest
from click.testing import CliRunner

from varena.engine.cli import full_cli


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE TABLE games (x)", "games: no such column: key"),
        ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
         "INSERT INTO meta VALUES ('schema_version', 'x')", "meta 'schema_version'"),
    ],
)
def test_a_foreign_or_damaged_database_is_one_line(tmp_path, sql, message):
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.executescript(sql)
    db.close()
    result = CliRunner().invoke(full_cli(), ["ratings", str(tmp_path)])
    assert result.exit_code == 2 and "not a varena results database" in result.output
    assert message in result.output and "Traceback" not in result.output, result.output


def test_a_damaged_row_names_its_game(tmp_path):
    from varena.tournaments.config import Config
    from varena.tournaments.runner import run

    config = Config(games=["gomoku:size=5,k=4"], agents={"a": "random", "b": "random"},
                    concurrency=1).validate()
    run(config, tmp_path).close()
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.execute("UPDATE games SET moves = '[1,' WHERE rowid = 1")
    db.commit()
    db.close()
    result = CliRunner().invoke(full_cli(), ["ratings", str(tmp_path)])
    assert result.exit_code == 2 and "game 'gomoku:size=5,k=4|a|b|0'" in result.output, result.output
