"""2-opt + Or-opt local search for the TSP in Numba, with neighbour lists and a work queue.

The tour is an array (``tour[pos]`` = city, ``pos[city]`` = position). A city in the queue
has its "don't-look bit" off: it is popped, and the moves that create an edge from it to
one of its ``K`` nearest cities are tried (2-opt in both tour directions, and Or-opt moves
of a segment of 1-3 cities that starts or ends at it). The first improving move is made and
the endpoints of every changed edge go back into the queue; the search stops when the
queue is empty (a local optimum for these neighbourhoods). A 2-opt move reverses the
shorter side of the tour; an Or-opt move shifts the shorter stretch between the segment and
its new place. Pruning: a new edge must be shorter than the edge it replaces (2-opt), or
than the removal gain (Or-opt), which is what makes n = 10,000 take seconds.
"""

from __future__ import annotations

import numba
import numpy as np

from varena.games.tsp_distance import TspProblem, dist

_EPS = 1e-10


@numba.njit(cache=True)
def _reverse(tour: np.ndarray, pos: np.ndarray, n: int, i: int, j: int) -> None:
    """Reverse the tour between positions i and j (inclusive, going forward, cyclic)."""
    inner = (j - i) % n + 1
    if 2 * inner > n:  # the complement is shorter and gives the same cycle
        i, j = (j + 1) % n, (i - 1) % n
        inner = n - inner
    for _ in range(inner // 2):
        a, b = tour[i], tour[j]
        tour[i], pos[b] = b, i
        tour[j], pos[a] = a, j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@numba.njit(cache=True)
def _move_segment(tour, pos, n, i, length, j, rev, seg) -> None:
    """Move the segment at positions i..i+length-1 to just after position j (not in it),
    reversed if ``rev``; ``seg`` is scratch space of at least ``length``."""
    for t in range(length):
        seg[t] = tour[(i + t) % n]
    if rev:
        for t in range(length // 2):
            seg[t], seg[length - 1 - t] = seg[length - 1 - t], seg[t]
    m = (j - (i + length - 1)) % n  # cities between the segment's end and j, inclusive of j
    r = n - length - m  # cities between j and the segment's start
    if m <= r:  # shift the m cities back over the segment, then put it after them
        for t in range(m):
            dst = (i + t) % n
            tour[dst] = tour[(i + length + t) % n]
            pos[tour[dst]] = dst
        base = i + m
    else:  # shift the r cities forward, then put the segment before them
        for t in range(r - 1, -1, -1):
            dst = (j + 1 + length + t) % n
            tour[dst] = tour[(j + 1 + t) % n]
            pos[tour[dst]] = dst
        base = j + 1
    for t in range(length):
        dst = (base + t) % n
        tour[dst] = seg[t]
        pos[seg[t]] = dst


@numba.njit(cache=True)
def local_search_kernel(kind: int, xy: np.ndarray, mat: np.ndarray, tour: np.ndarray,
                        neigh: np.ndarray, oropt: bool) -> int:
    """Improve ``tour`` (int64 ``[n]``, in place) to a 2-opt (+ Or-opt) local optimum.

    ``neigh``: int64 ``[n, K]`` nearest cities, nearest first. Returns the number of moves.
    """
    n = tour.shape[0]
    if n < 5:
        return 0
    k_near = neigh.shape[1]
    pos = np.empty(n, dtype=np.int64)
    for p in range(n):
        pos[tour[p]] = p
    queue = tour.copy()
    inq = np.ones(n, dtype=np.bool_)
    head, tail, count = 0, 0, n
    seg = np.empty(3, dtype=np.int64)
    touched = np.empty(6, dtype=np.int64)
    moves = 0
    while count > 0:
        a = queue[head]
        head += 1
        if head == n:
            head = 0
        count -= 1
        inq[a] = False
        improved = False
        ntouched = 0
        # -- 2-opt: replace (a, b) and (c, d) by (a, c) and (b, d) ------------------------
        for direction in range(2):
            if improved:
                break
            pa = pos[a]
            b = tour[(pa + 1) % n] if direction == 0 else tour[(pa - 1) % n]
            d_ab = dist(kind, xy, mat, a, b)
            for q in range(k_near):
                c = neigh[a, q]
                g1 = d_ab - dist(kind, xy, mat, a, c)
                if g1 <= _EPS:
                    break
                pc = pos[c]
                d = tour[(pc + 1) % n] if direction == 0 else tour[(pc - 1) % n]
                if c == b or d == a:
                    continue
                if g1 + dist(kind, xy, mat, c, d) - dist(kind, xy, mat, b, d) > _EPS:
                    if direction == 0:  # a b ... c d  ->  a c ... b d
                        _reverse(tour, pos, n, pos[b], pc)
                    else:  # d c ... b a  ->  d b ... c a
                        _reverse(tour, pos, n, pc, pos[b])
                    touched[0], touched[1], touched[2], touched[3] = a, b, c, d
                    ntouched = 4
                    improved = True
                    break
        # -- Or-opt: move a segment of 1-3 cities starting or ending at a ---------------------
        if oropt and not improved:
            for length in range(1, 4):
                if improved or n - length < 3:
                    break
                for side in range(2):
                    if improved:
                        break
                    ps1 = pos[a] if side == 0 else (pos[a] - length + 1) % n
                    s1 = tour[ps1]
                    s2 = tour[(ps1 + length - 1) % n]
                    p = tour[(ps1 - 1) % n]
                    nx = tour[(ps1 + length) % n]
                    gain = dist(kind, xy, mat, p, s1) + dist(kind, xy, mat, s2, nx) - dist(kind, xy, mat, p, nx)
                    if gain <= _EPS:
                        continue
                    for end in range(2):
                        if improved:
                            break
                        e = s1 if end == 0 else s2
                        other = s2 if end == 0 else s1
                        for q in range(k_near):
                            c = neigh[e, q]
                            d_ec = dist(kind, xy, mat, e, c)
                            if d_ec >= gain - _EPS:
                                break
                            if (pos[c] - ps1) % n < length:
                                continue  # c inside the segment
                            pc = pos[c]
                            for fwd in range(2):
                                f = tour[(pc + 1) % n] if fwd == 0 else tour[(pc - 1) % n]
                                if (pos[f] - ps1) % n < length:
                                    continue
                                add = d_ec + dist(kind, xy, mat, other, f) - dist(kind, xy, mat, c, f)
                                if gain - add > _EPS:
                                    # c-e ... other-f with f after c: insert after c, e first;
                                    # f before c: insert after f, other first.
                                    after = pc if fwd == 0 else pos[f]
                                    rev = (end == 0) != (fwd == 0)
                                    _move_segment(tour, pos, n, ps1, length, after, rev, seg)
                                    touched[0], touched[1], touched[2] = p, nx, s1
                                    touched[3], touched[4], touched[5] = s2, c, f
                                    ntouched = 6
                                    improved = True
                                    break
                            if improved:
                                break
        if improved:
            moves += 1
            for t in range(ntouched):
                c = touched[t]
                if not inq[c]:
                    inq[c] = True
                    queue[tail] = c
                    tail += 1
                    if tail == n:
                        tail = 0
                    count += 1
    return moves


def local_search(problem: TspProblem, tour: np.ndarray, neighbours: int = 10,
                 oropt: bool = True) -> np.ndarray:
    """A 2-opt (+ Or-opt) local optimum reached from ``tour``; returns a new int64 array."""
    t = np.array(tour, dtype=np.int64, copy=True)
    neigh = np.ascontiguousarray(problem.neighbours(neighbours))
    local_search_kernel(problem.kind, problem.xy, problem.matrix, t, neigh, bool(oropt))
    return t
