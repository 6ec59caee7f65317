"""Hostile TSPLIB files: the reader refuses a file in one line, or every solver returns a
valid tour of finite length for it; shipped instances are found by name."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from tests.fuzzing import FAST, LONG, mutate
from varena.engine.errors import FormatError, VarenaError
from varena.engine.host import get_host
from varena.engine.params import bind
from varena.games import tsplib
from varena.games.tsp_reference import elkai_available

SOLVERS = ["nearest_neighbour", "insertion", "2opt", "held_karp"] + (["lkh"] if elkai_available() else [])

SEEDS = [
    "NAME: a\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
    "EDGE_WEIGHT_SECTION\n0 3 4 5\n3 0 6 7\n4 6 0 8\n5 7 8 0\nEOF\n",
    "NAME: b\nTYPE: TSP\nCOMMENT: five (19)\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\n"
    "NODE_COORD_SECTION\n1 0 0\n2 10 0\n3 10 10\n4 0 10\n5 5 5\nEOF\n",
    "NAME: c\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n"
    "EDGE_WEIGHT_SECTION\n1 2 3 4\n4 5 6\n6 7\n8\nEOF\n",
    "NAME: d\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: GEO\nNODE_COORD_SECTION\n1 38.24 20.42\n"
    "2 39.57 26.15\n3 40.56 25.32\n4 36.26 23.12\nEOF\n",
    "NAME: e\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: ATT\nNODE_COORD_SECTION\n1 6734 1453\n"
    "2 2233 10\n3 5530 1424\n4 401 841\nEOF\n",
]


@pytest.fixture(scope="module")
def solvers():
    host = get_host()
    return [(n, host.solver_class(n)(None, seed=0, **bind(host.solver_class(n).params, {}, n)))
            for n in SOLVERS]


def test_negative_weights_are_refused():
    text = SEEDS[0].replace("0 3 4 5\n3 0", "0 -1 4 5\n-1 0")
    with pytest.raises(FormatError, match=r":7: EDGE_WEIGHT_SECTION \(FULL_MATRIX\): weight -1 is negative"):
        tsplib.loads(text)


def test_lkh_takes_any_name_and_comment(solvers):
    if not elkai_available():
        pytest.skip("elkai is not installed")
    text = SEEDS[1].replace("NAME: b", "NAME: ").replace("COMMENT: five (19)", "COMMENT: ] : EOF")
    prob = tsplib.loads(text).problem()
    lkh = dict(solvers)["lkh"]
    assert sorted(lkh.tour(prob).tolist()) == list(range(5))


def test_reader_refuses_devices_and_fifos(tmp_path):
    os.mkfifo(tmp_path / "f.tsp")
    for path in ("/dev/zero", tmp_path / "f.tsp", tmp_path):
        with pytest.raises(FormatError, match="not a regular file"):
            tsplib.read(path)


def test_shipped_instances_by_name():
    assert {"eil51", "att48", "ulysses16", "a280"} <= set(tsplib.shipped())
    assert tsplib.locate("eil51") == tsplib.DATA / "eil51.tsp"
    assert tsplib.locate("eil51.tsp") == tsplib.DATA / "eil51.tsp"
    with pytest.raises(FormatError, match="no shipped TSPLIB instance of that name; shipped: a280"):
        tsplib.locate("nosuch")
    assert tsplib.best_known(tsplib.locate("eil51")) == (426.0, "eil51.opt.tour")


@pytest.mark.skipif(not elkai_available(), reason="elkai is not installed")
def test_varena_solve_eil51_with_lkh_prints_426(tmp_path, monkeypatch):
    from varena.engine.cli import cli
    from varena.tournaments.solve import solve

    cli.add_command(solve)
    monkeypatch.chdir(tmp_path)  # the name is found from any folder
    result = CliRunner().invoke(cli, ["solve", "tsp", "--instance", "eil51", "--solver", "lkh"])
    assert result.exit_code == 0 and "tour length 426;" in result.output, result.output


def _check(data: bytes, solvers) -> None:
    try:
        inst = tsplib.loads(data.decode("latin-1"))
    except FormatError as exc:
        assert "\n" not in str(exc)
        return
    if inst.dimension > 500:
        return
    prob = inst.problem()
    for name, solver in solvers:
        if name == "held_karp" and inst.dimension > 12:
            continue
        try:
            tour = np.asarray(solver.tour(prob))
        except VarenaError:
            continue
        assert sorted(tour.tolist()) == list(range(inst.dimension)), (name, tour)
        assert np.isfinite(prob.length(tour)), name


@FAST
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_tsplib_fuzz(solvers, seed_text, rng):
    logging.disable(logging.WARNING)  # unknown keywords are logged: thousands of lines
    try:
        _check(mutate(seed_text.encode(), rng), solvers)
    finally:
        logging.disable(logging.NOTSET)


@pytest.mark.slow
@pytest.mark.fuzz
@LONG
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_tsplib_fuzz_long(solvers, seed_text, rng):
    logging.disable(logging.WARNING)
    try:
        _check(mutate(seed_text.encode(), rng, 8), solvers)
    finally:
        logging.disable(logging.NOTSET)
