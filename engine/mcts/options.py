"""Search options: one frozen dataclass, and the spec parameters that fill it.

Solvers built on the search (``mcts``, later ``alphavit``) declare ``SEARCH_PARAMS`` (or a
subset) so every MCTS agent spells its options the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from varena.engine.errors import SpecError
from varena.engine.params import Param


@dataclass(frozen=True, slots=True)
class MCTSOptions:
    """How to search; see ``SEARCH_PARAMS`` for each field's meaning and range."""

    sims: int = 400
    rule: str = "uct"
    c: float = 0.7
    c_base: float = 19652.0
    fpu: float = 0.25
    root: str = "plain"
    dirichlet_alpha: float = 10.0
    dirichlet_eps: float = 0.25
    gumbel_m: int = 16
    gumbel_c_visit: float = 50.0
    gumbel_c_scale: float = 1.0
    temperature: float = 0.0
    reuse: bool = True
    leaves: int = 1
    vloss: int = 1
    nodes: int = 0
    threads: int = 1

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MCTSOptions:
        """The options among ``config`` (other keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in config.items() if k in names})


SEARCH_PARAMS: tuple[Param, ...] = (
    Param("sims", int, 400, "simulations per move", 1, 10_000_000),
    Param("rule", str, "uct", "child selection below the root (and at it, for root=plain/"
          "dirichlet): uct (c*sqrt(ln N/n), unvisited first) or puct (AlphaZero)",
          choices=("uct", "puct")),
    Param("c", float, 0.7, "exploration constant (UCT c, or PUCT c_init); 0.7 measured best "
          "for rollout UCT on 9x9 Gomoku at 400 simulations", 0.0, 100.0),
    Param("c_base", float, 19652.0, "PUCT c_base: c grows as c + ln((N + c_base + 1) / c_base)",
          1.0, 1e9),
    Param("fpu", float, 0.25, "PUCT first-play urgency: an unvisited child counts as the parent's "
          "value minus this", -2.0, 2.0),
    Param("root", str, "plain", "root policy: plain, dirichlet (noise on root priors) or "
          "gumbel (Gumbel sequential halving, for few simulations)",
          choices=("plain", "dirichlet", "gumbel")),
    Param("dirichlet_alpha", float, 10.0, "total Dirichlet concentration, spread over the legal "
          "moves (alpha per move = this / legal moves)", 1e-6, 1e6),
    Param("dirichlet_eps", float, 0.25, "weight of the Dirichlet noise in the root priors", 0.0, 1.0),
    Param("gumbel_m", int, 16, "Gumbel: root actions considered at first", 1, 100_000),
    Param("gumbel_c_visit", float, 50.0, "Gumbel: c_visit of sigma(q)", 0.0, 1e6),
    Param("gumbel_c_scale", float, 1.0, "Gumbel: c_scale of sigma(q)", 0.0, 1e6),
    Param("temperature", float, 0.0, "move choice: 0 = most visited, T > 0 = sample N^(1/T)",
          0.0, 100.0),
    Param("reuse", bool, True, "keep the subtree of the position reached between moves"),
    Param("leaves", int, 1, "leaves per tree per evaluator call (virtual loss in between)", 1, 4096),
    Param("vloss", int, 1, "virtual visits (counted as losses) per pending leaf", 0, 1000),
    Param("nodes", int, 0, "node budget per tree (0: enough for one move's simulations; "
          "else at least 1 + the game's actions; when full, the search stops early and says so)",
          0, 2**31 - 1),
    Param("threads", int, 1, "threads searching trees in parallel (Numba prange)", 1, 256),
)


def check_options(o: MCTSOptions, owner: str = "mcts", game: Any = None) -> None:
    """Raise SpecError for option combinations the ranges alone do not catch (and, given
    the ``game``, a node budget too small to hold the root's children)."""
    if o.root == "dirichlet" and o.rule == "uct":
        raise SpecError(f"{owner}: root=dirichlet needs rule=puct (UCT ignores priors)")
    if o.nodes and o.nodes < 2:
        raise SpecError(f"{owner}: nodes={o.nodes} is not accepted; accepted: 0 or integer >= 2")
    # expansion is all or nothing: a pool that cannot hold the root and all its children
    # leaves the root without a move to choose
    if o.nodes and game is not None and o.nodes < 1 + game.num_actions:
        raise SpecError(f"{owner}: nodes={o.nodes} is too small for {game.spec} (the root and its "
                        f"{game.num_actions} children); accepted: 0 or integer >= {1 + game.num_actions}")
