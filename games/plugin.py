"""Entry point of the built-in games; each game module is imported only when games are needed."""

from varena.engine import hookimpl
from varena.engine.host import register_each

GAMES = (
    ("varena.games.gomoku", "Gomoku"),
    ("varena.games.tsp", "Tsp"),
    ("varena.games.convex_hull", "ConvexHull"),
    ("varena.games.delaunay", "Delaunay"),
    ("varena.games.sorting", "Sorting"),
    ("varena.games.go", "Go"),
)


@hookimpl
def varena_register_games(register):
    register_each(register, GAMES)
