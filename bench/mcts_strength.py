"""Strength check: varena's ``mcts:sims=400`` against OpenSpiel's C++ MCTSBot (400 sims).

9x9 freestyle Gomoku, colours alternated, OpenSpiel's bot with one random rollout per leaf
and its customary uct_c=2; varena's agent with its defaults. Moves map one to one (both
number cells row by row from the top left). Prints one JSON object: varena's score (win 1,
draw 1/2) out of the games played.

    .venv/bin/python bench/mcts_strength.py [--games 20] [--sims 400]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))


def play(game_v, agent, bot, spiel_game, varena_first: bool) -> float:
    """One game; returns varena's score."""
    s = game_v.initial_state()
    ps = spiel_game.new_initial_state()
    agent.reset()
    while not game_v.outcome(s)[0]:
        varena_to_move = (game_v.to_play(s) == 0) == varena_first
        a = int(agent.select_actions(s[None])[0]) if varena_to_move else int(bot.step(ps))
        s = game_v.play(s, a)
        ps.apply_action(a)
    assert ps.is_terminal(), "the two rule sets disagree about the end of the game"
    ret = game_v.returns(s)
    return (ret[0 if varena_first else 1] + 1.0) / 2.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=20)
    ap.add_argument("--sims", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    import pyspiel

    from varena.engine.host import get_host

    host = get_host()
    g = host.make_game("gomoku:size=9")
    spiel_game = pyspiel.load_game("gomoku", {"size": 9, "connect": 5})
    score, t = 0.0, time.perf_counter()
    for i in range(args.games):
        agent = host.make_agent(f"mcts:sims={args.sims}", g, seed=args.seed + i)
        bot = pyspiel.MCTSBot(spiel_game, pyspiel.RandomRolloutEvaluator(1, args.seed + i), 2.0,
                              args.sims, 1000, False, args.seed + i, False)
        score += play(g, agent, bot, spiel_game, varena_first=i % 2 == 0)
    print(json.dumps({"name": "mcts_strength_vs_openspiel", "value": score, "unit": "points",
                      "baseline": "openspiel MCTSBot (C++), same simulations",
                      "baseline_value": args.games - score, "ratio": round(score / args.games, 3),
                      "params": {"games": args.games, "sims": args.sims, "game": "gomoku 9x9",
                                 "seconds": round(time.perf_counter() - t, 1)}}), flush=True)


if __name__ == "__main__":
    main()
