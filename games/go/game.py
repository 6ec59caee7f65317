"""The game of Go on any board from 2x2 to 25x25 (rectangles too), Tromp-Taylor scoring."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from varena.engine.api import Kernels, NumbaGame, Tokens
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.params import Param
from varena.games._numba_cache import load_kernels
from varena.games.go import playout as _playout, positions, rules, scoring
from varena.games.go.rules import KOMI_SCALE

if TYPE_CHECKING:
    from varena.engine.play import GameRecord

log = logging.getLogger("varena.games.go")

#: GTP column letters (no I); 25 letters, enough for the largest board.
COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
#: The default ``max_moves`` is this many times the number of points.
MAX_MOVES_PER_POINT = 3
SUPERKO_RULES = ("positional", "situational", "simple")


class Go(NumbaGame):
    """Go with captures, pass, basic ko or superko, optional suicide, area scoring.

    Actions are points ``r*width + c`` (row 0 at the top, as printed) and ``width*height``
    for pass; names follow GTP ("D4": column letter without I, row counted from the bottom).
    The game ends after two consecutive passes or after ``max_moves`` moves, and is scored as
    it stands (Tromp-Taylor: every stone counts as alive).
    """

    name = "go"
    description = "Go, any board size up to 25x25, area scoring, superko"
    #: Bounds of every token feature (used by the gymnasium observation space).
    feature_range = (0.0, 1.0)
    record_suffix = ".sgf"
    params = (
        Param("size", int, 19, "board side (a square board)", low=2, high=25),
        Param("width", int, None, "board width (default: size)", low=2, high=25),
        Param("height", int, None, "board height (default: size)", low=2, high=25),
        Param("komi", float, 7.5, "points given to White", low=-1000, high=1000),
        Param("superko", str, "positional", "repetition rule: positional or situational "
              "superko, or simple (basic ko only)", choices=SUPERKO_RULES),
        Param("suicide", bool, False, "whether suicide (of one or more stones) is legal"),
        Param("max_moves", int, None, "moves after which the game is scored as it stands "
              f"(default: {MAX_MOVES_PER_POINT} x the number of points)", low=1, high=100_000),
        Param("rollout", str, "uniform", "playout policy: uniform (random legal moves, pass "
              "included) or noeye (no filling of own eyes, pass when nothing else)",
              choices=("uniform", "noeye")),
    )

    def __init__(self, size: int = 19, width: int | None = None, height: int | None = None,
                 komi: float = 7.5, superko: str = "positional", suicide: bool = False,
                 max_moves: int | None = None, rollout: str = "uniform") -> None:
        super().__init__(size=size, width=width, height=height, komi=float(komi), superko=superko,
                         suicide=suicide, max_moves=max_moves, rollout=rollout)
        self.width = int(width or size)
        self.height = int(height or size)
        self.area = self.width * self.height
        if superko not in SUPERKO_RULES:
            raise SpecError(f"game 'go': superko={superko!r}; accepted: {', '.join(SUPERKO_RULES)}")
        self.komi = float(komi)
        self.superko = superko
        self.suicide = bool(suicide)
        self.max_moves = int(max_moves or MAX_MOVES_PER_POINT * self.area)
        self.state_len = int(rules.layout(self.width, self.height, self.max_moves)[-1])
        self.state_dtype = np.dtype(np.int32)
        self.num_actions = self.area + 1
        self.num_players = 2
        self.pass_action = self.area
        self.num_symmetries = 8 if self.width == self.height else 4
        play = _playout.playout if rollout == "uniform" else _playout.playout_noeye
        self.kernels = Kernels(rules.step, rules.legal_mask, scoring.outcome, rules.to_play,
                               play, scoring.heuristic)
        self._perms = positions.symmetry_perms(self.width, self.height)
        self._pmaps = [positions.map_points(p[:-1], self.width, self.height) for p in self._perms]
        self._initial = np.empty(self.state_len, np.int32)
        rules.init_state(self._initial, self.width, self.height, round(self.komi * KOMI_SCALE),
                         SUPERKO_RULES.index(superko), int(self.suicide), self.max_moves)
        load_kernels(self)

    # -- states ---------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        return self._initial.copy()

    def setup(self, black: Iterable[int | str] = (), white: Iterable[int | str] = (),
              to_play: int = 0) -> np.ndarray:
        """A start position with setup stones (handicap), ``to_play`` 0 Black / 1 White."""
        colors = np.zeros(self.area, np.int8)
        for value, stones in ((1, black), (2, white)):
            for s in stones:
                a = self.parse_action(s) if isinstance(s, str) else int(s)
                if not 0 <= a < self.area:
                    raise IllegalMoveError(f"setup stone {s!r} is not a point of the board")
                if colors[a]:
                    raise IllegalMoveError(f"setup stone {self.action_name(a)} given twice")
                colors[a] = value
        state = self.initial_state()
        positions.set_stones(state, colors, int(to_play))
        dead = positions.chains_without_liberty(state)
        if dead.size:
            raise IllegalMoveError(f"setup: the chain at {self.action_name(int(dead[0]))} has "
                                   "no liberty (not a legal position)")
        return state

    def with_to_play(self, state: np.ndarray, player: int) -> np.ndarray:
        """A copy of ``state`` with ``player`` to move (GTP lets a colour play twice); a change
        of player clears the basic-ko point, which only binds the player who was to move."""
        out = state.copy()
        if int(out[rules.TOPLAY]) != player:
            out[rules.TOPLAY] = player
            out[rules.KO] = -1
        return out

    # -- queries --------------------------------------------------------------------------
    def board(self, state: np.ndarray) -> np.ndarray:
        """int8 ``[height, width]``: 0 empty, 1 black, 2 white; row 0 is the top row."""
        return positions.board_colors(state)

    def moves(self, state: np.ndarray) -> list[tuple[int, int]]:
        """(player, action) of every move since the start position."""
        return positions.move_list(state)

    def captures(self, state: np.ndarray) -> tuple[int, int]:
        """Stones captured by Black and by White (a suicide counts for the opponent)."""
        return int(state[rules.CAPT_W]), int(state[rules.CAPT_B])

    def ko_point(self, state: np.ndarray) -> int | None:
        """The action the player to move may not play because of basic ko, if any."""
        p = int(state[rules.KO])
        if p < 0:
            return None
        s = self.width + 2
        return (p // s - 1) * self.width + p % s - 1

    def move_number(self, state: np.ndarray) -> int:
        return int(state[rules.NMOV])

    def score(self, state: np.ndarray) -> float:
        """Black's area minus White's area minus komi (Tromp-Taylor), at any time."""
        return float(scoring.black_margin_fixed(state)) / KOMI_SCALE

    def result_text(self, state: np.ndarray) -> str:
        """'B+3.5', 'W+0.5' or '0' (a draw) of a finished game."""
        if not self.outcome(state)[0]:
            raise IllegalMoveError("the game is not over yet")
        return margin_text(self.score(state))

    # -- names ----------------------------------------------------------------------------
    def record_text(self, record: GameRecord) -> str:
        """The game as SGF (GM[1], :func:`varena.games.go.sgf.format_go`): the first player is
        Black and moves alternate from the empty board, as every varena Go game does."""
        from varena.games import sgf
        from varena.games.go.sgf import GoRecord, format_go

        rec = GoRecord(width=self.width, height=self.height, komi=self.komi,
                       superko=self.superko, suicide=self.suicide,
                       moves=[(i % 2, int(a)) for i, a in enumerate(record.moves)],
                       info=sgf.record_info(record))
        return format_go(rec)

    def action_name(self, action: int) -> str:
        a = int(action)
        if a == self.area:
            return "pass"
        if not 0 <= a < self.area:
            raise IllegalMoveError(f"action {a} is out of range; accepted: 0..{self.area}")
        r, c = divmod(a, self.width)
        return f"{COLUMNS[c]}{self.height - r}"

    def parse_action(self, text: str) -> int:
        t = str(text).strip().upper()
        if t == "PASS":
            return self.area
        col = COLUMNS.find(t[:1]) if t[:1] and t[:1] != "I" else -1
        if col < 0 or col >= self.width or not t[1:].isdigit():
            raise IllegalMoveError(
                f"bad move {text!r}; expected 'pass' or a point like 'D4' "
                f"(columns A..{COLUMNS[self.width - 1]} without I, rows 1..{self.height})")
        row = int(t[1:])
        if not 1 <= row <= self.height:
            raise IllegalMoveError(f"bad move {text!r}: row {row} is off the board "
                                   f"(rows 1..{self.height})")
        return (self.height - row) * self.width + col

    def render(self, state: np.ndarray) -> str:
        b = self.board(state)
        cols = " ".join(COLUMNS[: self.width])
        lines = [f"   {cols}"]
        ko = self.ko_point(state)
        for r in range(self.height):
            n = self.height - r
            cells = []
            for c in range(self.width):
                v = b[r, c]
                cells.append("X" if v == 1 else "O" if v == 2 else
                             ("*" if ko == r * self.width + c else "."))
            lines.append(f"{n:2d} {' '.join(cells)} {n}")
        lines.append(f"   {cols}")
        by_b, by_w = self.captures(state)
        side = "Black" if self.to_play(state) == 0 else "White"
        lines.append(f"{side} to move; move {self.move_number(state)}; captures B {by_b} "
                     f"W {by_w}; komi {self.komi:g}")
        return "\n".join(lines)

    # -- network encoding and symmetries --------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """One token per point (row-major from the top left); features: own stone, opponent
        stone, empty, chain with 1 / 2 / 3+ liberties, basic-ko point. Globals: White to
        move, width/19, height/19, komi/10. Pass has no token (action_tokens = -1)."""
        states = np.ascontiguousarray(np.atleast_2d(states))
        feats = np.empty((len(states), self.area, 7), np.float32)
        if len(states):
            positions.features(states, feats)
        r, c = np.divmod(np.arange(self.area, dtype=np.int32), self.width)
        glob = np.zeros((len(states), 4), np.float32)
        glob[:, 0] = states[:, rules.TOPLAY] if len(states) else 0
        glob[:, 1] = self.width / 19.0
        glob[:, 2] = self.height / 19.0
        glob[:, 3] = self.komi / 10.0
        action_tokens = np.append(np.arange(self.area, dtype=np.int64), -1)
        return Tokens(feats, np.stack([r, c], axis=1).astype(np.int32), action_tokens, glob)

    def _check_symmetry(self, k: int) -> None:
        if not 0 <= int(k) < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")

    def action_permutation(self, k: int) -> np.ndarray:
        self._check_symmetry(k)
        return self._perms[int(k)].copy()

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        """The image of each state under symmetry ``k``, history and superko included."""
        self._check_symmetry(k)
        states = np.atleast_2d(states)
        out = np.empty_like(states)
        for i in range(len(states)):
            if k == 0:
                out[i] = states[i]
            else:
                positions.transform(states[i], out[i], self._perms[k], self._pmaps[k])
        return out


def margin_text(margin: float) -> str:
    """'B+3.5', 'W+0.5' or '0' for a margin in Black's favour."""
    if margin == 0:
        return "0"
    return f"{'B' if margin > 0 else 'W'}+{abs(margin):g}"
