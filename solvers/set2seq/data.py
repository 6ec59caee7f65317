"""Tasks, instances and labels for Read-Process-Write training and evaluation.

- ``sorting``: n numbers uniform in [0, 1]; the label is their ascending order (the
  sorting game's reference, ``numpy.argsort``). The output is a permutation.
- ``hull_set``: n points uniform in the unit square; the label is the SET of convex-hull
  vertices (Qhull, through the convex-hull game's reference), emitted in some order and
  then ``end``. Which order the set is written in is the point of the Order Matters
  paper's output-order experiments: the fixed orders below, or the order-search loss.

Instances are drawn from ``numpy.random.default_rng([seed, stream, step])``, so a batch is
a pure function of the run's seed and the step: a resumed run sees the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TASKS = ("sorting", "hull_set")
#: Fixed orders a hull vertex set can be written in.
#: ccw: counter-clockwise from the lowest index (the convex-hull game's order);
#: index: ascending index (arbitrary with respect to geometry: the input order is random);
#: x: ascending x coordinate; random: a fresh uniform permutation at every step.
HULL_ORDERS = ("ccw", "index", "x", "random")
#: The game a task's network plays, and the decode rule that game's legal mask matches.
GAME_OF = {"sorting": "sorting", "hull_set": "convex_hull"}
TRAIN_STREAM, EVAL_STREAM = 1, 2


@dataclass(frozen=True, slots=True)
class Batch:
    """Instances with their label sets. ``items``: float32 ``[B, n, d]``; ``members``: bool
    ``[B, n]`` (the label set); ``orders``: int64 ``[B, T]`` (-1 padded; the fixed order,
    without the end action)."""

    items: np.ndarray
    members: np.ndarray
    orders: np.ndarray


def item_dims(task: str) -> int:
    return 1 if task == "sorting" else 2


def rng_for(seed: int, stream: int, step: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(stream), int(step)])


def make_batch(task: str, n: int, count: int, rng: np.random.Generator, order: str = "ccw") -> Batch:
    """``count`` instances of size ``n`` and their labels (``order``: a HULL_ORDERS entry for
    ``hull_set``; sorting's order is ascending)."""
    if task == "sorting":
        values = rng.random((count, n))
        orders = np.argsort(values, axis=1, kind="stable").astype(np.int64)
        return Batch(values[..., None].astype(np.float32), np.ones((count, n), bool), orders)
    if task != "hull_set":
        raise ValueError(f"unknown task {task!r}; accepted: {', '.join(TASKS)}")
    from varena.games.convex_hull import reference

    pts = rng.random((count, n, 2))
    members = np.zeros((count, n), bool)
    orders = np.full((count, n), -1, np.int64)
    for i in range(count):
        ccw = reference(pts[i])
        members[i, ccw] = True
        if order == "ccw":
            seq = ccw
        elif order == "index":
            seq = np.sort(ccw)
        elif order == "x":
            seq = ccw[np.argsort(pts[i, ccw, 0], kind="stable")]
        elif order == "random":
            seq = rng.permutation(ccw)
        else:
            raise ValueError(f"unknown hull order {order!r}; accepted: {', '.join(HULL_ORDERS)}")
        orders[i, :len(seq)] = seq
    return Batch(pts.astype(np.float32), members, orders)


def with_end(orders: np.ndarray, n: int) -> np.ndarray:
    """Append the end action (index n) after each -1-padded sequence: ``[B, T + 1]``."""
    out = np.full((len(orders), orders.shape[1] + 1), -1, np.int64)
    out[:, :-1] = orders
    lengths = (orders >= 0).sum(axis=1)
    out[np.arange(len(orders)), lengths] = n
    return out


def set_exact(decoded: np.ndarray, members: np.ndarray) -> np.ndarray:
    """bool ``[B]``: the decoded elements (end and padding dropped) are exactly the set,
    each once."""
    n = members.shape[1]
    out = np.empty(len(decoded), bool)
    for i, row in enumerate(decoded):
        elems = row[(row >= 0) & (row < n)]
        out[i] = len(elems) == members[i].sum() and len(set(elems.tolist())) == len(elems) \
            and bool(members[i, elems].all())
    return out


def sorted_exact(decoded: np.ndarray, items: np.ndarray) -> np.ndarray:
    """bool ``[B]``: the decode is a permutation whose values come out ascending (ties in
    either order), the sorting game's ``accuracy``."""
    values = items[..., 0]
    n = values.shape[1]
    out = np.empty(len(decoded), bool)
    for i, row in enumerate(decoded):
        out[i] = len(row) == n and len(set(row.tolist())) == n and (row >= 0).all() \
            and bool(np.all(np.diff(values[i, row]) >= 0))
    return out
