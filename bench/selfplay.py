"""Benchmark of self-play training (``varena train``): CPU or CUDA.

1. Self-play positions/s (searched moves) for gomoku 9x9 and go 9x9 with G games in flight,
   and the share of wall time inside the network forward (target >= 0.9 at 256 games).
2. A mixed pool (gomoku 7x7 + gomoku 9x9 + go 9x9, G games in all) against G games of
   gomoku 9x9 alone, their moves interleaved: positions/s ratio (target >= 0.9).
3. Learner steps/s and positions/s (batch of one game spec, symmetries sampled).

Prints one JSON object per figure:
``{"name", "value", "unit", "baseline", "baseline_value", "ratio", "params"}``.

    .venv/bin/python bench/selfplay.py                       # defaults: 256 games, 32 sims
    .venv/bin/python bench/selfplay.py --games 64 --sims 16 --seconds 10
    .venv/bin/python bench/selfplay.py --device cuda         # bf16 autocast on CUDA
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from varena.engine.host import get_host
from varena.engine.nn.device import configure_cpu_threads, resolve_device
from varena.engine.train.buffer import ReplayBuffer
from varena.engine.train.config import LEARNER, SELFPLAY, check_section, split_slots
from varena.engine.train.learner import Learner
from varena.engine.train.selfplay import SelfPlay
from varena.solvers.alphavit.checkpoints import new_network

try:
    from varena.engine.nn.evaluator import NetEvaluator as Evaluator
except ImportError:  # before the rename
    from varena.engine.nn.evaluator import Evaluator


def emit(name, value, unit, baseline=None, baseline_value=None, params=None):
    ratio = value / baseline_value if baseline_value else None
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit, "baseline": baseline,
                      "baseline_value": None if baseline_value is None else round(baseline_value, 4),
                      "ratio": None if ratio is None else round(ratio, 4), "params": params or {}}),
          flush=True)


def selfplay_rate(specs, total, sims, seconds, device, preset, seed=0):
    """(positions/s, forward share, encode share, network calls per move step) of self-play."""
    host = get_host()
    games = [host.make_game(s) for s in specs]
    net = new_network("vit", preset, list(dict.fromkeys(g.name for g in games)), seed=seed)
    ev = Evaluator(net, device)
    opts = check_section({"sims": sims, "games_in_flight": total, "temperature_moves": 4},
                         SELFPLAY, "selfplay")
    sp = SelfPlay(games, split_slots(total, [1.0] * len(games)), ev, opts, seed)
    sp.step()  # compiles the search for these games, fills caches
    ev.reset_stats()
    sp.reset_stats()
    calls0 = ev.stats.calls
    t0 = time.perf_counter()
    steps = 0
    while time.perf_counter() - t0 < seconds or steps < 2:
        sp.step()
        steps += 1
    wall = time.perf_counter() - t0
    return (sp.moves / wall, ev.stats.forward_seconds / wall, ev.stats.encode_seconds / wall,
            (ev.stats.calls - calls0) / steps, sp.pool is not None)


def _selfplay(specs, total, sims, device, preset, seed=0):
    host = get_host()
    games = [host.make_game(s) for s in specs]
    net = new_network("vit", preset, list(dict.fromkeys(g.name for g in games)), seed=seed)
    ev = Evaluator(net, device)
    opts = check_section({"sims": sims, "games_in_flight": total, "temperature_moves": 4},
                         SELFPLAY, "selfplay")
    sp = SelfPlay(games, split_slots(total, [1.0] * len(games)), ev, opts, seed)
    sp.step()  # compiles, fills caches
    sp.reset_stats()
    ev.reset_stats()
    return sp, ev


def mixed_against_single(mixed, single, total, sims, seconds, device, preset):
    """(mixed pos/s, single pos/s, mixed forward share): the two pools' moves alternate, so
    load from other processes falls on both alike."""
    a, ev_a = _selfplay(mixed, total, sims, device, preset)
    b, ev_b = _selfplay(single, total, sims, device, preset)
    ta = tb = 0.0
    while ta + tb < 2 * seconds or min(a.moves, b.moves) == 0:
        t0 = time.perf_counter()
        a.step()
        t1 = time.perf_counter()
        b.step()
        ta, tb = ta + t1 - t0, tb + time.perf_counter() - t1
    return a.moves / ta, b.moves / tb, ev_a.stats.forward_seconds / ta


def learner_rate(spec, batch, seconds, device, preset):
    host = get_host()
    g = host.make_game(spec)
    net = new_network("vit", preset, [g.name], seed=0).to(device)
    o = check_section({"batch_size": batch}, LEARNER, "learner")
    learner = Learner(net, o, device)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        buf = ReplayBuffer(tmp, [g], window=100_000)
        rng = np.random.default_rng(0)
        n = 4096
        states = []
        for _ in range(n // 64):
            s = g.initial_state(rng)
            for _ in range(64):
                legal = np.flatnonzero(g.legal_mask(s))
                if legal.size == 0:
                    break
                nxt = g.next_state(s, int(rng.choice(legal)))
                if g.outcome(nxt)[0]:
                    break
                s = nxt
                states.append(s)
        states = np.stack(states)
        policy = rng.dirichlet(np.ones(g.num_actions), size=len(states)).astype(np.float32)
        policy *= g.legal_masks(states)
        policy /= np.maximum(policy.sum(1, keepdims=True), 1e-9)
        buf.commit(0, states, policy, rng.uniform(-1, 1, len(states)).astype(np.float32), 1)
        _, s, p, v = buf.sample(batch, rng)
        learner.train_step(g, s, p, v)
        t0, steps, sample_s = time.perf_counter(), 0, 0.0
        while time.perf_counter() - t0 < seconds or steps < 2:
            ts = time.perf_counter()
            _, s, p, v = buf.sample(batch, rng)
            sample_s += time.perf_counter() - ts
            learner.train_step(g, s, p, v)
            steps += 1
        wall = time.perf_counter() - t0
    return steps / wall, sample_s / wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=256, help="games in flight")
    ap.add_argument("--sims", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20.0, help="per figure")
    ap.add_argument("--batch", type=int, default=256, help="learner minibatch")
    ap.add_argument("--preset", default="small", choices=("small", "paper"))
    ap.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--only", default="", help="comma list of: selfplay,mixed,learner")
    a = ap.parse_args()
    device = resolve_device(a.device)
    if device.type == "cpu":
        configure_cpu_threads()
    only = set(a.only.split(",")) if a.only else {"selfplay", "mixed", "learner"}
    params = {"games": a.games, "sims": a.sims, "preset": a.preset, "device": str(device),
              "torch_threads": torch.get_num_threads()}
    if "selfplay" in only:
        for spec in ("gomoku:size=9", "go:size=9"):
            rate, fwd, enc, calls, pooled = selfplay_rate([spec], a.games, a.sims, a.seconds,
                                                          device, a.preset)
            p = {**params, "game": spec, "network_calls_per_move": round(calls, 2)}
            emit(f"selfplay_positions_per_s[{spec}]", rate, "positions/s", params=p)
            emit(f"selfplay_forward_share[{spec}]", fwd, "fraction of wall time", "target", 0.9, p)
            emit(f"selfplay_encode_share[{spec}]", enc, "fraction of wall time", params=p)
    if "mixed" in only:
        specs = ["gomoku:size=7", "gomoku:size=9", "go:size=9"]
        rate, base, fwd = mixed_against_single(specs, ["gomoku:size=9"], a.games, a.sims,
                                               a.seconds, device, a.preset)
        p = {**params, "games_mixed": specs, "forward_share": round(fwd, 3),
             "interleaved": True}
        emit("selfplay_mixed_positions_per_s", rate, "positions/s",
             f"{a.games} games of gomoku:size=9 alone", base, p)
    if "learner" in only:
        for spec in ("gomoku:size=9", "go:size=9"):
            steps, sample_share = learner_rate(spec, a.batch, a.seconds, device, a.preset)
            p = {**params, "game": spec, "batch": a.batch, "sampling_share": round(sample_share, 3)}
            emit(f"learner_steps_per_s[{spec}]", steps, "steps/s", params=p)
            emit(f"learner_positions_per_s[{spec}]", steps * a.batch, "positions/s", params=p)


if __name__ == "__main__":
    main()
