"""``varena compile``: fill Numba's on-disk cache once, as a visible install step.

Numba compiles a kernel or a search entry point the first time it is called and caches the
machine code on disk; without this step a fresh install pays that cost (seconds to a
minute per state dtype) in the middle of its first game. :func:`precompile` calls every
registered Numba game's kernels once on its start position, then makes one tiny move with
each compiled search agent (``mcts``, ``alphabeta``, ``alphavit``) on one game of each state
dtype the searches run in (:func:`varena.engine.compiling.search_dtype`), since the searches
are specialised per dtype, not per game. A search agent loads everything its search calls
(tree reuse included) when it is made, so making one move with each covers its whole path.
Later processes load the cached code (well under a second).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import click

log = logging.getLogger("varena.compile")

#: The search agents that compile per state dtype, with the cheapest spec that compiles
#: their whole path (rollouts; alpha-beta with rollouts and heuristic; network evaluator).
SEARCH_SPECS = ("mcts:sims=4", "mcts:sims=4,root=gumbel,gumbel_m=2", "alphabeta:depth=2",
                "alphavit:sims=4")


@dataclass(frozen=True, slots=True)
class Step:
    """One compile step: what was compiled, for which game, how long it took, any error."""

    what: str
    game: str
    seconds: float
    error: str | None = None


def precompile(host=None, searches: bool = True,
               progress: Callable[[str, Step | None], None] | None = None) -> list[Step]:
    """Compile (or load) the kernels of every registered Numba game and, with ``searches``,
    the compiled searches for each state dtype. ``progress(label, None)`` is called before
    each step and ``progress(label, step)`` after it. A failing step is reported in its
    :class:`Step` and the others still run."""
    import numpy as np

    from varena.engine.api import NumbaGame
    from varena.engine.compiling import search_dtype
    from varena.engine.host import get_host

    host = host or get_host()
    report = progress or (lambda label, step: step and log.info("%s: %.1f s", label, step.seconds))
    steps: list[Step] = []

    def run(label: str, what: str, game_name: str, work: Callable[[], object]) -> bool:
        report(label, None)
        t = time.perf_counter()
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
            step = Step(what, game_name, time.perf_counter() - t, f"{type(exc).__name__}: {exc}")
        else:
            step = Step(what, game_name, time.perf_counter() - t)
        steps.append(step)
        report(label, step)
        return step.error is None

    by_dtype: dict[np.dtype, object] = {}
    for name in sorted(host.games):
        cls = host.game_class(name)
        if not issubclass(cls, NumbaGame):
            continue
        made: list = []

        def kernels(name: str = name, made: list = made) -> None:
            made.append(host.make_game(name))
            _touch_kernels(made[0], made[0].initial_state())

        if run(f"kernels of {name}", "kernels", name, kernels):
            by_dtype.setdefault(search_dtype(made[0]), made[0])
    if searches:
        for dtype, game in by_dtype.items():
            for spec in SEARCH_SPECS:
                solver = spec.split(":")[0]
                if solver not in host.solvers or not host.solver_class(solver).supports(game):
                    continue

                def search(spec: str = spec, game=game) -> None:
                    host.make_agent(spec, game, 0).select_actions(game.initial_state()[None])

                run(f"{spec} for {dtype} states ({game.spec})", spec, game.spec, search)
    return steps


def _touch_kernels(game, state) -> None:
    """Call each kernel once (on copies), which compiles it or loads it from the cache."""
    import numpy as np

    k = game.kernels
    mask = np.zeros(game.num_actions, np.bool_)
    k.legal_mask(state, mask)
    out = state.copy()
    if mask.any():
        k.step(state, int(np.flatnonzero(mask)[0]), out)
    k.outcome(state)
    k.to_play(state)
    if k.playout is not None:
        k.playout(state.copy(), 0)
    if k.heuristic is not None:
        k.heuristic(state)
    try:  # Game declares tokens; one without a network encoding raises NotImplementedError
        game.tokens(state[None])
    except NotImplementedError:
        pass


@click.command("compile")
@click.option("--no-search", is_flag=True, help="only the games' kernels, not the searches")
def compile_command(no_search: bool) -> None:
    """Compile the games' Numba kernels and searches once (an install step; later runs
    load the cached code)."""
    start = time.perf_counter()
    click.echo("varena compile: compiling Numba code once for this machine (about a minute "
               "on a fresh install; seconds when already cached)", err=True)

    def progress(label: str, step: Step | None) -> None:
        if step is None:
            click.echo(f"  {label} ...", nl=False, err=True)
        else:
            click.echo(f" {step.seconds:.1f} s" if step.error is None else " failed", err=True)

    steps = precompile(searches=not no_search, progress=progress)
    failed = [s for s in steps if s.error]
    for s in failed:
        click.echo(f"  failed: {s.what} for {s.game}: {s.error}", err=True)
    click.echo(f"compiled {len(steps) - len(failed)} of {len(steps)} steps in "
               f"{time.perf_counter() - start:.1f} s")
    if failed:
        from varena.engine.errors import VarenaError

        raise VarenaError(f"varena compile: {len(failed)} of {len(steps)} steps failed "
                          "(listed above)")
