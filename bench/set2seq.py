"""Read-Process-Write (Order Matters) on sorting and on a set output: JSON lines + markdown.

    .venv/bin/python bench/set2seq.py --runs runs/bench-set2seq            # everything
    .venv/bin/python bench/set2seq.py --runs runs/bench-set2seq --section sorting --steps 2000

Every network is trained through the ``set2seq`` trainer (the ``varena train`` contract) in
``--runs/<name>``; a run that is already complete is only evaluated, an unfinished one is
resumed, so the script can be stopped and rerun. Sections:

- ``sorting``: N floats uniform in [0, 1], whole-sequence accuracy on 1,000 fresh sets per N
  (5, 10, 15), for P = 0, 1, 5, 10, one network per P trained on ``--train-sizes`` (default
  N = 10 only: trained on one N, tested on the others).
  The ``free`` rule is the paper's setting (the pointer may repeat an element). The same
  network is also decoded under the sorting game's legal mask (each index once), beside
  an untrained network under that mask. A free-trained network does badly there: its
  glimpse was trained over every element and the mask changes what it reads. Networks
  trained under the mask (the shipped ``sort``) learn it in a hundred steps, since the mask
  leaves only "point at the smallest element left".
- ``cross``: P = 5 trained on N = 10 only (the sorting section's default, kept for
  ``--train-sizes`` runs that mix sizes).
- ``hull``: the convex hull's vertex SET of n = 10 points, the set emitted in a fixed order
  (counter-clockwise, by index, by x, a fresh random order each step) or in the order the
  order-search loss picks; exact-set accuracy of greedy decodes on 1,000 fresh instances.

The paper's figures (its best configuration, and its Pointer-Net baseline) are printed
beside ours; the machine is shared, so the steps and minutes of each run are printed too.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import tomllib
from pathlib import Path

PAPER = {5: 0.94, 10: 0.57, 15: 0.10}
PAPER_PTRNET = {5: 0.90, 10: 0.28, 15: 0.04}
SIZES = (5, 10, 15)
HULL_ORDERS = ("ccw", "index", "x", "random", "search")


def config_text(task: str, sizes, rule: str, p: int, order: str, steps: int, lr: float,
                clip: float, eval_sizes) -> str:
    return f"""solver = "set2seq"
