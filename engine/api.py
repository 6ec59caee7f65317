"""The game and solver contract (DESIGN.md section 3) and the small value types they exchange.

A configured game is a sequential decision process for 1 or 2 players whose state is a flat
numpy vector of ``state_len`` items of ``state_dtype``; many states stack into a
``[B, state_len]`` array. A Numba game hands the tree search its jitted kernels
(:class:`Kernels`); a pure-Python game implements the same five methods in Python and works
everywhere except inside compiled search loops.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, runtime_checkable

import numpy as np

from varena.engine.errors import IllegalMoveError
from varena.engine.params import Param, Spec, bind

if TYPE_CHECKING:
    from varena.engine.play import GameRecord


class Kernels(NamedTuple):
    """The jitted (``numba.njit``) rule functions of a game.

    - ``step(state, action, out)``: write the successor of ``state`` into ``out``; ``out`` may
      be ``state`` itself. No legality check (callers use ``legal_mask``).
    - ``legal_mask(state, out)``: write a bool mask of length ``num_actions`` into ``out``.
    - ``outcome(state) -> (done, value)``: ``value`` is for the player to move, in [-1, 1]
      for two-player games (+1: the player to move has won); for one-player games it is the
      objective to maximise.
    - ``to_play(state) -> int``: index of the player to move (0 for one-player games).
    - ``playout(state, seed) -> float`` (optional): play ``state`` (modified in place) to the
      end with uniformly random legal moves; return the value for the player to move at the
      start. Searches use it for fast rollouts when present.
    - ``heuristic(state) -> float`` (optional): a static evaluation in [-1, 1] for the
      player to move, for depth-limited searches.
    """

    step: Any
    legal_mask: Any
    outcome: Any
    to_play: Any
    playout: Any = None
    heuristic: Any = None


@dataclass(frozen=True, slots=True)
class Tokens:
    """The network encoding of a batch of states.

    - ``features``: float32 ``[B, T, F]``, one row of features per token.
    - ``positions``: int32 ``[T, 2]`` (row, col) of each token on a board, -1 for tokens that
      are not board cells (pass); None for point sets, whose coordinates are features.
    - ``action_tokens``: int64 ``[A]``, the token each action points at, -1 when the action
      has no token of its own (a network then needs a learned special token for it).
    - ``globals``: float32 ``[B, G]``, inputs about the whole position (board size, komi,
      rule, side to move).
    """

    features: np.ndarray
    positions: np.ndarray | None
    action_tokens: np.ndarray
    globals: np.ndarray


class Game(ABC):
    """A configured game. Subclasses set the class attributes and implement the rule methods.

    Instances are created by the host from a spec (``gomoku:size=9``): the constructor gets
    every declared parameter as a keyword, already converted and range-checked, and must set
    ``state_len``, ``state_dtype``, ``num_actions`` and ``num_players``. It may raise
    :class:`varena.engine.errors.SpecError` for combinations that are invalid together.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()

    state_len: int
    state_dtype: np.dtype
    num_actions: int
    num_players: int
    #: The jitted kernels, or None for a game written in plain Python.
    kernels: Kernels | None = None
    #: Upper bound on the number of moves of any game (used to bound loops and buffers).
    max_moves: int = 10_000
    #: Number of symmetries of a position (1 = none but the identity).
    num_symmetries: int = 1
    #: Bounds ``(low, high)`` of every token feature (the gymnasium observation Box).
    feature_range: tuple[float, float] = (-math.inf, math.inf)
    #: File suffix of :meth:`record_text`'s records (``".sgf"``); empty: the game writes none.
    record_suffix: ClassVar[str] = ""

    def __init__(self, **config: Any) -> None:
        self.config = dict(config)

    @classmethod
    def from_params(cls, **given: Any) -> Game:
        """Configure from keyword values, checked against ``params`` like a spec."""
        return cls(**bind(cls.params, given, f"game {cls.name!r}"))

    @property
    def spec(self) -> str:
        """The canonical spec string of this configuration (every non-default parameter)."""
        defaults = {p.name: p.default for p in self.params}
        args = tuple(
            (k, _spec_value(v)) for k, v in self.config.items() if defaults.get(k, object()) != v
        )
        return str(Spec(self.name, args))

    # -- rules: a Numba game gets these from NumbaGame; a Python game writes them -------------
    @abstractmethod
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        """A fresh start state. Problems sample an instance from ``rng``."""

    @abstractmethod
    def next_state(self, state: np.ndarray, action: int) -> np.ndarray:
        """The successor of ``state`` (a new array); no legality check."""

    @abstractmethod
    def legal_mask(self, state: np.ndarray) -> np.ndarray:
        """Bool ``[num_actions]``: which actions are legal (all False once the game is over)."""

    @abstractmethod
    def outcome(self, state: np.ndarray) -> tuple[bool, float]:
        """(done, value for the player to move); see :class:`Kernels`."""

    @abstractmethod
    def to_play(self, state: np.ndarray) -> int:
        """Index of the player to move."""

    # -- derived, checked operations --------------------------------------------------------
    def initial_states(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """``n`` start states stacked as ``[n, state_len]``."""
        return np.stack([self.initial_state(rng) for _ in range(n)])

    def play(self, state: np.ndarray, action: int) -> np.ndarray:
        """The successor of ``state`` after ``action``, raising IllegalMoveError if not legal."""
        try:
            a = int(action)
        except (TypeError, ValueError):
            raise IllegalMoveError(f"action {action!r} is not an integer") from None
        if not 0 <= a < self.num_actions:
            raise IllegalMoveError(
                f"action {a} is out of range; accepted: 0..{self.num_actions - 1}"
            )
        if self.outcome(state)[0]:
            raise IllegalMoveError(f"the game is over; no move is legal ({self.action_name(a)})")
        if not self.legal_mask(state)[a]:
            raise IllegalMoveError(f"illegal move {self.action_name(a)} (action {a})")
        return self.next_state(state, a)

    def legal_masks(self, states: np.ndarray) -> np.ndarray:
        """Bool ``[B, num_actions]`` for a batch of states."""
        return np.stack([self.legal_mask(s) for s in states])

    def returns(self, state: np.ndarray) -> np.ndarray:
        """Final value per player (``[num_players]`` float64) of a finished game."""
        done, value = self.outcome(state)
        if not done:
            raise IllegalMoveError("the game is not over yet")
        out = np.empty(self.num_players)
        if self.num_players == 1:
            out[0] = value
        else:
            me = self.to_play(state)
            out[:] = -value
            out[me] = value
        return out

    # -- presentation -----------------------------------------------------------------------
    def action_name(self, action: int) -> str:
        """A human name for an action (e.g. 'D4', 'pass'); the default is the number."""
        return str(int(action))

    def parse_action(self, text: str) -> int:
        """Inverse of :meth:`action_name`; raises IllegalMoveError naming the accepted form."""
        for a in range(self.num_actions):
            if self.action_name(a).lower() == text.strip().lower():
                return a
        raise IllegalMoveError(f"unknown move {text!r}; expected a name like {self.action_name(0)!r}")

    def render(self, state: np.ndarray) -> str:
        """A text picture of the state."""
        return " ".join(str(x) for x in state.tolist())

    def result_text(self, state: np.ndarray) -> str:
        """A short description of the result of a finished game ('X wins', 'B+3.5', 'draw')."""
        r = self.returns(state)
        if self.num_players == 1:
            return f"score {r[0]:g}"
        if r[0] == r[1]:
            return "draw"
        winner = int(np.argmax(r))
        return f"player {winner + 1} wins"

    def player_name(self, player: int) -> str:
        """The name of player ``player`` ('Black', 'X', 'Solver'); the default: Black, White."""
        return ("Black", "White")[player] if self.num_players == 2 else "Player"

    def metrics(self, state: np.ndarray) -> dict[str, float]:
        """Named figures of a finished game beyond its returns (tour length, gap, ...), which
        tournaments store with each result; the default is none."""
        return {}

    def record_text(self, record: GameRecord) -> str | None:
        """The text of a finished game's record in the game's own format (SGF for Go and
        Gomoku), written by tournaments as ``games/NNNNN-KEY`` + :attr:`record_suffix`;
        None (the default) when the game has no record format."""
        return None

    # -- network encoding and symmetries ----------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """The network encoding of ``states`` (``[B, state_len]``)."""
        raise NotImplementedError(f"game {self.name!r} has no network encoding")

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        """Apply symmetry ``k`` (0 = identity) to a batch of states."""
        if k != 0:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")
        return states.copy()

    def action_permutation(self, k: int) -> np.ndarray:
        """``perm[a]`` = the image of action ``a`` under symmetry ``k``."""
        if k != 0:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")
        return np.arange(self.num_actions)


class NumbaGame(Game):
    """A game whose rules are the jitted :class:`Kernels`; the Python methods call them."""

    kernels: Kernels

    def next_state(self, state: np.ndarray, action: int) -> np.ndarray:
        out = np.empty_like(state)
        self.kernels.step(state, int(action), out)
        return out

    def legal_mask(self, state: np.ndarray) -> np.ndarray:
        out = np.zeros(self.num_actions, dtype=np.bool_)
        self.kernels.legal_mask(state, out)
        return out

    def outcome(self, state: np.ndarray) -> tuple[bool, float]:
        done, value = self.kernels.outcome(state)
        return bool(done), float(value)

    def to_play(self, state: np.ndarray) -> int:
        return int(self.kernels.to_play(state))


def _spec_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@runtime_checkable
class Agent(Protocol):
    """Anything that picks actions for a batch of states of one configured game."""

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        """int64 ``[B]``: one legal action per state of ``states`` (``[B, state_len]``)."""
        ...


class Problem(Game):
    """A one-player optimisation problem: instances are sampled, a game emits a solution
    action by action, and the result is measured against a reference solution.

    Solvers that plan whole solutions (the classical ones, ``varena solve``) and the
    tournament leaderboard use these methods instead of reading the state's layout.
    """

    num_players = 1

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """A random instance of ``n`` items (points ``[n, 2]``, numbers ``[n]``, ...)."""

    @abstractmethod
    def reference(self, instance: np.ndarray) -> np.ndarray:
        """The reference solution of ``instance`` (exact or the best known heuristic)."""

    @abstractmethod
    def evaluate(self, instance: np.ndarray, solution: Any, ref: Any = None) -> dict[str, float]:
        """Metrics of ``solution`` (length and gap, accuracy, ...); ``ref`` a reference solution
        (or its value) to compare against, None to compute one."""

    @abstractmethod
    def state_of(self, instance: np.ndarray) -> np.ndarray:
        """The start state of ``instance``."""

    @abstractmethod
    def instance(self, state: np.ndarray) -> np.ndarray:
        """The instance that ``state`` is a state of."""

    @abstractmethod
    def solution(self, state: np.ndarray) -> np.ndarray:
        """The (partial) solution held by ``state``, in the form :meth:`evaluate` takes."""

    @abstractmethod
    def history(self, state: np.ndarray) -> np.ndarray:
        """int64: the actions played from the start state to ``state``, in order."""

    @abstractmethod
    def solution_actions(self, solution: Any) -> np.ndarray:
        """int64: the actions that emit ``solution`` from the start state, to the end."""

    def metrics(self, state: np.ndarray) -> dict[str, float]:
        """The problem's metrics of a finished state (:meth:`evaluate` of its solution)."""
        return self.evaluate(self.instance(state), self.solution(state))


class Solver(ABC):
    """A solver plugin: created from a spec for a configured game, it is that game's agent.

    The constructor gets the game, a seed and every declared parameter (converted and
    range-checked). ``supports`` says, before construction, whether a game can be played;
    ``available`` whether the solver can run on this machine at all. Referees call
    ``reset`` before each game, ``observe_move`` after every move, ``set_move_time`` when
    a per-move time limit applies, and ``close`` after the last game; each has a no-op
    default, so a solver overrides only what it needs.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        self.game = game
        self.seed = seed
        self.config = dict(config)
        self.rng = np.random.default_rng(seed)

    @classmethod
    def supports(cls, game: Game) -> bool:
        """Whether this solver can play ``game``; the default is every game."""
        return True

    @classmethod
    def available(cls, args: Mapping[str, str]) -> str:
        """Empty when this solver can run here, else why not (an external engine's program
        is not installed); ``args`` are the spec's parameters as written. Tournaments ask it
        before scheduling, so that an optional agent is left out instead of forfeiting."""
        return ""

    @classmethod
    def trainers(cls) -> dict[str, type]:
        """The training algorithms ``varena train`` can run for this solver, by name (each a
        :class:`varena.engine.train.trainer.Trainer` class); the default is none."""
        return {}

    @abstractmethod
    def select_actions(self, states: np.ndarray) -> np.ndarray:
        """int64 ``[B]``: one legal action for each state (``[B, state_len]``)."""

    def reset(self) -> None:  # noqa: B027 - optional hook, a no-op unless overridden
        """Forget anything kept between moves (a new game starts)."""

    def observe_move(self, action: int) -> None:  # noqa: B027 - optional hook
        """Learn of a move just played in the current game, by anyone (referees call this
        after every move, openings included); agents that keep state between moves (tree
        reuse, external engines) follow the game through it."""

    def set_move_time(self, seconds: float | None) -> None:  # noqa: B027 - optional hook
        """Think about ``seconds`` per move from now on (None: no time limit, the solver's own
        budget). GTP time controls and ``tournament --move-time`` call it; solvers with a
        fixed amount of work per move ignore it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the solver holds (an engine process, threads); referees call it once
        after its last game."""


class AgentSolver(Solver):
    """A plain :class:`Agent` (an object with ``select_actions``) as a Solver, so that
    referees can call the whole Solver interface on it; the hooks are the no-op defaults."""

    name = "agent"

    def __init__(self, game: Game, agent: Agent) -> None:
        super().__init__(game)
        self.agent = agent

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        return self.agent.select_actions(states)


def as_solver(agent: Agent, game: Game) -> Solver:
    """``agent`` itself when it is a :class:`Solver`, else :class:`AgentSolver` around it."""
    return agent if isinstance(agent, Solver) else AgentSolver(game, agent)
