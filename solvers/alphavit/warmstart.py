"""Expert-iteration warm start: an AlphaViT network trained on the compiled rollout MCTS's
self-play, to start ``varena train`` from (``[network] init = ...``) instead of random weights.

At low CPU budgets a random network's self-play teaches little per CPU-minute: its search is
guided by noise and its games end at random. The compiled rollout MCTS (``mcts:sims=400``)
plays far better games at tens of thousands of simulations per second, so its visit
distributions and game results are better targets, and cheaper per position, than a fresh
network's. ``varena warmstart CONFIG`` reads a training config (its games, network and
learner sections), plays the expert's self-play games of every configured game in lockstep
batches, then fits the configured network to them with the trainer's own learner
(policy cross-entropy + value MSE, random symmetries), and writes a checkpoint that the
config's ``init`` can name::

    varena warmstart alphavit_gomoku_go_warm --out runs/warm.safetensors --minutes 20

Recorded per position: the state, the expert's root visit distribution and the final result
for the player to move. The first ``selfplay.temperature_moves`` moves of a game are sampled
from the visit distribution (``selfplay.temperature``), the rest are the expert's choice.
The expert's games are kept (``--data``, safetensors) so the fit can be redone without
replaying them.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("varena.train")


def expert_games(game: Any, expert: Any, slots: int, seconds: float, temperature_moves: int,
                 temperature: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Play ``slots`` expert self-play games of ``game`` at once for ``seconds``; returns
    (states, policies, values, finished games) of the games that ended."""
    states = game.initial_states(slots, rng)
    moves = np.zeros(slots, np.int64)
    hist: list[list[tuple[np.ndarray, np.ndarray, int]]] = [[] for _ in range(slots)]
    out_s, out_p, out_v = [], [], []
    games = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        actions = expert.select_actions(states)
        policy = expert.last_result.policy
        for j in range(slots):
            s = states[j]
            hist[j].append((s.copy(), policy[j].astype(np.float32), game.to_play(s)))
            a = int(actions[j])
            if moves[j] < temperature_moves:
                p = np.where(game.legal_mask(s), policy[j].astype(np.float64), 0.0) ** (1 / temperature)
                if p.sum() > 0:
                    a = int(rng.choice(p.size, p=p / p.sum()))
            states[j] = game.next_state(s, a)
            moves[j] += 1
            done, _ = game.outcome(states[j])
            if not done and moves[j] < game.max_moves:
                continue
            returns = game.returns(states[j]) if done else np.zeros(game.num_players)
            for st, pol, player in hist[j]:
                out_s.append(st)
                out_p.append(pol)
                out_v.append(float(returns[player]))
            games += 1
            hist[j] = []
            moves[j] = 0
            states[j] = game.initial_states(1, rng)[0]
    if not out_s:
        return (np.zeros((0, game.state_len), states.dtype), np.zeros((0, game.num_actions), np.float32),
                np.zeros(0, np.float32), 0)
    return np.stack(out_s), np.stack(out_p), np.array(out_v, np.float32), games


def _augment(game: Any, states: np.ndarray, policy: np.ndarray, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray]:
    """Each row under a random symmetry of its game (as the replay buffer samples)."""
    if game.num_symmetries <= 1:
        return states, policy
    ks = rng.integers(game.num_symmetries, size=len(states))
    for k in np.unique(ks):
        if k == 0:
            continue
        sel = np.flatnonzero(ks == k)
        states[sel] = game.transform_states(states[sel], int(k))
        moved = np.empty_like(policy[sel])
        moved[:, game.action_permutation(int(k))] = policy[sel]
        policy[sel] = moved
    return states, policy


