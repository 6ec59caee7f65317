"""Pointer networks against the paper's tables (Vinyals et al. 2015) and the classical baselines.

With the shipped checkpoints (``hull``, ``delaunay``, ``tsp20``), on ``--count`` fresh seeded
instances per row (the issue asks 1,000; the default is smaller so a loaded 2-core machine
finishes): convex hull accuracy and area coverage at n = 5 .. 500, Delaunay accuracy and
triangle coverage at n = 5, 10, 50, TSP mean length, optimum and gap at n = 5, 10, 20, 50
(greedy and the best decoding: POMO x8 and beam search) beside nearest neighbour and
farthest insertion, TSPLIB EUC_2D instances up to 200 cities (coordinates scaled into the
unit square; lengths by TSPLIB's integer distances), time per instance and the learner's
instances/s.

Usage: ``python bench/ptrnet.py [--count 200] [--rows hull,delaunay,tsp,tsplib,learner]
[--sizes 20,50] [--decodes greedy,beam16_x8] [--hull NAME] [--delaunay NAME] [--tsp NAME]
[--markdown docs/PTRNET_TABLE.md]``: ``--sizes`` and ``--decodes`` keep only those rows,
``--hull`` / ``--delaunay`` / ``--tsp`` bench another checkpoint (a shipped name or a path)
than the shipped ``hull`` / ``delaunay`` / ``tsp20``. One JSON object per figure on stdout
(house format), then the markdown table (stdout, or the file given).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

PAPER_HULL = {5: 0.920, 10: 0.870, 50: 0.696, 100: 0.503, 200: 0.221, 500: 0.013}
PAPER_HULL_50_ONLY = (0.726, 0.999)
PAPER_DELAUNAY = {5: (0.807, 0.930), 10: (0.226, 0.813), 50: (0.0, 0.528)}
PAPER_TSP = {5: (2.12, 2.12), 10: (2.88, 2.87), 20: (3.88, 3.83), 50: (6.09, 5.69)}
ANCHOR_TSP = {20: {"AM greedy": 0.0034, "POMO x8": 0.0}, 50: {"AM greedy": 0.0176, "POMO x8": 0.0003}}
TSPLIB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tsplib"

ROWS: list[tuple[str, str, str, str]] = []  # markdown: (row, ours, paper / anchor, baseline)
KEEP: dict[str, set[str] | None] = {"sizes": None, "decodes": None}  # None: every row


def kept(n: int, label: str = "") -> bool:
    sizes, decodes = KEEP["sizes"], KEEP["decodes"]
    return (sizes is None or str(n) in sizes) and (not label or decodes is None or label in decodes)


def emit(name: str, value: float, unit: str, params: dict, baseline: str = "",
         base: float | None = None) -> None:
    ratio = value / base if base else None
    print(json.dumps({"name": name, "value": round(float(value), 6), "unit": unit,
                      "baseline": baseline, "baseline_value": None if base is None else round(base, 6),
                      "ratio": None if ratio is None else round(ratio, 4), "params": params}), flush=True)


def _agent_parts(name: str):
    from varena.solvers.ptrnet.checkpoints import load_network, resolve

    net, meta = load_network(resolve(name))
    return net.eval(), meta


def _decode(net, game, states, opts, batch: int = 200):
    import torch

    from varena.solvers.ptrnet.decoding import decode

    with torch.no_grad():
        decode(net, game, states[:1], opts)  # compiled kernels and first calls are not timed
    out, t0 = [], time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(states), batch):
            out.append(decode(net, game, states[i:i + batch], opts, torch.Generator().manual_seed(i)))
    return out, (time.perf_counter() - t0) / len(states)


def _finish(game, states, decoded_chunks):
    """The finished states of every decoded instance (played through the game's rules)."""
    ends = []
    rows = [r for d in decoded_chunks for r in d.actions]
    for s, acts in zip(states, rows, strict=True):
        for a in acts[acts >= 0]:
            s = game.play(s, int(a))
        ends.append(s)
    return ends


def bench_hull(count: int, seed: int, name: str = "hull") -> None:
    from varena.engine.host import get_host
    from varena.solvers.ptrnet.decoding import DecodeOptions

    net, meta = _agent_parts(name)
    for n in (5, 10, 50, 100, 200, 500):
        if not kept(n):
            continue
        c = count if n <= 100 else max(20, count // (5 if n == 200 else 20))
        game = get_host().make_game(f"convex_hull:n={n}")
        states = game.initial_states(c, np.random.default_rng([seed, n]))
        for label, opts in (("greedy", DecodeOptions("greedy")), ("beam4", DecodeOptions("beam", width=4))):
            if label == "beam4" and n > 100 or not kept(n, label):
                continue
            chunks, per = _decode(net, game, states, opts)
            ms = [game.metrics(e) for e in _finish(game, states, chunks)]
            acc = float(np.mean([m["accuracy"] for m in ms]))
            area = float(np.mean([m["area_coverage"] for m in ms]))
            params = {"n": n, "count": c, "decode": label, "checkpoint": name,
                      "trained_on": meta["trained_on"]}
            emit(f"hull_n{n}_{label}_accuracy", acc, "fraction", params, "paper (trained 5-50)", PAPER_HULL[n])
            emit(f"hull_n{n}_{label}_area", area, "fraction", params)
            emit(f"hull_n{n}_{label}_seconds_per_instance", per, "s", params)
            ROWS.append((f"convex hull n={n}, `{name}` {label} ({c} inst.)", f"{100 * acc:.1f}% / {100 * area:.1f}%",
                         f"{100 * PAPER_HULL[n]:.1f}% / -" + (" (n=50-only net: 72.6% / 99.9%)" if n == 50 else ""),
                         ""))


def bench_delaunay(count: int, seed: int, name: str = "delaunay") -> None:
    from varena.engine.host import get_host
    from varena.solvers.ptrnet.decoding import DecodeOptions

    net, meta = _agent_parts(name)
    for n in (5, 10, 50):
        if not kept(n):
            continue
        c = count if n <= 10 else max(20, count // 10)
        game = get_host().make_game(f"delaunay:n={n}")
        states = game.initial_states(c, np.random.default_rng([seed, n]))
        for label, opts in (("greedy", DecodeOptions("greedy")), ("beam4", DecodeOptions("beam", width=4))):
            if label == "beam4" and n > 10 or not kept(n, label):
                continue
            chunks, per = _decode(net, game, states, opts, batch=100)
            ms = [game.metrics(e) for e in _finish(game, states, chunks)]
            acc = float(np.mean([m["accuracy"] for m in ms]))
            cov = float(np.mean([m["coverage"] for m in ms]))
            pa, pc = PAPER_DELAUNAY[n]
            params = {"n": n, "count": c, "decode": label, "checkpoint": name,
                      "trained_on": meta["trained_on"]}
            emit(f"delaunay_n{n}_{label}_accuracy", acc, "fraction", params, "paper", pa)
            emit(f"delaunay_n{n}_{label}_coverage", cov, "fraction", params, "paper", pc)
            emit(f"delaunay_n{n}_{label}_seconds_per_instance", per, "s", params)
            ROWS.append((f"Delaunay n={n}, `{name}` {label} ({c} inst.)", f"{100 * acc:.1f}% / {100 * cov:.1f}%",
                         f"{100 * pa:.1f}% / {100 * pc:.1f}%", ""))


def _baseline_lengths(items: np.ndarray) -> dict[str, np.ndarray]:
    from varena.games.tsp_distance import TspProblem
    from varena.solvers.tsp_construct import insertion, nearest_neighbour

    out: dict[str, list[float]] = {"nearest neighbour": [], "farthest insertion": []}
    for x in items:
        p = TspProblem.euclidean(x)
        out["nearest neighbour"].append(p.length(nearest_neighbour(p)))
        out["farthest insertion"].append(p.length(insertion(p, "farthest")))
    return {k: np.asarray(v) for k, v in out.items()}


def bench_tsp(count: int, seed: int, name: str = "tsp20") -> None:
    from varena.engine.host import get_host
    from varena.games.tsp_distance import TspProblem
    from varena.solvers.ptrnet.decoding import DecodeOptions

    net, meta = _agent_parts(name)
    for n in (5, 10, 20, 50):
        if not kept(n):
            continue
        c = count if n <= 20 else max(20, count // 4)
        game = get_host().make_game(f"tsp:n={n}")
        items = np.stack([game.sample(n, np.random.default_rng([seed, n, i])) for i in range(c)])
        states = np.stack([game.state_of(x) for x in items])
        opt = np.asarray([TspProblem.euclidean(x).length(game.reference(x)) for x in items])
        base = _baseline_lengths(items)
        nn_gap = float((base["nearest neighbour"] / opt - 1).mean())
        fi_gap = float((base["farthest insertion"] / opt - 1).mean())
        emit(f"tsp_n{n}_optimal_length", opt.mean(), "length", {"n": n, "count": c,
             "reference": "Held-Karp" if n <= 13 else "LKH-3"}, "paper optimum", PAPER_TSP[n][1])
        strategies = [("greedy", DecodeOptions("greedy")),
                      ("pomo_x8", DecodeOptions("pomo", augment=8)),
                      ("beam16_x8", DecodeOptions("beam", width=16, augment=8))]
        for label, opts in strategies:
            if not kept(n, label):
                continue
            chunks, per = _decode(net, game, states, opts, batch=100 if n <= 20 else 25)
            lengths = -np.concatenate([d.values for d in chunks])
            gap = float((lengths / opt - 1).mean())
            params = {"n": n, "count": c, "decode": label, "checkpoint": name,
                      "trained_on": meta["trained_on"]}
            emit(f"tsp_n{n}_{label}_length", lengths.mean(), "length", params, "paper Ptr-Net", PAPER_TSP[n][0])
            emit(f"tsp_n{n}_{label}_gap", gap, "fraction", params, "nearest neighbour", nn_gap)
            emit(f"tsp_n{n}_{label}_seconds_per_instance", per, "s", params)
            anchor = ANCHOR_TSP.get(n)
            anchors = f" (AM greedy {100 * anchor['AM greedy']:.2f}%, POMO x8 {100 * anchor['POMO x8']:.2f}%)" if anchor else ""
            ROWS.append((f"TSP n={n}, `{name}` {label} ({c} inst.)",
                         f"{lengths.mean():.3f} (opt {opt.mean():.3f}), gap {100 * gap:.2f}%",
                         f"{PAPER_TSP[n][0]:.2f} (opt {PAPER_TSP[n][1]:.2f}){anchors}",
                         f"NN {100 * nn_gap:.1f}%, FI {100 * fi_gap:.1f}%"))


def bench_tsplib(seed: int, name: str = "tsp20") -> None:
    from varena.engine.host import get_host
    from varena.games import tsplib
    from varena.solvers.ptrnet.decoding import DecodeOptions
    from varena.solvers.tsp_construct import nearest_neighbour

    net, _ = _agent_parts(name)
    gaps: dict[str, list[float]] = {"greedy": [], "pomo_x8": [], "nearest neighbour": []}
    names = []
    for path in sorted(TSPLIB.glob("*.tsp")):
        try:
            inst = tsplib.read(path)
        except Exception:
            continue
        if inst.edge_weight_type != "EUC_2D" or not 20 <= inst.dimension <= 200:
            continue
        best, _ = tsplib.best_known(path)
        if not best:
            continue
        prob = inst.problem()
        xy = np.asarray(inst.coords, dtype=np.float64)
        unit = (xy - xy.min(axis=0)) / max(float(np.ptp(xy, axis=0).max()), 1e-12)
        game = get_host().make_game(f"tsp:n={inst.dimension}")
        state = game.state_of(unit)[None]
        aug = 8 if inst.dimension <= 100 else 1  # x8 of 200-city POMO is minutes here
        for label, opts in (("greedy", DecodeOptions("greedy")), ("pomo_x8", DecodeOptions("pomo", augment=aug))):
            chunks, _ = _decode(net, game, state, opts)
            tour = np.concatenate([[0], chunks[0].actions[0]])
            gaps[label].append(prob.length(tour) / best - 1)
        gaps["nearest neighbour"].append(prob.length(nearest_neighbour(prob)) / best - 1)
        names.append(inst.name)
    for label, g in gaps.items():
        emit(f"tsplib_{label.replace(' ', '_')}_mean_gap", float(np.mean(g)), "fraction",
             {"instances": names, "count": len(names)})
    ROWS.append((f"TSPLIB EUC_2D 20-200 cities ({len(names)} inst.)",
                 f"greedy {100 * np.mean(gaps['greedy']):.1f}%, POMO x8 (x1 above 100 cities) "
                 f"{100 * np.mean(gaps['pomo_x8']):.1f}%",
                 "-", f"NN {100 * np.mean(gaps['nearest neighbour']):.1f}%"))


def bench_learner(seed: int) -> None:
    import tempfile
    import tomllib

    from varena.engine.train.rundir import RunDir
    from varena.solvers.ptrnet.agent import PtrNetSolver

    cfg_dir = Path(__file__).resolve().parents[1] / "solvers" / "ptrnet" / "configs"
    for name, trainer, extra in (("tsp20", "supervised", {"train_instances": 256}),
                                 ("tsp20", "reinforce", {"baseline": "rollout"})):
        cfg = tomllib.loads((cfg_dir / f"{name}.toml").read_text())
        cfg.update(trainer=trainer, sizes=[20], eval_instances=8, export="", log_every=1000,
                   eval_every=1000, checkpoint_every=1000, **extra)
        if trainer == "reinforce":
            cfg.pop("train_instances", None)
            cfg.pop("data_seed", None)
        with tempfile.TemporaryDirectory() as tmp:
            t = PtrNetSolver.trainers()[trainer](cfg, RunDir(Path(tmp) / "run", "x"), "cpu", seed)
            t.learn(1, np.random.default_rng(0), __import__("torch").Generator())  # warm up
            start, steps = time.perf_counter(), 5
            for s in range(steps):
                t.learn(s + 2, np.random.default_rng(s), __import__("torch").Generator().manual_seed(s))
            rate = steps * cfg["batch"] / (time.perf_counter() - start)
        emit(f"learner_{trainer}_tsp20_instances_per_s", rate, "instances/s",
             {"device": "cpu", "batch": cfg["batch"], "d": cfg["d"], "layers": cfg["layers"]})
        ROWS.append((f"learner, {trainer}, TSP20 (CPU)", f"{rate:.0f} instances/s", "-", ""))


def markdown() -> str:
    lines = ["| row | ours | paper (Vinyals 2015) / anchors | baselines |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ROWS]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--rows", default="hull,delaunay,tsp,tsplib,learner")
    ap.add_argument("--sizes", default="", help="keep only these n (comma separated)")
    ap.add_argument("--decodes", default="", help="keep only these decodings (e.g. greedy,beam16_x8)")
    ap.add_argument("--hull", default="hull")
    ap.add_argument("--delaunay", default="delaunay")
    ap.add_argument("--tsp", default="tsp20")
    ap.add_argument("--markdown", default="")
    args = ap.parse_args()
    rows = args.rows.split(",")
    KEEP["sizes"] = set(args.sizes.split(",")) if args.sizes else None
    KEEP["decodes"] = set(args.decodes.split(",")) if args.decodes else None
    from varena.engine.nn.device import configure_cpu_threads

    configure_cpu_threads()  # one thread on a shared machine (see varena.engine.nn.device)
    from varena.solvers.ptrnet.checkpoints import shipped

    have = set(shipped())
    for row, need in (("hull", args.hull), ("delaunay", args.delaunay), ("tsp", args.tsp),
                      ("tsplib", args.tsp)):
        if row in rows and need not in have and not Path(need).is_file():
            print(json.dumps({"skipped": row, "why": f"no shipped checkpoint {need!r}"}))
            rows.remove(row)
    if "hull" in rows:
        bench_hull(args.count, args.seed, args.hull)
    if "delaunay" in rows:
        bench_delaunay(args.count, args.seed, args.delaunay)
    if "tsp" in rows:
        bench_tsp(args.count, args.seed, args.tsp)
    if "tsplib" in rows:
        bench_tsplib(args.seed, args.tsp)
    if "learner" in rows:
        bench_learner(args.seed)
    table = markdown()
    if args.markdown:
        Path(args.markdown).write_text(table)
    print(table)


if __name__ == "__main__":
    main()
