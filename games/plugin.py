"""Entry point of the built-in games; each game module is imported only when games are needed."""

from engine import hookimpl
from engine.host import register_each

GAMES = (
    ("games.gomoku", "Gomoku"),
    ("games.tsp", "Tsp"),
    ("games.convex_hull", "ConvexHull"),
    ("games.delaunay", "Delaunay"),
    ("games.sorting", "Sorting"),
    ("games.go", "Go"),
)


@hookimpl
def varena_register_games(register):
    register_each(register, GAMES)
