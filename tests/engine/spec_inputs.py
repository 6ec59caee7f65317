"""Spec strings for the fuzz tests and bench/fuzz_surfaces.py: seeds from every installed
game's and solver's declared parameters (their bounds, one past them, their choices),
mutated at the byte level (tests/fuzzing.py) or built at random from hostile tokens."""

from __future__ import annotations

import random
from typing import Any

from tests.fuzzing import NASTY, mutate

#: Solvers whose spec names a program to start (covered by the external-engine fuzz tests):
#: a mutated spec must not start arbitrary programs here.
EXTERNAL = ("gtp", "gomocup")
#: Small games the agent specs are made for (two-player, one-player problems).
AGENT_GAMES = ("gomoku:size=5,k=4", "go:size=5", "tsp:n=6", "sorting:n=4")


def _values(p: Any) -> list[str]:
    out = [str(p.default)] if p.default is not None else []
    if p.choices:
        out += list(p.choices) + [p.choices[0].upper(), p.choices[0][:-1]]
    if p.kind is bool:
        out += ["true", "off", "maybe"]
    for bound in (p.low, p.high):
        if bound is not None:
            b = int(bound) if p.kind is int else bound
            out += [str(b), str(b - 1 if p.kind is int else b * 2 - 1), str(b + 1)]
    return out


def seeds(host: Any) -> tuple[list[str], list[str], dict[str, list[tuple[str, list[str]]]]]:
    """(game specs, agent specs, name -> [(key, values)]) from the installed plugins."""
    table: dict[str, list[tuple[str, list[str]]]] = {}
    games, agents = [], []
    for kind, registry, out in (("game", host.games, games), ("solver", host.solvers, agents)):
        for name, reg in sorted(registry.items()):
            if kind == "solver" and name in EXTERNAL:
                continue
            params = [(p.name, _values(p)) for p in reg.cls.params]
            table[name] = params
            out.append(name)
            for key, values in params:
                out += [f"{name}:{key}={v}" for v in values[:3]]
    return games, agents, table


def spec(rng: random.Random, names: list[str], table: dict, pool: list[str]) -> str:
    """One spec: a mutated seed, or a name with random keys and hostile values."""
    if rng.random() < 0.5:
        raw = mutate(rng.choice(pool).encode(), rng, 2)
        return raw.decode("utf-8", "surrogateescape")  # what argv hands over for such bytes
    name = rng.choice(names)
    params = table[name]
    parts = []
    for _ in range(rng.randint(0, 4)):
        key, values = rng.choice(params) if params and rng.random() < 0.8 else (
            rng.choice(["x", "", "1a", "size size", "k=", "__class__", "é"]), [])
        value = rng.choice(values if values and rng.random() < 0.7 else NASTY)
        if rng.random() < 0.2:
            value = '"' + value.replace('"', '\\"') + rng.choice(['"', "", "'"])
        parts.append(f"{key}{rng.choice(['=', '=', '=', '=', '==', ' = ', ''])}{value}")
    sep = rng.choice([":", ":", ":", ":", "", "::", ": "])
    return name + (sep + rng.choice([",", ",", ",", ", ", ",,"]).join(parts) if parts else "")


def first_move(agent: Any, game: Any) -> None:
    """One move of a searching agent (mcts, alphavit) with a short move time, so its trees
    are allocated (a budget beyond memory shows here) without a 10**7-simulation wait."""
    from varena.solvers.search_agent import SearchAgent

    if isinstance(agent, SearchAgent):
        import numpy as np

        agent.set_move_time(0.05)
        agent.select_actions(game.initial_state(np.random.default_rng(0))[None])
