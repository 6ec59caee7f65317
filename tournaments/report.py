"""Ratings and leaderboards computed from stored games, as data, tables, JSON or CSV."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict

import numpy as np

from varena.tournaments.ratings import Result, ratings, score_matrix
from varena.tournaments.store import GameRow


def _results(rows: list[GameRow]) -> list[Result]:
    return [Result(r.first, r.second, r.score) for r in rows if r.second is not None]


def rating_report(rows: list[GameRow], anchor: str | None = "random", bootstrap: int = 200,
                  seed: int = 0) -> dict:
    """{"overall": {...}, "games": {spec: {...}}}; each part has ratings and a score matrix."""
    two = [r for r in rows if r.second is not None]
    by_game: dict[str, list[GameRow]] = defaultdict(list)
    for r in two:
        by_game[r.game].append(r)
    parts = {"overall": two} | {g: rs for g, rs in sorted(by_game.items())}
    report: dict = {"overall": None, "games": {}}
    for label, subset in parts.items():
        if not subset:
            continue
        res = _results(subset)
        table = ratings(res, anchor=anchor, bootstrap=bootstrap, seed=seed)
        names, frac, games = score_matrix(res)
        part = {
            "anchor": anchor if any(t.name == anchor for t in table) else "mean",
            "ratings": [
                {"rank": i + 1, "name": t.name, "elo": round(t.elo, 1),
                 "ci95": None if math.isnan(t.ci) else round(t.ci, 1), "games": t.games,
                 "score": round(t.score, 4), "wins": t.wins, "draws": t.draws, "losses": t.losses}
                for i, t in enumerate(table)
            ],
            "matrix": {"names": names,
                       "score": [[None if np.isnan(x) else round(float(x), 4) for x in row] for row in frac],
                       "games": games.astype(int).tolist()},
        }
        if label == "overall":
            report["overall"] = part
        else:
            report["games"][label] = part
    if len(report["games"]) == 1:  # one game: the overall table is the same table
        report["overall"] = next(iter(report["games"].values()))
    return report


def leaderboard_report(rows: list[GameRow]) -> dict:
    """Per game and solver: mean objective, mean gap to the reference, solved %, time."""
    groups: dict[tuple[str, str], list[GameRow]] = defaultdict(list)
    for r in rows:
        if r.second is None:
            groups[(r.game, r.first)].append(r)
    out: dict[str, list[dict]] = defaultdict(list)
    for (game, solver), rs in sorted(groups.items()):
        ok = [r for r in rs if r.reason == "end"]
        entry = {"solver": solver, "instances": len(rs), "finished": len(ok),
                 "objective": _mean([r.score for r in ok]),
                 "seconds": _mean([r.seconds for r in rs])}
        keys = sorted({k for r in ok for k in r.extra})
        for k in keys:
            entry[k] = _mean([r.extra[k] for r in ok if k in r.extra])
        out[game].append(entry)
    for entries in out.values():
        entries.sort(key=lambda e: -(e["objective"] if e["objective"] is not None else -math.inf))
    return dict(out)


def _mean(xs: list[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def to_csv(report: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["game", "rank", "name", "elo", "ci95", "games", "score", "wins", "draws", "losses"])
    parts = [("overall", report["overall"])] + list(report["games"].items())
    for label, part in parts:
        if part is None:
            continue
        for r in part["ratings"]:
            w.writerow([label, r["rank"], r["name"], r["elo"], r["ci95"], r["games"], r["score"],
                        r["wins"], r["draws"], r["losses"]])
    return buf.getvalue()


def print_report(report: dict, console) -> None:
    from rich.table import Table

    parts = list(report["games"].items())
    if report["overall"] is not None and len(parts) != 1:
        parts.append(("all games", report["overall"]))
    for label, part in parts:
        t = Table(title=f"{label} (Elo anchored at {part['anchor']})")
        for col in ("rank", "name", "Elo", "+/-", "games", "score %", "W/D/L"):
            t.add_column(col, justify="right" if col not in ("name",) else "left")
        for r in part["ratings"]:
            ci = "-" if r["ci95"] is None else f"{r['ci95']:.0f}"
            t.add_row(str(r["rank"]), r["name"], f"{r['elo']:.0f}", ci, str(r["games"]),
                      f"{100 * r['score']:.1f}", f"{r['wins']}/{r['draws']}/{r['losses']}")
        console.print(t)
        m = part["matrix"]
        mt = Table(title=f"{label}: score % of row against column")
        mt.add_column("")
        for n in m["names"]:
            mt.add_column(n, justify="right")
        for n, row in zip(m["names"], m["score"], strict=True):
            mt.add_row(n, *["-" if x is None else f"{100 * x:.0f}" for x in row])
        console.print(mt)


def print_leaderboard(board: dict, console) -> None:
    from rich.table import Table

    for game, entries in board.items():
        extras = sorted({k for e in entries for k in e} - {"solver", "instances", "finished",
                                                            "objective", "seconds"})
        t = Table(title=f"{game} leaderboard")
        for col in ["solver", "objective", *extras, "solved %", "s/instance"]:
            t.add_column(col, justify="left" if col == "solver" else "right")
        for e in entries:
            cells = [e["solver"], _fmt(e["objective"])] + [
                _pct(e.get(k)) if k == "gap" else _fmt(e.get(k)) for k in extras]
            cells += [f"{100 * e['finished'] / e['instances']:.0f}", f"{e['seconds']:.3f}"]
            t.add_row(*cells)
        console.print(t)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4g}"
