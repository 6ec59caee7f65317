"""A bare, single-purpose UCT for 9x9 freestyle Gomoku: the ceiling for varena's MCTS.

Everything is specialised: the board is int8[81], rules are inlined, states are not stored
(each descent replays its moves on a scratch board), the whole search is one compiled call.
varena's generic search (any game, lazy states, batches of trees, policies) is measured
against it in bench/mcts.py.

    .venv/bin/python bench/bare_uct.py --sims 20000
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

N, SIZE, K = 81, 9, 5
DIRS = np.array([[0, 1], [1, 0], [1, 1], [1, -1]], np.int64)


@numba.njit(cache=True)
def wins(board, cell):
    """Whether the stone on ``cell`` makes K or more in a row."""
    r0, c0, colour = cell // SIZE, cell % SIZE, board[cell]
    for d in range(4):
        dr, dc = DIRS[d, 0], DIRS[d, 1]
        n = 1
        for sgn in (1, -1):
            r, c = r0 + sgn * dr, c0 + sgn * dc
            while 0 <= r < SIZE and 0 <= c < SIZE and board[r * SIZE + c] == colour:
                n += 1
                r += sgn * dr
                c += sgn * dc
        if n >= K:
            return True
    return False


@numba.njit(cache=True)
def uct(root_board, to_move, sims, c, seed):
    """Visit counts of the root's moves after ``sims`` UCT simulations (one rollout each)."""
    np.random.seed(seed)
    cap = 1 + sims * N
    parent = np.empty(cap, np.int32)
    move = np.empty(cap, np.int32)
    visits = np.zeros(cap, np.int32)
    wsum = np.zeros(cap, np.float64)   # from the viewpoint of the player who made ``move``
    first = np.full(cap, -1, np.int32)
    count = np.zeros(cap, np.int32)
    done_at = np.zeros(cap, np.int8)   # 1: the move into this node ended the game (a win)
    parent[0], move[0], n_nodes = -1, -1, 1
    board = np.empty(N, np.int8)
    pool = np.empty(N, np.int64)
    for _ in range(sims):
        board[:] = root_board
        player, node, stones = to_move, 0, 0
        for i in range(N):
            stones += board[i] != 0
        while first[node] >= 0 and done_at[node] == 0:   # select
            best, best_score = first[node], -1e300
            log_n = np.log(visits[node])
            for ch in range(first[node], first[node] + count[node]):
                if visits[ch] == 0:
                    best = ch
                    break
                score = wsum[ch] / visits[ch] + c * np.sqrt(log_n / visits[ch])
                if score > best_score:
                    best, best_score = ch, score
            node = best
            board[move[node]] = player
            stones += 1
            player = 3 - player
            if done_at[node] == 0 and wins(board, move[node]):
                done_at[node] = 1
        if done_at[node]:
            value = 1.0   # for the player who moved into ``node``
        elif stones == N:
            value = 0.0
        else:
            m = 0                                           # expand
            for i in range(N):
                if board[i] == 0:
                    pool[m] = i
                    m += 1
            first[node], count[node] = n_nodes, m
            for j in range(m):
                parent[n_nodes + j], move[n_nodes + j] = node, pool[j]
            n_nodes += m
            value, p = 0.0, player                          # rollout
            while m > 0:
                j = np.random.randint(m)
                cell = pool[j]
                m -= 1
                pool[j] = pool[m]
                board[cell] = p
                if wins(board, cell):
                    value = 1.0 if p != player else -1.0    # for the player who moved into node
                    break
                p = 3 - p
        while node >= 0:                                    # back up
            visits[node] += 1
            wsum[node] += value
            value = -value
            node = parent[node]
    out = np.zeros(N, np.int64)
    for ch in range(first[0], first[0] + count[0]):
        out[move[ch]] = visits[ch]
    return out


def sims_per_second(sims: int, repeats: int = 3, seed: int = 0) -> float:
    """Best of ``repeats`` timings of a ``sims``-simulation search from the empty board."""
    board = np.zeros(N, np.int8)
    uct(board, 1, 10, 1.4, seed)  # compile / load
    best = 0.0
    for r in range(repeats):
        t = time.perf_counter()
        uct(board, 1, sims, 1.4, seed + r)
        best = max(best, sims / (time.perf_counter() - t))
    return best


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=20_000)
    args = ap.parse_args()
    v = sims_per_second(args.sims)
    print(json.dumps({"name": "bare_uct_sims_per_s", "value": round(v), "unit": "simulations/s",
                      "baseline": None, "baseline_value": None, "ratio": None,
                      "params": {"game": "gomoku 9x9", "sims": args.sims, "rollouts": 1}}))
