"""Decoding strategies: greedy, sampling (best of K), beam search, POMO multi-start, and the
dihedral test-time augmentation over any of them.

Every strategy steps a :class:`varena.solvers.ptrnet.env.BatchEnv` whose masks come from the
game's ``legal_mask`` kernel, and samples only among the actions that mask allows, so every
decoded sequence is a valid solution of the game (a tour visits each city once, a hull
follows the game's token rules, triangles are increasing triples in lexicographic order).

Choosing among candidates (best of K, the beams, the starts, the symmetries): by the
game's objective where the instance alone gives it (TSP: the shortest tour), otherwise by
the network's log-likelihood (a hull's or a triangulation's score needs the true answer,
which a solver must not read).

Shapes: ``states`` float64 ``[B, state_len]`` start states of one configured game;
``actions`` int64 ``[B, T]``, padded with -1 after each row's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from varena.engine.api import Game
from varena.engine.errors import SpecError
from varena.solvers.ptrnet.env import BatchEnv, instances, problem_info
from varena.solvers.ptrnet.networks import take

STRATEGIES = ("greedy", "sample", "beam", "pomo")


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """How to decode: ``strategy`` (one of STRATEGIES), ``samples`` (best of K for sample),
    ``width`` (beam width), ``augment`` (how many of the game's symmetries to try, 1 = none),
    ``temperature`` (softmax temperature for sampling)."""

    strategy: str = "greedy"
    samples: int = 16
    width: int = 8
    augment: int = 1
    temperature: float = 1.0


@dataclass(frozen=True, slots=True)
class Rollout:
    """One decoded sequence per row: ``actions`` int64 ``[B, T]`` (-1 padded), ``logp``
    float ``[B]`` (sum of log-probabilities; carries gradients when asked), ``steps`` int
    ``[B]`` (actions chosen), ``values`` float64 ``[B]`` (the game's value of the result)."""

    actions: np.ndarray
    logp: torch.Tensor
    steps: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, slots=True)
class Decoded:
    """The chosen sequence per instance: ``actions`` int64 ``[B, T]``, ``score`` (what it was
    chosen by: the game's value for TSP, else the log-likelihood) and ``values`` (the game's
    value, for reports)."""

    actions: np.ndarray
    score: np.ndarray
    values: np.ndarray


def _mask(env: BatchEnv, n: int, device: torch.device) -> torch.Tensor:
    m = torch.zeros((env.size, n + 1), dtype=torch.bool)
    m[:, : env.masks.shape[1]] = torch.from_numpy(env.masks)
    return m.to(device)


def _device(net: torch.nn.Module) -> torch.device:
    return next(net.parameters()).device


def _begin(net, game: Game, states: np.ndarray, device):
    enc = net.encode(torch.from_numpy(instances(game, states)).to(device))
    st = net.start(enc)
    for tok in problem_info(game).prefix:
        st = net.advance(enc, st, torch.full((len(states),), tok, dtype=torch.long, device=device))
    return enc, st


def rollout(net, game: Game, states: np.ndarray, *, sample: bool = False,
            forced: np.ndarray | None = None, temperature: float = 1.0,
            generator: torch.Generator | None = None, grad: bool = False) -> Rollout:
    """Decode each row greedily (or by sampling); ``forced[:, t] >= 0`` imposes step t's
    action (teacher forcing for training and likelihoods, the first city for POMO, the
    moves already played when re-planning)."""
    device = _device(net)
    states = np.atleast_2d(states)
    n = game.n
    with torch.set_grad_enabled(grad):
        env = BatchEnv(game, states)
        enc, st = _begin(net, game, states, device)
        logp = torch.zeros(env.size, device=device)
        steps = np.zeros(env.size, dtype=np.int64)
        chosen: list[np.ndarray] = []
        t = 0
        while not env.all_done:
            active = ~env.done
            lg = net.logits(enc, st, _mask(env, n, device))
            lp = torch.log_softmax(lg / temperature if sample and temperature != 1.0 else lg, dim=1)
            if sample:
                a = torch.multinomial(lp.exp(), 1, generator=generator).squeeze(1)
            else:
                a = lp.argmax(dim=1)
            if forced is not None and t < forced.shape[1]:
                f = torch.from_numpy(forced[:, t]).to(device)
                a = torch.where(f >= 0, f, a)
            act_t = torch.from_numpy(active).to(device)
            logp = logp + torch.where(act_t, lp.gather(1, a[:, None]).squeeze(1), 0.0)
            a_np = a.cpu().numpy().astype(np.int64)
            env.step(a_np)
            chosen.append(np.where(active, a_np, -1))
            steps += active
            st = net.advance(enc, st, a)
            t += 1
    acts = np.stack(chosen, axis=1) if chosen else np.zeros((env.size, 0), dtype=np.int64)
    return Rollout(acts, logp, steps, env.values())


def teacher_forced(net, game: Game, states: np.ndarray, labels: np.ndarray
                   ) -> tuple[torch.Tensor, np.ndarray]:
    """(sum of log-probabilities float ``[B]``, with gradients; steps int ``[B]``) of the
    label sequences (int64 ``[B, T]``, -1 padded), every step computed in one pass.

    The masks of every step come from the game's kernels stepped along the labels (so the
    cross-entropy is over the actions the game allows there); the same numbers as
    ``rollout(..., forced=labels).logp``, without a network call per step."""
    device = _device(net)
    states = np.atleast_2d(states)
    env = BatchEnv(game, states)
    n, t_max = game.n, labels.shape[1]
    masks = np.zeros((env.size, t_max, n + 1), dtype=np.bool_)
    active = np.zeros((env.size, t_max), dtype=np.bool_)
    for t in range(t_max):
        if env.all_done:
            t_max = t
            break
        active[:, t] = ~env.done
        masks[:, t, : env.masks.shape[1]] = env.masks
        env.step(np.where(active[:, t], labels[:, t], 0))
    prefix = problem_info(game).prefix
    lab = np.where(active[:, :t_max], labels[:, :t_max], 0)
    seq = np.concatenate([np.tile(np.asarray(prefix, dtype=np.int64), (env.size, 1)), lab], axis=1)
    enc = net.encode(torch.from_numpy(instances(game, states)).to(device))
    lg = net.forced_logits(enc, torch.from_numpy(seq).to(device), len(prefix),
                           torch.from_numpy(masks[:, :t_max]).to(device))
    lp = torch.log_softmax(lg, dim=2).gather(2, torch.from_numpy(lab).to(device)[..., None])[..., 0]
    act = torch.from_numpy(active[:, :t_max]).to(device)
    return torch.where(act, lp, 0.0).sum(dim=1), active.sum(axis=1)


def _criterion(game: Game, r: Rollout) -> np.ndarray:
    return r.values if problem_info(game).objective_known else r.logp.detach().cpu().numpy()


def _best(game: Game, r: Rollout, groups: int, k: int) -> Decoded:
    """The best of each group of ``k`` consecutive rows."""
    score = _criterion(game, r).reshape(groups, k)
    pick = np.arange(groups) * k + score.argmax(axis=1)
    return Decoded(r.actions[pick], score.max(axis=1), r.values[pick])


def greedy(net, game: Game, states: np.ndarray) -> Decoded:
    r = rollout(net, game, states)
    return Decoded(r.actions, _criterion(game, r), r.values)


def best_of_samples(net, game: Game, states: np.ndarray, k: int, temperature: float = 1.0,
                    generator: torch.Generator | None = None) -> Decoded:
    """Sample ``k`` sequences per instance; keep the best (see the module doc)."""
    rep = np.repeat(np.atleast_2d(states), k, axis=0)
    r = rollout(net, game, rep, sample=True, temperature=temperature, generator=generator)
    return _best(game, r, len(states), k)


def multistart(net, game: Game, states: np.ndarray) -> Decoded:
    """POMO: one greedy rollout per possible first choice (every city after city 0)."""
    if problem_info(game).name != "tsp":
        raise SpecError(f"ptrnet: decode=pomo (a start from every first city) is for tsp; "
                        f"game {game.name!r} has one start (use greedy, sample or beam)")
    states = np.atleast_2d(states)
    starts = np.arange(1, game.n)
    k = len(starts)
    rep = np.repeat(states, k, axis=0)
    forced = np.tile(starts, len(states))[:, None]
    return _best(game, rollout(net, game, rep, forced=forced), len(states), k)


def beam_search(net, game: Game, states: np.ndarray, width: int) -> Decoded:
    """Beam search of ``width`` partial solutions per instance, ranked by log-likelihood;
    only legal extensions enter a beam, so every finished beam is valid (for TSP a tour).

    A finished beam competes on with its final score (one candidate, no extension). The
    answer is the most likely finished beam, or for TSP the shortest of them.
    """
    device = _device(net)
    states = np.atleast_2d(states)
    b, w, n, a_n = len(states), int(width), game.n, game.num_actions
    with torch.no_grad():
        enc, st = _begin(net, game, states, device)
        rows = torch.arange(b, device=device).repeat_interleave(w)
        enc, st = take(enc, rows), take(st, rows)
        env = BatchEnv(game, np.repeat(states, w, axis=0))
        scores = torch.full((b, w), float("-inf"), device=device)
        scores[:, 0] = 0.0
        hist = np.zeros((b * w, 0), dtype=np.int64)
        while not env.all_done:
            lp = torch.log_softmax(net.logits(enc, st, _mask(env, n, device)), dim=1)[:, :a_n]
            done = torch.from_numpy(env.done).to(device)
            stay = torch.full_like(lp, float("-inf"))
            stay[:, 0] = 0.0
            lp = torch.where(done[:, None], stay, lp)
            cand = (scores[:, :, None] + lp.view(b, w, a_n)).view(b, w * a_n)
            vals, idx = cand.topk(w, dim=1)
            src = (torch.arange(b, device=device)[:, None] * w + idx // a_n).view(-1)
            act = (idx % a_n).view(-1)
            src_np, act_np = src.cpu().numpy(), act.cpu().numpy().astype(np.int64)
            env.take(src_np)
            dead = ~np.isfinite(vals.view(-1).cpu().numpy())
            # A beam with no finite candidate left (fewer legal continuations than the
            # width) follows any legal move; its score stays -inf, so it is never chosen.
            if dead.any():
                live = ~env.done & dead
                act_np[live] = env.masks[live].argmax(axis=1)
            was_done = env.done.copy()
            hist = np.concatenate([hist[src_np], np.where(was_done, -1, act_np)[:, None]], axis=1)
            st = take(st, src)
            env.step(act_np)
            st = net.advance(enc, st, torch.from_numpy(act_np).to(device))
            scores = vals
    flat = scores.view(-1).cpu().numpy()
    values = env.values()
    if problem_info(game).objective_known:
        crit = np.where(np.isfinite(flat), values, -np.inf).reshape(b, w)
    else:
        crit = flat.reshape(b, w)
    pick = np.arange(b) * w + crit.argmax(axis=1)
    return Decoded(_trim(hist[pick]), crit.max(axis=1), values[pick])


def _trim(actions: np.ndarray) -> np.ndarray:
    """Drop trailing all -1 columns (a beam's history is as long as its longest beam)."""
    keep = (actions >= 0).any(axis=0)
    last = int(np.flatnonzero(keep)[-1]) + 1 if keep.any() else 0
    return actions[:, :last]


def decode(net, game: Game, states: np.ndarray, opts: DecodeOptions,
           generator: torch.Generator | None = None) -> Decoded:
    """Decode start ``states`` with ``opts``; over ``opts.augment`` symmetries of the game,
    the best result (by the criterion of the module doc) per instance."""
    states = np.atleast_2d(states)
    if opts.augment > game.num_symmetries:
        raise SpecError(f"ptrnet: augment={opts.augment} is more than game {game.name!r} has "
                        f"symmetries; accepted: 1..{game.num_symmetries}")
    best: Decoded | None = None
    for k in range(opts.augment):
        view = game.transform_states(states, k) if k else states
        got = _decode_once(net, game, view, opts, generator)
        if k:
            inverse = np.argsort(game.action_permutation(k))
            got = Decoded(np.where(got.actions >= 0, inverse[np.maximum(got.actions, 0)], -1),
                          got.score, got.values)
        best = got if best is None else _pick(best, got)
    assert best is not None
    return best


def _decode_once(net, game, states, opts: DecodeOptions, generator) -> Decoded:
    if opts.strategy == "greedy":
        return greedy(net, game, states)
    if opts.strategy == "sample":
        return best_of_samples(net, game, states, opts.samples, opts.temperature, generator)
    if opts.strategy == "beam":
        return beam_search(net, game, states, opts.width)
    if opts.strategy == "pomo":
        return multistart(net, game, states)
    raise SpecError(f"ptrnet: decode={opts.strategy!r}; accepted: {', '.join(STRATEGIES)}")


def _pick(a: Decoded, b: Decoded) -> Decoded:
    better = b.score > a.score
    t = max(a.actions.shape[1], b.actions.shape[1])

    def pad(x: np.ndarray) -> np.ndarray:
        return np.pad(x, ((0, 0), (0, t - x.shape[1])), constant_values=-1)

    return Decoded(np.where(better[:, None], pad(b.actions), pad(a.actions)),
                   np.where(better, b.score, a.score), np.where(better, b.values, a.values))