trainer = "supervised"
seed = 0
[task]
name = "{task}"
sizes = {list(sizes)}
rule = "{rule}"
[model]
dim = 64
process_steps = {p}
glimpses = 1
clip = {clip}
[loss]
order = "{order}"
prior_steps = {steps // 4}
samples = 4
[optim]
lr = {lr}
batch = 128
grad_clip = 1.0
[run]
steps = {steps}
log_every = 50
eval_every = 0
eval_count = 1000
eval_sizes = {list(eval_sizes)}
checkpoint_every = 250
"""


def trained(root: Path, name: str, text: str):
    """The trainer of run ``root/name``, trained to its configured steps (resumed if begun)."""
    from varena.engine.train.rundir import RunDir
    from varena.engine.train.trainer import Budget
    from varena.solvers.set2seq.trainer import Set2SeqTrainer

    path = root / name
    run = RunDir(path, text, resume=(path / "config.toml").is_file())
    t = Set2SeqTrainer(tomllib.loads(text), run, "cpu", None)
    start, before = time.monotonic(), t.step
    if t.step < t.s.steps:
        t.train(Budget())
    minutes = (time.monotonic() - start) / 60
    rows = [r for r in run.read_metrics() if "steps_per_s" in r]
    rate = sum(r["steps_per_s"] for r in rows[-10:]) / max(1, len(rows[-10:])) if rows else 0.0
    return t, {"steps": t.step, "trained_now": t.step - before, "minutes_now": round(minutes, 2),
               "steps_per_s": round(rate, 2)}


def emit(name: str, value: float, baseline: str | None, base: float | None, params: dict) -> dict:
    row = {"name": name, "value": round(100 * value, 1), "unit": "%", "baseline": baseline,
           "baseline_value": None if base is None else round(100 * base, 1),
           "ratio": None if not base else round(value / base, 3), "params": params}
    print(json.dumps(row), flush=True)
    return row


def untrained_masked(n: int) -> float:
    from varena.solvers.set2seq.checkpoints import new_network
    from varena.solvers.set2seq.config import check_config
    from varena.solvers.set2seq.network import NetConfig
    from varena.solvers.set2seq.trainer import accuracy

    s = check_config({"task": {"name": "sorting", "sizes": [n]}})
    return accuracy(new_network(NetConfig(), seed=0), s, n, 1000, 0, "cpu", rule="permutation")


def sorting(root: Path, steps: int, ps, train_sizes) -> list[str]:
    from varena.solvers.set2seq.trainer import accuracy

    lines = ["| P | trained | N | free (paper's setting) | paper best | paper Ptr-Net | "
             "under the game's mask | untrained, mask |", "|---|---|---|---|---|---|---|---|"]
    trained_on = "+".join(str(n) for n in train_sizes)
    for p in ps:
        text = config_text("sorting", train_sizes, "free", p, "ascending", steps, 0.003, 0.0, SIZES)
        t, info = trained(root, f"sort-free-P{p}-N{trained_on}", text)
        for n in SIZES:
            free = accuracy(t.net, t.s, n, 1000, t.seed, t.device, rule="free")
            masked = accuracy(t.net, t.s, n, 1000, t.seed, t.device, rule="permutation")
            raw = untrained_masked(n)
            params = {"P": p, "N": n, "train_sizes": list(train_sizes), **info}
            emit(f"sorting N={n} P={p} free", free, "paper best", PAPER[n], params)
            emit(f"sorting N={n} P={p} game mask", masked, "untrained, mask", raw, params)
            lines.append(f"| {p} | {info['steps']} steps, N={trained_on} | {n} | {100 * free:.1f}% | "
                         f"{100 * PAPER[n]:.0f}% | {100 * PAPER_PTRNET[n]:.0f}% | "
                         f"{100 * masked:.1f}% | {100 * raw:.1f}% |")
    return lines


def cross(root: Path, steps: int) -> list[str]:
    from varena.solvers.set2seq.trainer import accuracy

    text = config_text("sorting", (10,), "free", 5, "ascending", steps, 0.003, 0.0, SIZES)
    t, info = trained(root, "sort-free-P5-N10", text)
    lines = ["| P | trained on | tested on N | free | paper best (trained on that N) |",
             "|---|---|---|---|---|"]
    for n in SIZES:
        acc = accuracy(t.net, t.s, n, 1000, t.seed, t.device, rule="free")
        emit(f"sorting N={n} P=5 free, trained on N=10", acc, "paper best", PAPER[n],
             {"P": 5, "N": n, "train_sizes": [10], **info})
        lines.append(f"| 5 | N=10, {info['steps']} steps | {n} | {100 * acc:.1f}% | {100 * PAPER[n]:.0f}% |")
    return lines


def hull(root: Path, steps: int, orders, n: int = 10) -> list[str]:
    from varena.solvers.set2seq.trainer import accuracy

    lines = ["| order the set is trained in | steps | exact vertex set (n=10) |", "|---|---|---|"]
    for order in orders:
        text = config_text("hull_set", (n,), "subset", 5, order, steps, 0.001, 10.0, (n,))
        t, info = trained(root, f"hull-{order}", text)
        acc = accuracy(t.net, t.s, n, 1000, t.seed, t.device)
        emit(f"hull set n={n} order={order}", acc, None, None, {"P": 5, **info})
        what = {"search": f"order search (uniform prior {steps // 4} steps, then sampled "
                          "by the model)", "random": "a fresh random order each step",
                "ccw": "counter-clockwise (geometric)", "index": "by index", "x": "by x"}[order]
        lines.append(f"| {what} | {info['steps']} | {100 * acc:.1f}% |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("runs/bench-set2seq"))
    ap.add_argument("--section", choices=("all", "sorting", "cross", "hull"), default="all")
    ap.add_argument("--steps", type=int, default=2000, help="learner steps per sorting network")
    ap.add_argument("--hull-steps", type=int, default=1000, help="learner steps per hull network")
    ap.add_argument("--p", type=int, nargs="*", default=[0, 1, 5, 10], help="Process steps to run")
    ap.add_argument("--train-sizes", type=int, nargs="*", default=[10],
                    help="sizes the sorting networks train on (the others are tested only)")
    ap.add_argument("--orders", nargs="*", default=list(HULL_ORDERS), choices=HULL_ORDERS,
                    help="orders of the hull section")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    logging.basicConfig(level=logging.WARNING)
    tables = []
    if a.section in ("all", "sorting"):
        tables.append(sorting(a.runs, a.steps, a.p, a.train_sizes))
    if a.section in ("all", "cross"):
        tables.append(cross(a.runs, a.steps))
    if a.section in ("all", "hull"):
        tables.append(hull(a.runs, a.hull_steps, a.orders))
    for t in tables:
        print("\n" + "\n".join(t), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
