"""``varena solve`` on a TSPLIB file and on random instances."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from varena.engine.cli import cli
from varena.games import tsplib
from varena.tournaments.solve import solve

cli.add_command(solve)

POINTS = [(0, 0), (30, 0), (30, 40), (0, 40), (15, 20)]


def write_instance(tmp_path, with_opt: bool):
    inst = tsplib.TsplibInstance("five", 5, "EUC_2D", coords=np.array(POINTS, dtype=float),
                                 comments=("optimal length (130)",))
    tsplib.write(inst, tmp_path / "five.tsp")
    if with_opt:
        tsplib.write_tour(tmp_path / "five.opt.tour", np.array([0, 1, 4, 2, 3]))
    return tmp_path / "five.tsp"


def test_solve_a_tsplib_file(tmp_path):
    path = write_instance(tmp_path, with_opt=True)
    out = tmp_path / "found.tour"
    result = CliRunner().invoke(cli, ["solve", "tsp", "--solver", "2opt", "--instance", str(path),
                                      "--tour-out", str(out)])
    assert result.exit_code == 0, result.output
    # the box's perimeter is 140; the centre costs 25 + 25 - 40 = 10 more at best
    assert "tour length 150; best known 150 (five.opt.tour), gap +0.000%" in result.output
    assert sorted(tsplib.read_tour(out).tolist()) == list(range(5))


def test_solve_a_file_with_a_comment_as_best_known(tmp_path):
    path = write_instance(tmp_path, with_opt=False)
    result = CliRunner().invoke(cli, ["solve", "tsp", "--solver", "nearest_neighbour", "--instance",
                                      str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["best_known"] == 130 and data["best_known_from"] == "COMMENT"


def test_solve_random_instances():
    result = CliRunner().invoke(cli, ["solve", "tsp:n=10", "--solver", "insertion", "--seed", "1",
                                      "--count", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["count"] == 5 and data["mean"]["gap"] >= 0 and data["seconds_per_instance"] > 0
    text = CliRunner().invoke(cli, ["solve", "convex_hull:n=10", "--solver", "reference", "--count", "2"])
    assert "mean accuracy: 100.000%" in text.output and "time per instance" in text.output


def test_errors_are_one_line(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["solve", "tsp", "--solver", "reference", "--instance",
                              str(write_instance(tmp_path, False))])
    assert bad.exit_code == 2 and "not a TSP solver" in bad.output
    missing = runner.invoke(cli, ["solve", "tsp", "--solver", "2opt", "--instance", str(tmp_path / "x.tsp")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    wrong = runner.invoke(cli, ["solve", "sorting", "--solver", "2opt"])
    assert wrong.exit_code == 2 and "does not support" in wrong.output
