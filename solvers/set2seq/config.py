"""The ``set2seq`` training config, every key checked like a spec.

```toml
solver = "set2seq"
trainer = "supervised"
seed = 0

[task]
name = "sorting"          # sorting | hull_set
sizes = [10]              # instance sizes; each batch is one size, drawn uniformly
rule = "permutation"      # permutation (sorting) | subset (sets) | free (no mask: the paper's)

[model]                   # Read-Process-Write
dim = 64
process_steps = 5         # P
glimpses = 1
clip = 10.0

[loss]
order = "ascending"       # sorting: ascending; hull_set: ccw | index | x | random | search
prior_steps = 1000        # order search: steps with a uniform prior over orders
samples = 4               # order search: orders proposed per instance, resampled by weight

[optim]
lr = 0.001
batch = 128
grad_clip = 1.0
warmup = 0                # steps of linear learning-rate warm-up from lr / warmup
schedule = "constant"     # constant | cosine (from lr after warm-up down to lr_min at run.steps)
lr_min = 0.0

[run]
steps = 2000
log_every = 50
eval_every = 250          # 0: only at the end
eval_count = 1000
eval_sizes = [5, 10, 15]  # default: the training sizes
checkpoint_every = 250
```

A bad key or value raises :class:`SpecError` naming the key, the value and what is
accepted. Nothing here imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from varena.engine.errors import SpecError
from varena.engine.params import SEED_MAX, Param
from varena.engine.train.config import check_section
from varena.solvers.set2seq.data import HULL_ORDERS, TASKS

MAX_N = 1000
TOP = ("solver", "trainer", "seed", "task", "model", "loss", "optim", "run", "metrics")

TASK = (
    Param("name", str, "sorting", "what to learn", choices=TASKS),
    Param("rule", str, None, "decode rule: permutation (sorting's), subset (sets'), free "
          "(no mask, the paper's); default: the task's", choices=("permutation", "subset", "free")),
)
MODEL = (
    Param("dim", int, 64, "memory and LSTM width", 4, 1024),
    Param("process_steps", int, 5, "P: Process-block steps (0: no Process block)", 0, 64),
    Param("glimpses", int, 1, "glimpses per Write step", 0, 4),
    Param("clip", float, 10.0, "pointer logits = clip * tanh(u); 0: no clipping", 0.0, 100.0),
)
LOSS = (
    Param("order", str, None, "the order a label is trained in: sorting: ascending; hull_set: "
          "ccw, index, x, random (fixed orders) or search (the order-search loss); default: "
          "ascending / ccw", choices=("ascending", *HULL_ORDERS, "search")),
    Param("prior_steps", int, 1000, "order search: steps with a uniform prior over orders", 0, 10**8),
    Param("samples", int, 4, "order search: orders proposed per instance", 1, 256),
)
OPTIM = (
    Param("lr", float, 1e-3, "Adam learning rate", 1e-7, 1.0),
    Param("batch", int, 128, "instances per learner step", 1, 65536),
    Param("grad_clip", float, 1.0, "gradient norm clip (0: none)", 0.0, 1e6),
    Param("warmup", int, 0, "steps of linear learning-rate warm-up", 0, 10**9),
    Param("schedule", str, "constant", "learning rate after warm-up: constant, or cosine "
          "decay to lr_min at run.steps", choices=("constant", "cosine")),
    Param("lr_min", float, 0.0, "the cosine schedule's last learning rate", 0.0, 1.0),
)
RUN = (
    Param("steps", int, 2000, "learner steps of the whole run", 1, 10**9),
    Param("log_every", int, 50, "steps between metric lines", 1, 10**9),
    Param("eval_every", int, 250, "steps between evaluations (0: only at the end)", 0, 10**9),
    Param("eval_count", int, 1000, "fresh instances per evaluated size", 1, 10**6),
    Param("checkpoint_every", int, 250, "steps between checkpoints", 1, 10**9),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """A checked config."""

    seed: int
    task: str
    sizes: tuple[int, ...]
    rule: str
    model: dict[str, Any]
    order: str
    prior_steps: int
    samples: int
    lr: float
    batch: int
    grad_clip: float
    warmup: int
    schedule: str
    lr_min: float
    steps: int
    log_every: int
    eval_every: int
    eval_count: int
    eval_sizes: tuple[int, ...]
    checkpoint_every: int

    def lr_at(self, step: int) -> float:
        """The learning rate of learner step ``step`` (0-based): a pure function of the step,
        so a resumed run follows the same schedule with no state to store."""
        lr = self.lr
        if self.schedule == "cosine" and self.steps > self.warmup:
            done = min(max(step - self.warmup, 0) / (self.steps - self.warmup), 1.0)
            lr = self.lr_min + (self.lr - self.lr_min) * 0.5 * (1.0 + math.cos(math.pi * done))
        if step < self.warmup:
            lr *= (step + 1) / self.warmup
        return lr

    @property
    def has_end(self) -> bool:
        """Whether outputs end with the end action (sets) or are n long (sorting)."""
        return self.task != "sorting"


def _sizes(table: dict, key: str, where: str, default: tuple[int, ...] | None) -> tuple[int, ...]:
    raw = table.pop(key, None)
    if raw is None:
        if default is None:
            raise SpecError(f"config: {where}.{key} is missing; accepted: a list of sizes 3..{MAX_N}")
        return default
    ok = isinstance(raw, list) and raw and all(
        isinstance(v, int) and not isinstance(v, bool) and 3 <= v <= MAX_N for v in raw)
    if not ok:
        raise SpecError(f"config: {where}.{key}={raw!r} is not accepted; accepted: a non-empty "
                        f"list of integers 3..{MAX_N}")
    return tuple(sorted(set(raw)))


def _table(raw: dict, name: str) -> dict:
    t = raw.get(name, {})
    if not isinstance(t, dict):
        raise SpecError(f"config: [{name}] must be a table, got {type(t).__name__}")
    return dict(t)


def check_config(raw: dict[str, Any]) -> Settings:
    """Check every key of a parsed TOML config; the defaults fill the rest."""
    if not isinstance(raw, dict):
        raise SpecError("config: expected a TOML table")
    for key in raw:
        if key not in TOP:
            raise SpecError(f"config: unknown key {key!r}; accepted: {', '.join(TOP)}")
    if raw.get("solver", "set2seq") != "set2seq":
        raise SpecError(f"config: solver={raw.get('solver')!r}; this trainer is set2seq's")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise SpecError(f"config: seed={seed!r} is not accepted; accepted: integer 0..{SEED_MAX}")
    task_t, run_t = _table(raw, "task"), _table(raw, "run")
    sizes = _sizes(task_t, "sizes", "task", (10,))
    eval_sizes = _sizes(run_t, "eval_sizes", "run", sizes)
    task = check_section(task_t, TASK, "task")
    model = check_section(_table(raw, "model"), MODEL, "model")
    loss = check_section(_table(raw, "loss"), LOSS, "loss")
    optim = check_section(_table(raw, "optim"), OPTIM, "optim")
    run = check_section(run_t, RUN, "run")
    name = task["name"]
    rule = task["rule"] or ("permutation" if name == "sorting" else "subset")
    if rule == ("subset" if name == "sorting" else "permutation"):
        want = "permutation or free" if name == "sorting" else "subset or free"
        raise SpecError(f"config: task.rule={rule!r} does not fit task {name!r}; accepted: {want}")
    if optim["lr_min"] > optim["lr"]:
        raise SpecError(f"config: optim.lr_min={optim['lr_min']!r} is above optim.lr="
                        f"{optim['lr']!r}; accepted: 0..lr")
    order = loss["order"] or ("ascending" if name == "sorting" else "ccw")
    if name == "sorting" and order != "ascending":
        raise SpecError(f"config: loss.order={order!r} does not fit task 'sorting' (its output "
                        "is one sequence); accepted: ascending")
    if name != "sorting" and order == "ascending":
        raise SpecError(f"config: loss.order='ascending' does not fit task {name!r}; accepted: "
                        f"{', '.join(HULL_ORDERS)}, search")
    return Settings(seed, name, sizes, rule, model, order, loss["prior_steps"], loss["samples"],
                    optim["lr"], optim["batch"], optim["grad_clip"], optim["warmup"],
                    optim["schedule"], optim["lr_min"], run["steps"], run["log_every"],
                    run["eval_every"], run["eval_count"], eval_sizes, run["checkpoint_every"])
