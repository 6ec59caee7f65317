"""Read-Process-Write (Order Matters) on sorting and on a set output: JSON lines + markdown.

    .venv/bin/python bench/set2seq.py --runs runs/bench-set2seq            # everything
    .venv/bin/python bench/set2seq.py --runs runs/bench-set2seq --section sorting --steps 2000

Every RPW network is trained through the ``set2seq`` trainer (the ``varena train`` contract) in
``--runs/<name>``; a run that is already complete is only evaluated, an unfinished one is
resumed, so the script can be stopped and rerun. Sections:

- ``sorting``: N floats uniform in [0, 1], the paper's free setting (no mask: the pointer
  may repeat an element, which is then wrong), whole-sequence accuracy of greedy decodes on
  1,000 fresh sets per N (5, 10, 15). ``--protocol per-n`` (default, the paper's): one
  network per N and per P (0, 1, 5, 10), each tested on every N; ``mixed``: one per P
  trained on ``--train-sizes``. The recipe is the shipped ``sort_free_n*`` configs' (lr
  3e-3, warm-up, cosine decay, gradient clip). Beside them the Pointer Network
  (``solvers/ptrnet``'s LSTM pointer: an LSTM reading the inputs in order, the same
  decoder) trained by the same trainer step on the same data, steps and schedule
  (``--no-ptrnet`` leaves it out).
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
import os
import re
import sys
import time
import tomllib
from pathlib import Path

PAPER = {5: 0.94, 10: 0.57, 15: 0.10}
PAPER_PTRNET = {5: 0.90, 10: 0.28, 15: 0.04}
SIZES = (5, 10, 15)
HULL_ORDERS = ("ccw", "index", "x", "random", "search")


def config_text(task: str, sizes, rule: str, p: int, order: str, steps: int, lr: float,
                clip: float, eval_sizes, warmup: int = 0, schedule: str = "constant") -> str:
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
warmup = {warmup}
schedule = "{schedule}"
lr_min = {1e-5 if schedule == "cosine" else 0.0}
[run]
steps = {steps}
log_every = 50
eval_every = 0
eval_count = 1000
eval_sizes = {list(eval_sizes)}
checkpoint_every = 250
"""


def sorting_text(train_sizes, p: int, steps: int | None) -> str:
    """The shipped free-sorting recipe for ``train_sizes`` at Process steps ``p``: for one N
    the shipped ``sort_free_n{N}`` config itself (its own steps unless ``steps``), so the
    P = 1 rows ARE the shipped checkpoints' runs; for mixed sizes the same recipe (lr 3e-3,
    200 warm-up steps, cosine decay, gradient clip 1, d = 64, no logit clip)."""
    if len(train_sizes) == 1:
        from importlib import resources

        folder = resources.files("varena.solvers.set2seq") / "configs"
        text = (folder / f"sort_free_n{train_sizes[0]}.toml").read_text(encoding="utf-8")
        text = re.sub(r"(?m)^process_steps = \d+", f"process_steps = {p}", text)
        return text if steps is None else re.sub(r"(?m)^steps = \d+", f"steps = {steps}", text)
    return config_text("sorting", train_sizes, "free", p, "ascending", steps or 3000, 0.003, 0.0,
                       SIZES, warmup=200, schedule="cosine")


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f}"


def trained(root: Path, name: str, text: str, factory=None):
    """The trainer of run ``root/name``, trained to its configured steps (resumed if begun).
    ``factory(config, run)`` builds another trainer than set2seq's (the Pointer Network)."""
    from varena.engine.train.rundir import RunDir
    from varena.engine.train.trainer import Budget
    from varena.solvers.set2seq.trainer import Set2SeqTrainer

    path = root / name
    run = RunDir(path, text, resume=(path / "config.toml").is_file())
    config = tomllib.loads(text)
    t = factory(config, run) if factory else Set2SeqTrainer(config, run, "cpu", None)
    start, before, cpu0 = time.monotonic(), t.step, time.process_time()
    if t.step < t.s.steps:
        t.train(Budget())
    minutes = (time.monotonic() - start) / 60
    rows = [r for r in run.read_metrics() if "steps_per_s" in r]
    rate = sum(r["steps_per_s"] for r in rows) / len(rows) if rows else 0.0
    return t, {"steps": t.step, "trained_now": t.step - before, "minutes_now": round(minutes, 2),
               "cpu_minutes_now": round((time.process_time() - cpu0) / 60, 2),
               "steps_per_s": round(rate, 2), "load": load_text()}


def emit(name: str, value: float, baseline: str | None, base: float | None, params: dict) -> dict:
    row = {"name": name, "value": round(100 * value, 1), "unit": "%", "baseline": baseline,
           "baseline_value": None if base is None else round(100 * base, 1),
           "ratio": None if not base else round(value / base, 3), "params": params}
    print(json.dumps(row), flush=True)
    return row


