"""The batched evaluator behind the tree search: leaves of many trees, of many games and sizes,
in one call; one network forward per bucket of similar sequence length.

Flow of :meth:`NetEvaluator.evaluate`::

    [(game, states [n_i, L_i]), ...] --game.tokens, legal masks--> encoded chunks
      --sort by sequence length, bucket (max/min length <= pad_ratio, rows <= max_batch)-->
      one forward per bucket (inference_mode, bf16 autocast on CUDA)
      --scatter--> [(priors [n_i, A_i] float32, values [n_i] float32), ...]

No 5x5 board is ever padded to 19x19: a bucket only mixes configurations whose sequences
differ by at most ``pad_ratio`` in length, and networks embed each configuration at its own
size (only the transformer's sequence is padded, with a key mask).

The network is anything with the :class:`PolicyValueNet` methods (AlphaViT and friends in
``varena.solvers.alphavit.network``); the engine knows no particular network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from varena.engine.api import Game, Tokens
from varena.engine.nn.device import autocast, keep_cpu_threads, resolve_device

log = logging.getLogger("varena.nn")

EvaluateFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class Encoded(Protocol):
    """What a network's ``encode`` returns: ``size`` rows of one layout."""

    @property
    def size(self) -> int: ...

    @property
    def seq_len(self) -> int: ...

    @property
    def layout_key(self) -> str: ...


class PolicyValueNet(Protocol):
    """The two methods the evaluator needs from a network (a ``torch.nn.Module``).

    ``encode(game, tokens, legal [n, A] bool, device)`` -> an :class:`Encoded` batch;
    ``predict(list of Encoded)`` -> (priors float [N, Amax], zero on illegal and padded
    actions; values float [N], for the player to move), rows in the order given.
    ``exact_layouts``: True when mixing layouts in one forward is costly, so buckets hold
    one layout each.
    """

    @property
    def exact_layouts(self) -> bool: ...

    def encode(self, game: Game, tokens: Tokens, legal: np.ndarray, device: torch.device) -> Any: ...

    def predict(self, groups: list[Any]) -> tuple[torch.Tensor, torch.Tensor]: ...


@dataclass
class EvalStats:
    """Counters since construction (or :meth:`NetEvaluator.reset_stats`); seconds are wall time."""

    calls: int = 0
    forwards: int = 0
    positions: int = 0
    padded_rows: int = 0
    encode_seconds: float = 0.0
    forward_seconds: float = 0.0


@dataclass
class _Chunk:
    group: int  # index of the caller's (game, states) group
    start: int  # first row of that group covered by this chunk
    enc: Any