def warm_start(config: str, out: Path, *, minutes: float, play_share: float, sims: int,
               slots: int, data: Path | None, seed: int | None, lr: float | None = None
               ) -> dict[str, Any]:
    """Play the expert's games, fit the config's network to them, write ``out``."""
    import torch
    from safetensors.numpy import load_file, save

    from varena.engine.atomic import write_atomic
    from varena.engine.host import get_host
    from varena.engine.train.cli import read_config
    from varena.engine.train.config import check_config
    from varena.engine.train.learner import Learner, lr_at
    from varena.solvers.alphavit.checkpoints import new_network, save_network

    t_start = time.monotonic()
    cpu0 = time.process_time()
    _, _, parsed = read_config(config)
    cfg = check_config(parsed)
    host = get_host()
    games = [host.make_game(spec) for spec, _ in cfg.games]
    seed = cfg.seed if seed is None else seed
    rng = np.random.default_rng(seed)
    expert_spec = f"mcts:sims={sims}"
    budget = 60.0 * minutes
    held: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    counts: dict[str, dict[str, int]] = {}
    if data is not None and data.is_file():
        arrays = load_file(str(data))
        for i in range(len(games)):
            held.append((arrays[f"{i}.states"], arrays[f"{i}.policy"], arrays[f"{i}.value"]))
        counts = json.loads(data.with_suffix(".json").read_text(encoding="utf-8"))
        log.info("warm start: expert games read from %s", data)
    else:
        play_seconds = budget * play_share
        weights = np.array([w for _, w in cfg.games], np.float64)
        for i, g in enumerate(games):
            expert = host.make_agent(expert_spec, g, seed=int(rng.integers(2**31)))
            share = play_seconds * weights[i] / weights.sum()
            s, p, v, n = expert_games(g, expert, slots, share, cfg.selfplay["temperature_moves"],
                                      cfg.selfplay["temperature"], rng)
            held.append((s, p, v))
            counts[g.spec] = {"positions": int(len(v)), "games": int(n)}
            log.info("warm start: %s: %d positions, %d games of %s", g.spec, len(v), n, expert_spec)
        if data is not None:
            arrays = {f"{i}.{k}": np.ascontiguousarray(a) for i, h in enumerate(held)
                      for k, a in zip(("states", "policy", "value"), h, strict=True)}
            write_atomic(data, save(arrays))
            write_atomic(data.with_suffix(".json"), json.dumps(counts, indent=1))
    n = cfg.sections["network"]
    overrides = {k: n[k] for k in ("d_model", "heads", "ff", "enc_layers", "dec_layers", "dropout")
                 if n[k] is not None}
    names = list(dict.fromkeys(g.name for g in games))
    net = new_network(n["arch"], n["preset"], names, seed=seed, positions=n["positions"], **overrides)
    device = torch.device("cpu")
    opts = dict(cfg.learner)
    if lr is not None:  # the fit of fixed data takes a larger step than the fine-tuning after it
        opts["lr"] = lr
    learner = Learner(net, opts, device)
    sizes = np.array([len(h[2]) for h in held], np.float64)
    if sizes.sum() == 0:
        from varena.engine.errors import VarenaError

        raise VarenaError("warm start: the expert finished no game in the time given; give more --minutes")
    fit_seconds = max(1.0, budget - (time.monotonic() - t_start))
    batch = opts["batch_size"]
    # the cosine schedule needs an end: estimate the steps the fit's time pays for from
    # the first 20 steps, then decay over them
    opts["decay_steps"] = 10**9
    losses: list[dict[str, float]] = []
    step, t_fit, total = 0, time.monotonic(), None
    while time.monotonic() - t_fit < fit_seconds:
        if step == 20 and total is None:
            per_step = (time.monotonic() - t_fit) / 20
            total = max(40, int(fit_seconds / per_step))
            learner.o["decay_steps"] = total
        i = int(rng.choice(len(held), p=sizes / sizes.sum()))
        s, p, v = held[i]
        rows = rng.integers(len(v), size=batch)
        st, pol = _augment(games[i], s[rows].copy(), p[rows].copy(), rng)
        losses.append(learner.train_step(games[i], st, pol, v[rows]))
        step += 1
        if step % 100 == 0:
            recent = losses[-100:]
            log.info("warm start: step %d, loss %.3f (policy %.3f, value %.3f), lr %.2g", step,
                     np.mean([x["loss"] for x in recent]), np.mean([x["policy_loss"] for x in recent]),
                     np.mean([x["value_loss"] for x in recent]), lr_at(step, learner.o))
    positions = int(sizes.sum())
    finished = sum(c["games"] for c in counts.values())
    recent = losses[-100:]
    summary = {"expert": expert_spec, "per_game": counts, "steps": step, "batch_size": batch,
               "lr": opts["lr"],
               "cpu_minutes": round((time.process_time() - cpu0) / 60, 2),
               "wall_minutes": round((time.monotonic() - t_start) / 60, 2),
               "final_policy_loss": float(np.mean([x["policy_loss"] for x in recent])),
               "final_value_loss": float(np.mean([x["value_loss"] for x in recent]))}
    save_network(out, net, step=0, trained_on=[g.spec for g in games],
                 extra={"training": {"positions": positions, "games": finished,
                                     "warm_start": summary, "config": cfg.to_json()}})
    return summary


def _command():
    import click

    @click.command("warmstart")
    @click.argument("config")
    @click.option("--out", type=click.Path(dir_okay=False), required=True,
                  help="Checkpoint to write (name it in the config's [network] init).")
    @click.option("--minutes", type=click.FloatRange(min=0.1), default=20.0, show_default=True,
                  help="Wall time in all: expert games, then the fit.")
    @click.option("--play-share", type=click.FloatRange(0.05, 0.95), default=0.6, show_default=True,
                  help="Share of the time spent playing expert games.")
    @click.option("--sims", type=click.IntRange(1, 100_000), default=400, show_default=True,
                  help="Simulations of the rollout MCTS expert.")
    @click.option("--slots", type=click.IntRange(1, 4096), default=16, show_default=True,
                  help="Expert games played at once per configured game.")
    @click.option("--data", type=click.Path(dir_okay=False), default=None,
                  help="Keep the expert games here (safetensors); an existing file is read instead.")
    @click.option("--lr", type=click.FloatRange(1e-8, 10.0), default=None,
                  help="Peak learning rate of the fit (default: the config's learner.lr).")
    @click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None)
    def warmstart(config: str, out: str, minutes: float, play_share: float, sims: int, slots: int,
                  data: str | None, lr: float | None, seed: int | None) -> None:
        """Fit CONFIG's network to rollout-MCTS self-play (expert iteration's first step)."""
        logging.getLogger("varena.train").setLevel(logging.INFO)
        summary = warm_start(config, Path(out), minutes=minutes, play_share=play_share, sims=sims,
                             slots=slots, data=Path(data) if data else None, seed=seed, lr=lr)
        click.echo(json.dumps(summary))
        click.echo(f"checkpoint: {out}")

    return warmstart


warmstart_command = _command()
