"""Plane geometry for the hull and Delaunay problems: orientation tests, polygons, checks.

Predicates are plain float64 arithmetic with a relative tolerance ``EPS`` on the scale of the
input, which is exact for integer grids (the degenerate test cases) and safe for random
points, whose degeneracies have probability zero.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-12


def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Twice the signed area of triangle abc: > 0 counter-clockwise, < 0 clockwise."""
    return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


def scale2(points: np.ndarray) -> float:
    """Square of the extent of ``points``: tolerances on areas are relative to it."""
    if len(points) == 0:
        return 1.0
    ext = float(np.max(points.max(axis=0) - points.min(axis=0)))
    return max(ext * ext, 1e-300)


def polygon_area(points: np.ndarray, cycle: np.ndarray) -> float:
    """Signed area (counter-clockwise > 0) of the polygon visiting ``points[cycle]``."""
    p = points[np.asarray(cycle, dtype=np.int64)]
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _on_segment(p, q, r, tol) -> bool:
    """Whether r, known collinear with pq, lies within the segment pq's bounding box."""
    return (min(p[0], q[0]) - tol <= r[0] <= max(p[0], q[0]) + tol
            and min(p[1], q[1]) - tol <= r[1] <= max(p[1], q[1]) + tol)


def segments_intersect(p1, p2, p3, p4, tol: float = 0.0) -> bool:
    """Whether the closed segments p1p2 and p3p4 share a point."""
    d1, d2 = orient(p3, p4, p1), orient(p3, p4, p2)
    d3, d4 = orient(p1, p2, p3), orient(p1, p2, p4)
    if ((d1 > tol and d2 < -tol) or (d1 < -tol and d2 > tol)) and (
            (d3 > tol and d4 < -tol) or (d3 < -tol and d4 > tol)):
        return True
    return ((abs(d1) <= tol and _on_segment(p3, p4, p1, 0)) or (abs(d2) <= tol and _on_segment(p3, p4, p2, 0))
            or (abs(d3) <= tol and _on_segment(p1, p2, p3, 0)) or (abs(d4) <= tol and _on_segment(p1, p2, p4, 0)))


def is_simple_polygon(points: np.ndarray, cycle: np.ndarray) -> bool:
    """Whether the closed polygon ``points[cycle]`` (>= 3 vertices) has no self-intersection
    and no zero-length edge. O(k^2) in the number of vertices."""
    p = points[np.asarray(cycle, dtype=np.int64)]
    k = len(p)
    if k < 3:
        return False
    tol = EPS * scale2(p)
    for i in range(k):
        a, b = p[i], p[(i + 1) % k]
        if a[0] == b[0] and a[1] == b[1]:
            return False
        for j in range(i + 1, k):
            c, d = p[j], p[(j + 1) % k]
            if j == i + 1 or (i == 0 and j == k - 1):
                # Adjacent edges share a vertex; they must not fold back onto each other.
                shared, u, v = (b, a, d) if j == i + 1 else (a, b, c)
                if abs(orient(u, shared, v)) <= tol and np.dot(u - shared, v - shared) > 0:
                    return False
            elif segments_intersect(a, b, c, d, tol):
                return False
    return True


