"""Playing one game between agents, producing a record that observers and writers share."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from varena.engine.api import Agent, Game, as_solver
from varena.engine.errors import AgentError, IllegalMoveError


@dataclass(frozen=True, slots=True)
class GameRecord:
    """A finished (or stopped) game: what observers of ``varena_game_finished`` receive.

    ``returns`` holds the final value per player (+1 win, -1 loss, 0 draw for board games;
    the objective for one-player problems). ``reason`` is 'end' for a normal end, 'max_moves'
    when the move limit stopped the game, or 'forfeit: ...' when an agent failed.
    """

    game: str
    players: tuple[str, ...]
    moves: tuple[int, ...]
    move_names: tuple[str, ...]
    returns: tuple[float, ...]
    result: str
    reason: str
    seed: int | None
    seconds: float
    extra: dict = field(default_factory=dict)


def play_game(
    game: Game,
    agents: list[Agent],
    *,
    names: list[str] | None = None,
    seed: int | None = None,
    max_moves: int | None = None,
    opening: list[int] | tuple[int, ...] = (),
    on_move=None,
) -> tuple[GameRecord, np.ndarray]:
    """Play one game; ``agents[i]`` plays player ``i``. Returns the record and final state.

    ``opening`` actions are played first by the referee (they count as moves of the game).
    An agent that answers an illegal move or fails (:class:`AgentError`: crash, hang,
    resignation) loses: the game stops and the record says why (the other gets +1).
    ``on_move(state, action)`` is called after each move; every agent's
    :meth:`varena.engine.api.Solver.observe_move` learns of every move (a plain
    :class:`Agent` is played as a Solver whose hooks do nothing). The caller fires
    ``varena_game_finished`` with the record, where the game is committed.
    """
    if len(agents) != game.num_players:
        raise ValueError(f"{game.spec} needs {game.num_players} agent(s), got {len(agents)}")
    names = names or [f"player{i + 1}" for i in range(len(agents))]
    solvers = [as_solver(a, game) for a in agents]
    for solver in solvers:
        solver.reset()
    limit = game.max_moves if max_moves is None else max_moves
    state = game.initial_state(np.random.default_rng(seed))
    moves: list[int] = []
    reason = "end"
    forfeit: int | None = None
    start = time.perf_counter()
    for action in opening:
        state = game.play(state, int(action))
        moves.append(int(action))
        for solver in solvers:
            solver.observe_move(int(action))
        if on_move is not None:
            on_move(state, int(action))
    while not game.outcome(state)[0]:
        if len(moves) >= limit:
            reason = "max_moves"
            break
        player = game.to_play(state)
        try:
            action = int(solvers[player].select_actions(state[None])[0])
            state = game.play(state, action)
        except IllegalMoveError as exc:
            reason, forfeit = f"forfeit: {names[player]} played an illegal move ({exc})", player
            break
        except AgentError as exc:
            what = "resigned" if exc.resigned else f"failed ({exc})"
            reason, forfeit = f"forfeit: {names[player]} {what}", player
            break
        moves.append(action)
        for solver in solvers:
            solver.observe_move(action)
        if on_move is not None:
            on_move(state, action)
    seconds = time.perf_counter() - start
    if forfeit is not None:
        returns = np.full(game.num_players, 1.0)
        returns[forfeit] = -1.0
        result = f"{names[1 - forfeit]} wins by forfeit" if game.num_players == 2 else "forfeit"
    elif reason == "max_moves":
        returns = np.zeros(game.num_players)
        result = f"stopped after {limit} moves"
    else:
        returns = game.returns(state)
        result = game.result_text(state)
    record = GameRecord(
        game=game.spec,
        players=tuple(names),
        moves=tuple(moves),
        move_names=tuple(game.action_name(a) for a in moves),
        returns=tuple(float(r) for r in returns),
        result=result,
        reason=reason,
        seed=seed,
        seconds=seconds,
    )
    return record, state