class PtrNetBaseline:
    """The Pointer Network (``solvers/ptrnet``'s LSTM ``LstmPointer``: an LSTM reading the
    inputs in order, the same decoder and glimpse) trained by the set2seq trainer's own
    step (same data stream, loss, rule, schedule, batch and steps); weights in the run
    directory's ``ptrnet.safetensors``, so a finished run is only evaluated."""

    @staticmethod
    def factory(config: dict, run):
        import torch
        from safetensors.torch import load_file, save_file

        from varena.solvers.ptrnet.networks import NetConfig as PtrConfig, build
        from varena.solvers.set2seq.trainer import Set2SeqTrainer

        class Trainer(Set2SeqTrainer):
            def __init__(self) -> None:  # no set2seq network: the Pointer Network instead
                from varena.solvers.set2seq.config import check_config

                self.s = check_config(config)
                self.run, self.seed, self.device = run, self.s.seed, torch.device("cpu")
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(self.seed)
                    self.net = build(PtrConfig(arch="lstm", item_dims=1, d=64, glimpses=1,
                                               clip=float(self.s.model["clip"])))
                self.opt = torch.optim.Adam(self.net.parameters(), lr=self.s.lr)
                self.search, self.step, self.checkpoint = None, 0, None
                self.file = run.path / "ptrnet.safetensors"
                if self.file.is_file():
                    tensors = load_file(str(self.file))
                    self.step = int(tensors.pop("__step__").item())
                    self.net.load_state_dict(tensors)

            def save(self) -> Path:  # weights only: a killed baseline run starts again
                tensors = {k: v.contiguous() for k, v in self.net.state_dict().items()}
                tensors["__step__"] = torch.tensor(self.step)
                tmp = self.file.with_suffix(".tmp")
                save_file(tensors, str(tmp))
                tmp.replace(self.file)
                self.checkpoint = self.file
                return self.file

        return Trainer()


def sorting(root: Path, steps: int | None, ps, train_sizes, protocol: str, ptrnet: bool,
            per_n=SIZES) -> list[str]:
    """Free sorting, whole-sequence accuracy at N = 5, 10, 15. ``per-n``: one network per
    trained N (the paper's protocol; tested on every N); ``mixed``: one network trained on
    ``train_sizes``."""
    from varena.solvers.set2seq.trainer import accuracy

    groups = [(n,) for n in per_n] if protocol == "per-n" else [tuple(train_sizes)]
    models = [(f"RPW P={p}", p, None) for p in ps]
    if ptrnet:
        models.append(("Ptr-Net (LSTM)", None, PtrNetBaseline.factory))
    results: dict[tuple[str, tuple[int, ...]], tuple[dict[int, float], dict]] = {}
    for sizes in groups:
        for label, p, factory in models:
            trained_on = "+".join(str(n) for n in sizes)
            kind = "ptrnet" if factory else f"P{p}"
            t, info = trained(root, f"sort-free-{kind}-N{trained_on}",
                              sorting_text(sizes, 1 if p is None else p, steps), factory)
            accs = {}
            for n in SIZES:
                accs[n] = accuracy(t.net, t.s, n, 1000, t.seed, t.device, rule="free")
                emit(f"sorting free N={n} {label} trained on N={trained_on}", accs[n],
                     "paper best", PAPER[n], {"model": label, "N": n, "train_sizes": list(sizes),
                                              **info})
            results[(label, sizes)] = accs, info
    head = "| tested N | paper best | paper Ptr-Net | " + " | ".join(m[0] for m in models) + " |"
    lines = [f"Free sorting (no mask), whole-sequence accuracy on 1,000 fresh sets; batches "
             f"of 128 sets, {'one network per N, tested at its N' if protocol == 'per-n' else 'trained on N=' + '+'.join(map(str, train_sizes))}.",
             "", head, "|" + "---|" * (3 + len(models))]
    for n in per_n if protocol == "per-n" else SIZES:
        sizes = (n,) if protocol == "per-n" else tuple(train_sizes)
        cells = [f"{100 * results[(m[0], sizes)][0][n]:.1f}%" for m in models]
        lines.append(f"| {n} | {100 * PAPER[n]:.0f}% | {100 * PAPER_PTRNET[n]:.0f}% | " + " | ".join(cells) + " |")
    lines += ["", "| network | trained on | tested N=5 | N=10 | N=15 | steps | minutes | load |",
              "|---|---|---|---|---|---|---|---|"]
    for (label, sizes), (accs, info) in results.items():
        lines.append(f"| {label} | N={'+'.join(map(str, sizes))} | " + " | ".join(
            f"{100 * accs[n]:.1f}%" for n in SIZES) + f" | {info['steps']} | {info['minutes_now']} | {info['load']} |")
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
    ap.add_argument("--section", choices=("all", "sorting", "hull"), default="all")
    ap.add_argument("--steps", type=int, default=None, help="learner steps per sorting network "
                    "(default: the shipped sort_free_n* config's; 3000 for mixed sizes)")
    ap.add_argument("--hull-steps", type=int, default=1000, help="learner steps per hull network")
    ap.add_argument("--p", type=int, nargs="*", default=[0, 1, 5, 10], help="Process steps to run")
    ap.add_argument("--protocol", choices=("per-n", "mixed"), default="per-n",
                    help="per-n: one network per N (the paper's); mixed: one on --train-sizes")
    ap.add_argument("--train-sizes", type=int, nargs="*", default=list(range(5, 16)),
                    help="sizes the mixed protocol's network trains on")
    ap.add_argument("--per-n", type=int, nargs="*", default=list(SIZES), choices=SIZES,
                    help="the per-n protocol's trained sizes")
    ap.add_argument("--no-ptrnet", action="store_true", help="leave out the Pointer Network rows")
    ap.add_argument("--orders", nargs="*", default=list(HULL_ORDERS), choices=HULL_ORDERS,
                    help="orders of the hull section")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    logging.basicConfig(level=logging.WARNING)
    tables = []
    if a.section in ("all", "sorting"):
        tables.append(sorting(a.runs, a.steps, a.p, a.train_sizes, a.protocol, not a.no_ptrnet,
                              a.per_n))
    if a.section in ("all", "hull"):
        tables.append(hull(a.runs, a.hull_steps, a.orders))
    for t in tables:
        print("\n" + "\n".join(t), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