def hull_boundary(points: np.ndarray, vertices: np.ndarray,
                  among: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Directed edges (counter-clockwise) of the hull boundary through every input point on it.

    ``vertices``: the strict hull vertices, counter-clockwise. Points lying on a hull edge
    (collinear with it) split that edge, as they do in any triangulation of the points.
    ``among``: the indices that may split an edge (default all; pass one index per
    distinct point when there are duplicates).
    """
    allowed = np.zeros(len(points), dtype=bool)
    allowed[np.arange(len(points)) if among is None else among] = True
    tol = EPS * scale2(points)
    edges: list[tuple[int, int]] = []
    k = len(vertices)
    for i in range(k):
        a, b = int(vertices[i]), int(vertices[(i + 1) % k])
        pa, pb = points[a], points[b]
        ab = pb - pa
        length2 = float(ab @ ab)
        rel = points - pa
        cross = ab[0] * rel[:, 1] - ab[1] * rel[:, 0]
        along = rel @ ab
        inside = allowed & (np.abs(cross) <= tol) & (along > 0) & (along < length2)
        inside[[a, b]] = False  # rounding may put an end itself inside
        on = np.flatnonzero(inside)
        chain = [a] + [int(c) for c in on[np.argsort(along[on], kind="stable")]] + [b]
        edges += list(zip(chain[:-1], chain[1:], strict=True))
    return edges


def incircle(a, b, c, d) -> float:
    """> 0 when d lies strictly inside the circumcircle of the counter-clockwise triangle abc."""
    m = np.array([[a[0] - d[0], a[1] - d[1]], [b[0] - d[0], b[1] - d[1]], [c[0] - d[0], c[1] - d[1]]])
    s = (m ** 2).sum(axis=1)
    return float(m[0, 0] * (m[1, 1] * s[2] - s[1] * m[2, 1])
                 - m[0, 1] * (m[1, 0] * s[2] - s[1] * m[2, 0])
                 + s[0] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]))


def delaunay_problem(points: np.ndarray, triangles: np.ndarray, hull_vertices: np.ndarray,
                     used: np.ndarray) -> str:
    """Why ``triangles`` (int64 ``[m, 3]``, indices into ``points``, pairwise-distinct points)
    is not a Delaunay triangulation of the points ``used``; '' when it is one.

    A set of counter-clockwise triangles in which every directed edge occurs at most once,
    whose unmatched edges are exactly the hull boundary and whose areas sum to the hull's,
    covers the hull exactly once: a triangulation. It is Delaunay when every interior edge
    is locally Delaunay (the opposite vertex not strictly inside the circumcircle).
    """
    s2 = scale2(points[used]) if len(used) else 1.0
    tol = EPS * s2
    owner: dict[tuple[int, int], int] = {}
    tris = []
    area = 0.0
    for t, (i, j, k) in enumerate(triangles.tolist()):
        o = orient(points[i], points[j], points[k])
        if abs(o) <= tol:
            return f"triangle ({i}, {j}, {k}) is degenerate (its points are collinear)"
        if o < 0:
            j, k = k, j
        tris.append((i, j, k))
        area += abs(o) / 2
        for e in ((i, j), (j, k), (k, i)):
            if e in owner:
                return f"triangles overlap along edge {e} ({tris[owner[e]]} and ({i}, {j}, {k}))"
            owner[e] = t
    boundary = {e for e in owner if (e[1], e[0]) not in owner}
    hull = set(hull_boundary(points, hull_vertices, used)) if len(hull_vertices) >= 3 else set()
    if boundary != hull:
        extra = sorted(boundary - hull)
        return (f"edge {extra[0]} has a triangle on one side only but is not on the hull boundary"
                if extra else f"hull edge {sorted(hull - boundary)[0]} is not covered")
    hull_area = polygon_area(points, hull_vertices) if len(hull_vertices) >= 3 else 0.0
    if abs(area - hull_area) > 1e-9 * max(hull_area, s2):
        return f"triangles cover area {area:.12g}, the hull has {hull_area:.12g} (overlap or gap)"
    vertices = {v for tri in tris for v in tri}
    missing = sorted(set(used.tolist()) - vertices)
    if missing:
        return f"point {missing[0]} is not a vertex of any triangle"
    for (u, v), t in owner.items():
        if u < v and (v, u) in owner:
            a, b, c = tris[t]
            opp = next(w for w in tris[owner[(v, u)]] if w not in (u, v))
            if incircle(points[a], points[b], points[c], points[opp]) > 1e-9 * s2 * s2:
                return f"edge ({u}, {v}) is not Delaunay: point {opp} lies inside the circumcircle of {tris[t]}"
    return ""