class NetEvaluator:
    """Evaluates positions of any mix of games and sizes with one network.

    (Named apart from the search's :class:`varena.engine.mcts.Evaluator` protocol, which
    :meth:`for_game` satisfies; :meth:`evaluate` is the group evaluator a
    :class:`varena.engine.mcts.pool.SearchPool` takes.)

    - ``device``: ``auto`` (CUDA when present, else CPU with a thread count that fits this
      process), ``cpu``, ``cuda``, ``cuda:N``, or a ``torch.device``.
    - ``pad_ratio``: positions whose sequence lengths differ by at most this factor share a
      forward (1.0: equal lengths only; ``inf``: everything padded to the longest, the
      baseline of ``bench/evaluator.py``).
    - ``max_batch``: most rows in one forward (bounds memory).
    - ``amp``: bf16 autocast on CUDA.

    The network runs in eval mode (dropout off): the evaluator sets it at every call, so a
    learner sharing the network calls ``net.train()`` before its own steps.
    """

    def __init__(self, net: Any, device: str | torch.device = "auto", *, pad_ratio: float = 1.25,
                 max_batch: int = 1024, amp: bool = True) -> None:
        if pad_ratio < 1.0:
            raise ValueError(f"pad_ratio={pad_ratio} must be >= 1")
        if max_batch < 1:
            raise ValueError(f"max_batch={max_batch} must be >= 1")
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.net = net.to(self.device).eval()
        self.pad_ratio = float(pad_ratio)
        self.max_batch = int(max_batch)
        self.amp = amp
        self.stats = EvalStats()

    def reset_stats(self) -> None:
        self.stats = EvalStats()

    # -- the search's interface -------------------------------------------------------------------
    def for_game(self, game: Game) -> EvaluateFn:
        """``evaluate(states [N, L]) -> (priors [N, A] float32, values [N] float32)`` for one
        game: the callable the tree search takes."""

        def evaluate(states: np.ndarray, legal: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
            return self.evaluate([(game, states)], None if legal is None else [legal])[0]

        return evaluate

    def evaluate(self, groups: Sequence[tuple[Game, np.ndarray]],
                 legal: Sequence[np.ndarray | None] | None = None
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Priors and values for every group of positions (the leaves of many trees).

        ``groups``: (configured game, states ``[n_i, state_len]``) pairs; games may repeat.
        ``legal``: optional bool ``[n_i, A_i]`` masks per group (computed when None).
        Returns, per group, priors float32 ``[n_i, A_i]`` (0 on illegal actions, rows sum to
        1 where any action is legal) and values float32 ``[n_i]`` for the player to move.
        """
        self.stats.calls += 1
        if self.device.type == "cpu":
            keep_cpu_threads()
        outputs = [
            (np.zeros((len(s), g.num_actions), np.float32), np.zeros(len(s), np.float32))
            for g, s in groups
        ]
        t0 = time.perf_counter()
        chunks = self._encode(groups, legal)
        t1 = time.perf_counter()
        self.stats.encode_seconds += t1 - t0
        for bucket in self._buckets(chunks):
            self._run(bucket, outputs)
        self.stats.forward_seconds += time.perf_counter() - t1
        return outputs

    # -- steps --------------------------------------------------------------------------------------
    def _encode(self, groups: Sequence[tuple[Game, np.ndarray]],
                legal: Sequence[np.ndarray | None] | None) -> list[_Chunk]:
        chunks = []
        for i, (game, states) in enumerate(groups):
            states = np.asarray(states)
            if states.ndim != 2 or len(states) == 0:
                if states.ndim != 2:
                    raise ValueError(f"{game.spec}: states must be [N, state_len], got {states.shape}")
                continue
            mask = legal[i] if legal is not None and legal[i] is not None else None
            for start in range(0, len(states), self.max_batch):
                part = states[start : start + self.max_batch]
                m = game.legal_masks(part) if mask is None else mask[start : start + len(part)]
                enc = self.net.encode(game, game.tokens(part), m, self.device)
                chunks.append(_Chunk(i, start, enc))
        return chunks

    def _buckets(self, chunks: list[_Chunk]) -> list[list[_Chunk]]:
        """Chunks sorted by sequence length, cut where the length grows past ``pad_ratio`` of
        the bucket's shortest, the layout changes (networks with ``exact_layouts``) or the
        rows would pass ``max_batch``."""
        exact = bool(self.net.exact_layouts)
        order = sorted(chunks, key=lambda c: (c.enc.seq_len, c.enc.layout_key))
        buckets: list[list[_Chunk]] = []
        rows = 0
        for c in order:
            if buckets:
                first = buckets[-1][0].enc
                fits = (c.enc.seq_len <= first.seq_len * self.pad_ratio
                        and rows + c.enc.size <= self.max_batch
                        and (not exact or c.enc.layout_key == first.layout_key))
                if fits:
                    buckets[-1].append(c)
                    rows += c.enc.size
                    continue
            buckets.append([c])
            rows = c.enc.size
        return buckets

    def _run(self, bucket: list[_Chunk], outputs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if self.net.training:  # a learner sharing the network may have left it in train mode
            self.net.eval()
        with torch.inference_mode(), autocast(self.device, self.amp):
            priors, values = self.net.predict([c.enc for c in bucket])
        priors = priors.float().cpu().numpy()
        values = values.float().cpu().numpy()
        self.stats.forwards += 1
        lmax = max(c.enc.seq_len for c in bucket)
        row = 0
        for c in bucket:
            n = c.enc.size
            p_out, v_out = outputs[c.group]
            p_out[c.start : c.start + n] = priors[row : row + n, : p_out.shape[1]]
            v_out[c.start : c.start + n] = values[row : row + n]
            self.stats.positions += n
            self.stats.padded_rows += n if c.enc.seq_len < lmax else 0
            row += n
