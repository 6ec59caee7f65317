"""The keys of a pointer-network training config, each checked like a spec parameter.

A config (``varena train cfg.toml``) holds ``solver = "ptrnet"``, ``trainer = "supervised"``
or ``"reinforce"`` and the keys below, at the top level. Keys that ``varena train`` itself
reads (:data:`RUNNER_KEYS`) are left to it; any other unknown key is an error naming the
accepted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from varena.engine.errors import SpecError
from varena.engine.params import SEED_MAX, Param, bind
from varena.solvers.ptrnet.env import PROBLEMS
from varena.solvers.ptrnet.networks import ARCHS, PROCESS_STEPS, NetConfig

INDEX_ORDERED = frozenset({"convex_hull", "delaunay"})
RUNNER_KEYS = frozenset({"solver", "trainer", "metrics", "description", "name"})

COMMON = (
    Param("seed", int, 0, "seed of the weights and batches (varena train --seed overrides it)",
          0, SEED_MAX),
    Param("max_steps", int, 0, "stop after this many steps in all, when the command line sets "
          "no budget (0: no limit)", 0, 10**12),
    Param("max_minutes", float, 0.0, "stop after this many minutes of this sitting, when the "
          "command line sets no budget (0: no limit)", 0.0, 10**7),
    Param("problem", str, "tsp", "the problem game trained on", choices=tuple(PROBLEMS)),
    Param("arch", str, "attention", "network: attention (transformer + Kool decoder), lstm "
          "(the paper's) or rpw (Read-Process-Write set encoder + LSTM pointer)", choices=ARCHS),
    Param("d", int, 128, "width of embeddings and hidden states", 8, 1024),
    Param("layers", int, 3, "transformer encoder layers (attention)", 1, 12),
    Param("heads", int, 8, "attention heads (attention; must divide d)", 1, 32),
    Param("ff", int, 512, "feed-forward width (attention)", 8, 8192),
    Param("glimpses", int, 1, "glimpses before pointing (lstm, rpw)", 0, 4),
    Param("process_steps", int, 5, "Process-block steps over the item set (rpw)", *PROCESS_STEPS),
    Param("clip", float, 10.0, "logit clipping C*tanh (0: none)", 0.0, 100.0),
    Param("index_feature", bool, None, "give the network each item's index (default: true "
          "for convex_hull and delaunay, whose labels are ordered by index)"),
    Param("batch", int, 128, "instances per learner step", 1, 65536),
    Param("lr", float, 1e-3, "AdamW learning rate", 1e-7, 10.0),
    Param("lr_decay_from", int, 0, "step after which the learning rate decays linearly", 0, 10**12),
    Param("lr_decay_steps", int, 0, "steps over which it decays to lr_end (0: constant lr)",
          0, 10**12),
    Param("lr_end", float, 1e-4, "learning rate at the end of the decay", 0.0, 10.0),
    Param("weight_decay", float, 0.0, "AdamW weight decay", 0.0, 1.0),
    Param("grad_clip", float, 1.0, "gradient norm clip (0: none)", 0.0, 1000.0),
    Param("eval_every", int, 200, "steps between evaluations (greedy, fixed instances)", 1, 10**9),
    Param("eval_instances", int, 200, "instances per size in each evaluation", 1, 100_000),
    Param("checkpoint_every", int, 200, "steps between checkpoints", 1, 10**9),
    Param("log_every", int, 20, "steps between metric lines", 1, 10**9),
    Param("init", str, "", "checkpoint to start from (a shipped name or a path; empty: fresh)"),
    Param("export", str, "", "also write the final weights to this path (e.g. a shipped name's file)"),
)

SUPERVISED = (
    Param("train_instances", int, 10_000, "labelled instances per size (generated once, cached)",
          1, 10_000_000),
    Param("data_seed", int, 0, "seed of the labelled instances", 0, SEED_MAX),
    Param("data_dir", str, "", "where the labels are cached (empty: RUN/data)"),
)

REINFORCE = (
    Param("baseline", str, "rollout", "rollout (greedy rollout of the best policy so far, "
          "Kool) or pomo (mean over every first city, Kwon; TSP only)",
          choices=("rollout", "pomo")),
    Param("baseline_every", int, 100, "steps between baseline challenges (rollout)", 1, 10**9),
    Param("baseline_instances", int, 512, "instances of each baseline challenge", 16, 100_000),
)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """A checked config: ``values`` (every declared key, defaults filled) and ``sizes``."""

    trainer: str
    values: dict[str, Any]
    sizes: tuple[int, ...]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def net_config(self) -> NetConfig:
        v = self.values
        dims = PROBLEMS[v["problem"]].item_dims
        if v["arch"] == "attention" and v["d"] % v["heads"]:
            raise SpecError(f"ptrnet config: d={v['d']} is not a multiple of heads={v['heads']}")
        index = v["index_feature"]
        if index is None:
            index = v["problem"] in INDEX_ORDERED
        return NetConfig(arch=v["arch"], item_dims=dims, d=v["d"], layers=v["layers"],
                         heads=v["heads"], ff=v["ff"], glimpses=v["glimpses"], clip=v["clip"],
                         index_feature=bool(index), process_steps=v["process_steps"])


def check_config(config: dict[str, Any], trainer: str, extra: tuple[Param, ...]) -> TrainConfig:
    """Check every key of ``config`` for ``trainer``; one SpecError line per problem."""
    owner = f"ptrnet trainer {trainer!r} config"
    params = COMMON + extra
    given = {k: v for k, v in config.items() if k not in RUNNER_KEYS and k != "sizes"}
    for k, v in given.items():
        if isinstance(v, (dict, list)):
            raise SpecError(f"{owner}: key {k!r} must be a single value, not {type(v).__name__}")
    values = bind(params, given, owner)
    low = 5 if values["problem"] != "sorting" else 2
    raw = config.get("sizes", [20])
    if not isinstance(raw, list) or not raw or not all(isinstance(x, int) and not isinstance(x, bool)
                                                       for x in raw):
        raise SpecError(f"{owner}: sizes={raw!r} is not accepted; accepted: a non-empty list "
                        f"of integers {low}..1000 (instance sizes, mixed in one run)")
    bad = [x for x in raw if not low <= x <= 1000]
    if bad:
        raise SpecError(f"{owner}: sizes contains {bad[0]}; accepted: integers {low}..1000")
    if values["problem"] == "tsp" and trainer == "supervised" and max(raw) > 200:
        raise SpecError(f"{owner}: sizes up to {max(raw)}; supervised TSP labels (LKH) accept "
                        "n <= 200")
    if trainer == "reinforce" and values.get("baseline") == "pomo" and values["problem"] != "tsp":
        raise SpecError(f"{owner}: baseline='pomo' needs problem='tsp' (a start from every first "
                        f"city); got problem={values['problem']!r}; accepted there: rollout")
    return TrainConfig(trainer, values, tuple(sorted(set(raw))))
