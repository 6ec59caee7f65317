"""TSPLIB reader/writer: distance functions, matrix formats, malformed files, real optima."""

from __future__ import annotations

import numpy as np
import pytest

from varena.engine.errors import FormatError
from varena.games import tsplib

DATA = tsplib.DATA  # shipped as package data
M = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], dtype=float)
FORMATS = {
    "FULL_MATRIX": "0 1 2 3\n1 0 4 5\n2 4 0 6\n3 5 6 0",
    "UPPER_ROW": "1 2 3\n4 5\n6",
    "LOWER_ROW": "1\n2 4\n3 5 6",
    "UPPER_DIAG_ROW": "0 1 2 3 0 4\n5 0 6 0",
    "LOWER_DIAG_ROW": "0 1 0 2 4 0 3 5 6 0",
    "UPPER_COL": "1 2 4 3 5 6",
    "LOWER_COL": "1 2 3 4 5 6",
    "UPPER_DIAG_COL": "0\n1 0\n2 4 0\n3 5 6 0",
    "LOWER_DIAG_COL": "0 1 2 3\n0 4 5\n0 6\n0",
}


def explicit(fmt: str, body: str) -> str:
    return (f"NAME: m4\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{body}\nEOF\n")


def coords(kind: str, pts: list[tuple[float, float]]) -> str:
    nodes = "\n".join(f"{i + 1} {x} {y}" for i, (x, y) in enumerate(pts))
    return (f"NAME : c\nCOMMENT : test (123)\nTYPE : TSP\nDIMENSION : {len(pts)}\n"
            f"EDGE_WEIGHT_TYPE : {kind}\nNODE_COORD_SECTION\n{nodes}\nEOF\n")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_explicit_format_gives_the_same_matrix(fmt):
    inst = tsplib.loads(explicit(fmt, FORMATS[fmt]))
    assert np.array_equal(inst.matrix, M)
    assert inst.tour_length(np.array([0, 1, 2, 3])) == 1 + 4 + 6 + 3
    again = tsplib.loads(tsplib.dumps(inst))  # the writer keeps the format
    assert again.edge_weight_format == fmt and np.array_equal(again.matrix, M)


@pytest.mark.parametrize("kind, a, b, expected", [
    ("EUC_2D", (0, 0), (3, 4), 5), ("EUC_2D", (0, 0), (1, 1), 1),  # nint(1.414) = 1
    ("EUC_2D", (0, 0), (1.5, 2), 3),  # nint(2.5) = 3
    ("CEIL_2D", (0, 0), (1, 1), 2),
    ("ATT", (0, 0), (10, 0), 4),  # sqrt(10) = 3.16, nint 3 < 3.16 so 4
    ("ATT", (0, 0), (0, 30), 10),  # sqrt(90) = 9.49, nint 9 < 9.49 so 10
    ("GEO", (0.0, 0.0), (0.0, 1.0), 112),  # one degree of longitude at the equator: 111.32 km
    ("GEO", (38.24, 20.42), (38.24, 20.42), 1),  # TSPLIB's formula: int(0 + 1.0) for two cities
    ("MAN_2D", (0, 0), (1.2, 2.1), 3), ("MAX_2D", (0, 0), (1.2, 2.6), 3),
])
def test_tsplib_distance_functions(kind, a, b, expected):
    inst = tsplib.loads(coords(kind, [a, b, (0, 0)]))
    assert inst.problem().d(0, 1) == expected


def test_coordinates_round_trip_through_the_writer(tmp_path):
    pts = [(1.25, 2.0), (3.0, -4.5), (1e-3, 7.0)]
    inst = tsplib.loads(coords("EUC_2D", pts))
    path = tmp_path / "c.tsp"
    tsplib.write(inst, path)
    again = tsplib.read(path)
    assert np.array_equal(again.coords, np.array(pts)) and again.comments == ("test (123)",)
    tsplib.write_tour(tmp_path / "c.tour", np.array([2, 0, 1]), "c.tour")
    assert tsplib.read_tour(tmp_path / "c.tour").tolist() == [2, 0, 1]


