"""``varena solve``: run a solver on a TSPLIB file or on random instances of a problem.

    varena solve tsp --solver 2opt --instance eil51.tsp
    varena solve tsp:n=50 --solver insertion --seed 1 --count 100

On a file: the tour length by TSPLIB's distance function and the gap to the best known
length (from NAME.opt.tour beside it, bestSolutions.txt, or a COMMENT). On random
instances: the mean of each metric of the problem (for TSP: length, reference length, gap),
and the solver's time per instance. Heavy modules load inside the command.
"""

from __future__ import annotations

import json
import time

import click

from varena.engine.cli import SEED


@click.command("solve")
@click.argument("problem")
@click.option("--solver", "solver_spec", required=True, help="Solver spec, e.g. 2opt or insertion:rule=nearest.")
@click.option("--instance", "instance_path", type=click.Path(dir_okay=False), default=None,
              help="A TSPLIB .tsp file to solve, or the name of a shipped instance (eil51); TSP only.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed for instances and solver.")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Random instances to solve.")
@click.option("--reference/--no-reference", default=True, show_default=True,
              help="Compute the reference solution for gaps (TSP n > 13 needs elkai).")
@click.option("--tour-out", type=click.Path(dir_okay=False), default=None,
              help="With --instance: write the tour found as a TSPLIB tour file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def solve(problem: str, solver_spec: str, instance_path: str | None, seed: int, count: int,
          reference: bool, tour_out: str | None, as_json: bool) -> None:
    """Solve PROBLEM (a spec such as tsp:n=50) with a solver; print quality and time."""
    if instance_path is not None:
        result = _solve_file(problem, solver_spec, instance_path, seed, tour_out)
        if as_json:
            click.echo(json.dumps(result))
            return
        best = result["best_known"]
        gap = (f"best known {best:g} ({result['best_known_from']}), gap {100 * result['gap']:+.3f}%"
               if best is not None else "best known: unknown")
        click.echo(f"{result['name']} (n={result['n']}, {result['edge_weight_type']}): "
                   f"tour length {result['length']:g}; {gap}; {result['seconds']:.3f} s")
        return
    result = _solve_random(problem, solver_spec, seed, count, reference)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['game']} with {result['solver']}: {count} instance(s), seed {seed}")
    for key, value in result["mean"].items():
        shown = f"{100 * value:.3f}%" if key in ("gap", "accuracy", "coverage", "precision",
                                                 "area_coverage") else f"{value:.6g}"
        click.echo(f"  mean {key}: {shown}")
    if result.get("note"):
        click.echo(f"  note: {result['note']}")
    click.echo(f"  time per instance: {1000 * result['seconds_per_instance']:.2f} ms")


def _solve_file(problem: str, solver_spec: str, path: str, seed: int, tour_out: str | None) -> dict:
    from varena.engine.errors import SpecError
    from varena.engine.host import get_host
    from varena.engine.params import bind, parse_spec
    from varena.games import tsplib
    from varena.solvers.classical import TspSolver

    if parse_spec(problem).name != "tsp":
        raise SpecError(f"--instance takes TSPLIB files, which are TSP instances; got problem {problem!r}")
    spec = parse_spec(solver_spec)
    cls = get_host().solver_class(spec.name)
    if not issubclass(cls, TspSolver):
        raise SpecError(f"solver {spec.name!r} cannot solve a TSPLIB file (it is not a TSP solver)")
    solver = cls(None, seed=seed, **bind(cls.params, dict(spec.args), f"solver {spec.name!r}"))
    path = str(tsplib.locate(path))  # a file, or a shipped instance by name: eil51
    inst = tsplib.read(path)
    prob = inst.problem()
    _warm_up(solver)
    start = time.perf_counter()
    tour = solver.tour(prob)
    seconds = time.perf_counter() - start
    length = prob.length(tour)
    best, source = tsplib.best_known(path)
    if tour_out:
        tsplib.write_tour(tour_out, tour, f"{inst.name}.tour", f"Length = {length:g} ({solver_spec})")
    return {"name": inst.name, "n": inst.dimension, "edge_weight_type": inst.edge_weight_type,
            "solver": solver_spec, "length": length, "best_known": best, "best_known_from": source,
            "gap": length / best - 1.0 if best else None, "seconds": seconds}


def _solve_random(problem: str, solver_spec: str, seed: int, count: int, reference: bool) -> dict:
    import numpy as np

    from varena.engine.api import Problem
    from varena.engine.errors import SpecError
    from varena.engine.host import get_host
    from varena.games.tsp_reference import EXACT_UP_TO, elkai_available

    host = get_host()
    game = host.make_game(problem)
    if not isinstance(game, Problem):
        raise SpecError(f"game {game.spec!r} is not a problem (a varena.engine.api.Problem "
                        "with instances and metrics); varena solve takes problems such as tsp")
    agent = host.make_agent(solver_spec, game, seed)
    note = ""
    if game.name == "tsp" and reference and game.n > EXACT_UP_TO and not elkai_available():
        reference = False
        note = f"no gap: the TSP reference above n={EXACT_UP_TO} needs elkai (pip install elkai)"
    # One uncounted instance first, so that loading compiled kernels is not timed.
    agent.select_actions(game.initial_state(np.random.default_rng(seed + 10**6))[None])
    rng = np.random.default_rng(seed)
    totals: dict[str, float] = {}
    seconds = 0.0
    for _ in range(count):
        state = game.initial_state(rng)
        while not game.outcome(state)[0]:
            start = time.perf_counter()
            action = int(agent.select_actions(state[None])[0])
            seconds += time.perf_counter() - start
            state = game.play(state, action)
        metrics = _metrics(game, state, reference)
        for key, value in metrics.items():
            totals[key] = totals.get(key, 0.0) + value
    return {"game": game.spec, "solver": solver_spec, "count": count, "seed": seed,
            "mean": {k: v / count for k, v in totals.items()},
            "seconds_per_instance": seconds / count, "note": note}


def _warm_up(solver) -> None:
    """Solve a tiny instance so that loading the compiled kernels is not timed."""
    import numpy as np

    from varena.games.tsp_distance import TspProblem

    try:
        solver.tour(TspProblem.euclidean(np.random.default_rng(0).random((8, 2))))
    except Exception:  # a solver that cannot do the tiny case still gets its real run
        pass


def _metrics(game, state, reference: bool) -> dict[str, float]:
    instance = game.instance(state)
    solution = game.solution(state)
    if game.name == "tsp":
        if not reference:
            from varena.games.tsp import tour_length

            return {"length": tour_length(instance, solution)}
        return game.evaluate(instance, solution)
    return game.evaluate(instance, solution)
