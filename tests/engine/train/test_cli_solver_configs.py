"""``varena train NAME`` finds the configs solvers ship in their own package (item 3 of
issue 15): bare names, ``PACKAGE/NAME``, the listing, and one clear error otherwise."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from click.testing import CliRunner

from varena.engine.cli import full_cli
from varena.engine.errors import SpecError
from varena.engine.train import cli as train_cli
from varena.engine.train.cli import known_configs, listed_names, read_config, solver_configs


def _package_text(package: str, name: str) -> str:
    return (resources.files(package) / "configs" / f"{name}.toml").read_text(encoding="utf-8")


def test_solver_packages_configs_are_found_by_name():
    solvers = solver_configs()
    assert {"set2seq/sort", "set2seq/sort_free", "ptrnet/hull", "ptrnet/tsp20"} <= set(solvers)
    stem, text, parsed = read_config("sort")
    assert stem == "sort" and text == _package_text("varena.solvers.set2seq", "sort")
    assert parsed["solver"] == "set2seq"
    stem, text, parsed = read_config("ptrnet/hull")
    assert stem == "hull" and parsed == tomllib.loads(_package_text("varena.solvers.ptrnet", "hull"))
    # the engine's own configs still come first and unchanged
    assert read_config("tictactoe")[1] == train_cli.shipped_configs()["tictactoe"]


def test_a_name_two_solvers_ship_needs_its_package(monkeypatch):
    monkeypatch.setattr(train_cli, "solver_configs",
                        lambda: {"a/same": 'solver = "set2seq"\n', "b/same": 'solver = "ptrnet"\n',
                                 "a/tictactoe": 'solver = "set2seq"\n'})
    known = known_configs()
    assert "same" not in known and {"a/same", "b/same"} <= set(known)
    assert known["tictactoe"] == train_cli.shipped_configs()["tictactoe"]  # the engine's wins
    assert {"a/same", "b/same", "a/tictactoe", "tictactoe"} <= set(listed_names(known))
    with pytest.raises(SpecError, match="shipped by several solvers; name one of: a/same, b/same"):
        read_config("same")
    assert read_config("b/same")[2] == {"solver": "ptrnet"}


def test_an_unknown_name_is_one_line_listing_every_known_name(tmp_path):
    out = tmp_path / "r"
    r = CliRunner().invoke(full_cli(), ["train", "sortt", "--out", str(out)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no shipped config of that name" in lines[0]
    for name in ("tictactoe", "sort", "sort_free", "hull", "tsp20"):
        assert name in lines[0].split("shipped: ")[1].split(", ")
    assert not out.exists()


def test_the_listing_names_solver_configs_once():
    r = CliRunner().invoke(full_cli(), ["train", "--list"])
    assert r.exit_code == 0, r.output
    names = [ln.split()[0] for ln in r.output.splitlines() if ln.strip()]
    assert {"tictactoe", "sort", "sort_free", "hull"} <= set(names)
    assert "set2seq/sort" not in names and len(names) == len(set(names))


def test_varena_train_runs_a_solver_config_by_name(tmp_path):
    out = tmp_path / "run"
    r = CliRunner().invoke(full_cli(), ["train", "sort", "--out", str(out), "--quiet",
                                        "--device", "cpu", "--max-steps", "1"])
    assert r.exit_code == 0, r.output
    assert (out / "latest.json").is_file()
    assert (out / "config.toml").read_text(encoding="utf-8") == _package_text(
        "varena.solvers.set2seq", "sort")