@pytest.mark.parametrize("text, line, message", [
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "2 1 x"), 8, "not a number|'node x y'"),
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "2 1"), 8, "expected 'node x y'"),
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "1 1 1"), 8, "node 1 given twice"),
    (coords("EUC_3D", [(0, 0)]), 5, "EUC_3D is not supported"),
    ("NAME: x\nNODE_COORD_SECTION\n1 0 0\n", 2, "before DIMENSION"),
    (explicit("UPPER_ROW", "1 2 3\n4 5"), 9, "section ends after 5 numbers, of 6"),
    (explicit("UPPER_ROW", "1 2 3\n4 5").replace("EOF\n", ""), 8, "file ends after 5 numbers, of 6"),
    (explicit("UPPER_ROW", "1 2 3\n4 5 q"), 8, "'q' is not a number"),
    (explicit("FULL_MATRIX", "0 1 2 3\n1 0 4 5\n2 4 0 6\n3 5 7 0"), 6, "not symmetric"),
    (explicit("UPPER_ROW", "1 2 3 4 5 6 7"), 7, "more than the 6 numbers"),
    ("NAME: x\nTYPE: ATSP\nDIMENSION: 3\n", 2, "ATSP is not supported"),
    ("NAME x\n", 1, "expected 'KEYWORD : value'"),
    # non-finite or huge numbers used to crash scipy or overflow to a negative tour length
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "2 nan 1"), 8, r"-1e\+09\.\.1e\+09"),
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "2 1e300 1"), 8, "coordinates in"),
    (coords("EUC_2D", [(0, 0), (1, 1)]).replace("2 1 1", "2 1 inf"), 8, "coordinates in"),
    (explicit("UPPER_ROW", "1 2 3\n4 5 1e23"), 8, "'1e23' is not a number in"),
    # an absurd DIMENSION used to allocate before reading (MemoryError, ValueError)
    (coords("EUC_2D", [(0, 0)]).replace("DIMENSION : 1", "DIMENSION : 99999999999999999999"), 8,
     "file ends before all 99999999999999999999 nodes"),
    (explicit("FULL_MATRIX", "0 1").replace("DIMENSION: 4", "DIMENSION: 200000000"), 6, "file too short"),
])
def test_malformed_files_name_the_line(text, line, message):
    with pytest.raises(FormatError, match=rf"<string>:{line}: .*({message})"):
        tsplib.loads(text)


@pytest.mark.parametrize("body, message", [
    ("1 2 2 -1", "city 2 visited twice"), ("1 2 5 -1", "out of range 1..3"), ("1 2 -1", "has 2 cities"),
])
def test_malformed_tours_are_rejected(body, message):
    with pytest.raises(FormatError, match=message):
        tsplib.loads_tour(f"NAME: t\nTYPE: TOUR\nDIMENSION: 3\nTOUR_SECTION\n{body}\nEOF\n")


def test_best_known_sources(tmp_path):
    text = coords("EUC_2D", [(0, 0), (3, 4), (6, 0)])
    (tmp_path / "a.tsp").write_text(text)
    assert tsplib.best_known(tmp_path / "a.tsp") == (123.0, "COMMENT")
    (tmp_path / "bestSolutions.txt").write_text("a : 17\nb : 3\n")
    assert tsplib.best_known(tmp_path / "a.tsp") == (17.0, "bestSolutions.txt")
    tsplib.write_tour(tmp_path / "a.opt.tour", np.array([0, 1, 2]))
    assert tsplib.best_known(tmp_path / "a.tsp") == (16.0, "a.opt.tour")
    (tmp_path / "c.tsp").write_text(text.replace("COMMENT : test (123)\n", ""))
    assert tsplib.best_known(tmp_path / "c.tsp") == (None, "")
    with pytest.raises(FormatError, match="cannot read"):
        tsplib.read(tmp_path / "missing.tsp")


def test_every_optimal_tour_scores_its_published_length():
    published = {}
    for line in (DATA / "bestSolutions.txt").read_text().splitlines():
        name, sep, value = line.partition(":")
        if sep:
            published[name.strip()] = float(value)
    tours = sorted(DATA.glob("*.opt.tour"))
    assert len(tours) >= 30
    for tour_path in tours:
        name = tour_path.name[: -len(".opt.tour")]
        inst = tsplib.read(DATA / f"{name}.tsp")
        length = inst.tour_length(tsplib.read_tour(tour_path, inst.dimension))
        assert length == published[name], f"{name}: {length} != {published[name]}"


def test_every_instance_reads():
    kinds = set()
    for path in sorted(DATA.glob("*.tsp")):
        inst = tsplib.read(path)
        kinds.add((inst.edge_weight_type, inst.edge_weight_format))
        assert (inst.coords if inst.matrix is None else inst.matrix).shape[0] == inst.dimension
    assert {"EUC_2D", "CEIL_2D", "ATT", "GEO", "EXPLICIT"} <= {k for k, _ in kinds}


def test_one_city_instance_solves(tmp_path):
    # a DIMENSION 1 file is valid TSPLIB; 2-opt's neighbour lists used to crash on it
    from varena.solvers.tsp_local import local_search

    prob = tsplib.loads(coords("EUC_2D", [(5, 5)])).problem()
    assert prob.neighbours(10).shape == (1, 0)
    assert local_search(prob, np.zeros(1, np.int64)).tolist() == [0]
