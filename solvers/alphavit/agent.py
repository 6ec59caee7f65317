"""The ``alphavit`` solver: an AlphaViT / AlphaViD / AlphaVDA network guiding the batched MCTS.

``alphavit:arch=vit,checkpoint=run/net.safetensors,sims=200,root=gumbel`` plays any game with
a token encoding (``Game.tokens``) at any size the network supports. Without a checkpoint the
network has random weights (seeded): weak, but it plays, so tournaments and tests run before
any training. ``sims=0`` plays the argmax of the network's masked policy without search.

torch is imported when an agent is created, not when this module is (the plugin hook
imports it to register the class).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from varena.engine.api import Game
from varena.engine.errors import SpecError
from varena.engine.mcts.options import SEARCH_PARAMS
from varena.engine.params import Param
from varena.solvers.alphavit.presets import ARCHS, POSITION_MODES, PRESETS
from varena.solvers.search_agent import SearchAgent

log = logging.getLogger("varena.alphavit")

_SEARCH_DEFAULTS = {"rule": "puct", "c": 1.25, "sims": 200}


def _search_params() -> tuple[Param, ...]:
    """The search's parameters with AlphaZero defaults (PUCT, c=1.25); sims=0 means no search."""
    out = []
    for p in SEARCH_PARAMS:
        if p.name == "sims":
            p = dataclasses.replace(p, default=200, low=0,
                                    help="simulations per move (0: play the network's policy)")
        elif p.name in _SEARCH_DEFAULTS:
            p = dataclasses.replace(p, default=_SEARCH_DEFAULTS[p.name])
        out.append(p)
    return tuple(out)


class AlphaViTSolver(SearchAgent):
    """Network-guided MCTS with a transformer that reads any board size."""

    name = "alphavit"
    description = "AlphaViT/ViD/VDA transformer policy-value network guiding batched MCTS"
    params = (
        Param("arch", str, None, "network: vit (encoder), vid (encoder-decoder), vda (decoder "
              "with action queries); default: the checkpoint's, else vit", choices=ARCHS),
        Param("preset", str, None, "network size for a fresh network: small (CPU) or paper "
              "(d=512); default: the checkpoint's, else small", choices=tuple(PRESETS)),
        Param("positions", str, "grid", "position encoding of a fresh network: grid (learned, "
              "resized bilinearly) or relative (dynamic position bias)", choices=POSITION_MODES),
        Param("checkpoint", str, "", "a shipped network's name (varena models) or a "
              ".safetensors path (empty: random weights, seeded by the agent's seed)"),
        Param("device", str, "auto", "auto (CUDA when present), cpu or cuda",
              choices=("auto", "cpu", "cuda")),
        *_search_params(),
    )

    @classmethod
    def supports(cls, game: Game) -> bool:
        """Games with a network encoding (``tokens``) and one or two players (compiled or
        plain Python)."""
        return type(game).tokens is not Game.tokens and super().supports(game)

    @classmethod
    def trainers(cls) -> dict[str, type]:
        from varena.engine.train.alphazero import AlphaZeroTrainer

        return {"alphazero": AlphaZeroTrainer}

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed, **config)
        from varena.engine.nn.evaluator import NetEvaluator
        from varena.solvers.alphavit.checkpoints import load_network, new_network

        c = self.config
        if c["checkpoint"]:
            self.net, self.meta = load_network(c["checkpoint"], arch=c["arch"])
            preset = c["preset"]
            if preset is not None and self.meta.get("preset") not in (None, preset):
                raise SpecError(f"alphavit: checkpoint {c['checkpoint']!r} is preset "
                                f"{self.meta.get('preset')!r}, not {preset!r}")
        else:
            self.net = new_network(c["arch"] or "vit", c["preset"] or "small", (game.name,),
                                   seed=seed, positions=c["positions"])
            self.meta = {}
        self.net.game_id(game.name)  # raises now, naming the games the network knows
        self.evaluator = NetEvaluator(self.net, c["device"])
        self.evaluate = self.evaluator.for_game(game)
        self.evaluate(game.initial_states(1, np.random.default_rng(0)))  # shapes fit: fail early
        self.start_search()

    def make_evaluator(self) -> Any:
        return self.evaluate

    def play_unsearched(self, states: np.ndarray) -> np.ndarray:
        """The argmax (or, with ``temperature``, a sample) of the network's masked policy."""
        priors, _ = self.evaluate(states)
        if self.options.temperature > 0:
            out = np.empty(len(states), np.int64)
            for i, p in enumerate(priors.astype(np.float64)):
                p = p ** (1.0 / self.options.temperature)
                out[i] = self.rng.choice(p.size, p=p / p.sum())
            return out
        return priors.argmax(axis=1).astype(np.int64)
