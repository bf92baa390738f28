"""Maximum-weight perfect matching, near-optimal and certified, for an even number of nodes.

1. Solve the assignment relaxation on the symmetric matrix (a permutation without fixed
   points): dense `linear_sum_assignment` for small n; for large n, the sparse assignment on
   each node's top-k partners (`min_weight_full_bipartite_matching` with positive costs),
   falling back to dense when that graph has no perfect assignment.
2. Bound: a perfect matching M gives a permutation worth 2 w(M), so half the assignment
   optimum bounds every matching. For the sparse case the optimum over the full matrix is
   not known; prices from the sparse solution's optimality conditions give the dual bound
   sum(p) + sum_i max_j (A[i, j] - p[j]), valid for any prices and tight when they are good.
3. Repair the permutation into a matching: 2-cycles stay; an even cycle keeps the better
   half of its alternate edges; an odd cycle drops the node whose removal keeps the most
   weight; dropped nodes are matched among themselves the same way.

Local improvement (2-opt) is left to `bot.core.matching.groups.improve`, which handles
pairs as groups of two.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.core.matching.affinity import BLOCK, Index, Matrix

#: Up to this many nodes the dense assignment is used.
DENSE_MAX = 1200
#: Rounds of price relaxation when deriving the sparse bound.
PRICE_ROUNDS = 400
#: Rounds of adding the edges that the prices show are missing from the sparse problem.
GENERATION_ROUNDS = 4
#: Edges added per row that the prices show are missing.
ADD_PER_ROW = 8
#: Stop adding edges once the bound is within this fraction of the assignment found.
BOUND_TOLERANCE = 2e-4
_FORBID = -1e9


def perfect_matching(
    matrix: Matrix, top: Index | None = None, nodes: Index | None = None
) -> tuple[Index, float]:
    """Pairs (m x 2) covering `nodes` (default: all), and an upper bound on any matching.

    `top` gives each node's best partners (rows of the whole matrix) for the sparse path.
    """
    if nodes is None:
        nodes = np.arange(matrix.shape[0])
    n = nodes.size
    if n == 0:
        return np.zeros((0, 2), dtype=np.intp), 0.0
    if n % 2:
        raise ValueError("perfect matching needs an even number of nodes")
    if n == 2:
        return nodes.reshape(1, 2).copy(), float(matrix[nodes[0], nodes[1]])
    perm: Index | None = None
    bound = 0.0
    if n > DENSE_MAX and top is not None and nodes.size == matrix.shape[0]:
        solved = _sparse_assignment(matrix, top)
        if solved is not None:
            perm, bound = solved[0], solved[1] / 2.0
    if perm is None:
        sub = matrix[np.ix_(nodes, nodes)] if nodes.size != matrix.shape[0] else matrix
        perm, value = _dense_assignment(sub)
        bound = value / 2.0
        perm = nodes[perm]  # successor of each node, as node ids
    return _repair(matrix, nodes, perm), bound


def _dense_assignment(sub: Matrix) -> tuple[Index, float]:
    diag = np.arange(sub.shape[0])
    saved = sub[diag, diag].copy()
    sub[diag, diag] = _FORBID
    try:
        _, cols = linear_sum_assignment(sub, maximize=True)
    finally:
        sub[diag, diag] = saved
    value = float(sub[diag, cols].astype(np.float64).sum())
    return np.asarray(cols, dtype=np.intp), value


def _edges(matrix: Matrix, top: Index, added: Index | None = None) -> tuple[Index, Index]:
    """Symmetric candidate edges: each node's top partners (and `added` (m x 2) edges),
    both ways, deduplicated."""
    n_top = top.shape[0]
    size = matrix.shape[0]
    rows = np.repeat(np.arange(n_top), top.shape[1])
    cols = top.ravel()
    if size > n_top:  # extra nodes (the odd-one-out dummy) connect to everyone
        extra = np.arange(n_top, size)
        rows = np.concatenate([rows, np.repeat(extra, n_top)])
        cols = np.concatenate([cols, np.tile(np.arange(n_top), extra.size)])
    if added is not None and added.size:
        rows = np.concatenate([rows, added[:, 0]])
        cols = np.concatenate([cols, added[:, 1]])
    ones = np.ones(rows.size, dtype=np.int8)
    graph = sparse.csr_matrix((ones, (rows, cols)), shape=(size, size))
    both = (graph + graph.T).tocsr()  # union of both directions; duplicates merge
    both.sort_indices()
    out_rows = np.repeat(np.arange(size), np.diff(both.indptr))
    return out_rows, both.indices.astype(np.intp)


def _sparse_assignment(matrix: Matrix, top: Index) -> tuple[Index, float] | None:
    """Assignment on the candidate edges, with edges added where the prices show the full
    matrix could do better (column generation); returns it with an upper bound on the
    full assignment optimum, or None when the candidate graph has no full assignment."""
    size = matrix.shape[0]
    added: Index | None = None
    perm = np.zeros(0, dtype=np.intp)
    bound = np.inf
    for _ in range(GENERATION_ROUNDS):
        rows, cols = _edges(matrix, top, added)
        w = matrix[rows, cols].astype(np.float64)
        cost = (w.max() + 1.0) - w  # strictly positive: the solver is fast this way
        graph = sparse.csr_matrix((cost, (rows, cols)), shape=(size, size))
        try:
            r, c = min_weight_full_bipartite_matching(graph)
        except ValueError:
            return None
        perm = np.empty(size, dtype=np.intp)
        perm[r] = c
        prices = _prices(matrix, rows, cols, perm)
        bound, better = _price_bound(matrix, prices, perm)
        found = float(matrix[np.arange(size), perm].astype(np.float64).sum())
        if better.size == 0 or bound - found <= BOUND_TOLERANCE * abs(bound):
            break
        added = better if added is None else np.concatenate([added, better])
    return perm, bound


def _prices(matrix: Matrix, rows: Index, cols: Index, perm: Index) -> npt.NDArray[np.float64]:
    """Column prices under which `perm` is optimal on the given edges, found by
    shortest-path relaxation of p[perm[i]] <= p[j] + A[i, perm[i]] - A[i, j]."""
    size = matrix.shape[0]
    keep = cols != perm[rows]
    rows, cols = rows[keep], cols[keep]
    own = matrix[np.arange(size), perm].astype(np.float64)
    lengths = own[rows] - matrix[rows, cols].astype(np.float64)
    dst = perm[rows]
    order = np.argsort(dst, kind="stable")
    src, dst, lengths = cols[order], dst[order], lengths[order]
    heads, starts = np.unique(dst, return_index=True)
    prices = np.zeros(size, dtype=np.float64)
    for _ in range(PRICE_ROUNDS):
        reach = np.minimum.reduceat(prices[src] + lengths, starts)
        better = reach < prices[heads] - 1e-9
        if not better.any():
            break
        prices[heads[better]] = reach[better]
    return prices


def _price_bound(
    matrix: Matrix, prices: npt.NDArray[np.float64], perm: Index
) -> tuple[float, Index]:
    """sum(p) + sum_i max_{j != i} (A[i, j] - p[j]), an assignment bound for any prices,
    and the edges (i, j) that beat i's assigned edge under these prices."""
    size = matrix.shape[0]
    total = float(prices.sum())
    p32 = prices.astype(np.float32)
    eps = float(np.finfo(np.float32).eps)
    top_price = float(np.abs(prices).max())
    better: list[Index] = []
    for r0 in range(0, size, BLOCK):
        r1 = min(size, r0 + BLOCK)
        blk = matrix[r0:r1] - p32[None, :]
        idx = np.arange(r1 - r0)
        blk[idx, idx + r0] = -np.inf
        best = blk.max(axis=1)
        # float32 rounding of A - p is below eps * (|A - p| + |p|): add that much
        best64 = best.astype(np.float64)
        total += float(best64.sum())
        total += eps * (float(np.abs(best64).sum()) + (r1 - r0) * top_price)
        mine = blk[idx, perm[r0:r1]]
        rows = np.flatnonzero(best > mine + 1e-6)
        if rows.size:
            # the few best columns of each such row, under these prices
            sub = blk[rows]
            m = min(ADD_PER_ROW, size - 1)
            cols = np.argpartition(sub, size - m, axis=1)[:, size - m :]
            gain = np.take_along_axis(sub, cols, axis=1) > mine[rows, None] + 1e-6
            pick_rows = np.broadcast_to(rows[:, None] + r0, cols.shape)[gain]
            better.append(np.stack([pick_rows, cols[gain]], axis=1))
    if not better:
        return total, np.zeros((0, 2), dtype=np.intp)
    return total, np.concatenate(better).astype(np.intp)


def _repair(matrix: Matrix, nodes: Index, perm_nodes: Index) -> Index:
    """Turn an assignment (node -> node, over `nodes`) into a perfect matching of `nodes`."""
    succ = dict(zip(nodes.tolist(), perm_nodes.tolist(), strict=True))
    seen: set[int] = set()
    pairs: list[tuple[int, int]] = []
    dropped: list[int] = []
    for start in nodes.tolist():
        if start in seen:
            continue
        cycle = [start]
        seen.add(start)
        nxt = succ[start]
        while nxt != start:
            cycle.append(nxt)
            seen.add(nxt)
            nxt = succ[nxt]
        pairs_here, drop = _split_cycle(matrix, cycle)
        pairs.extend(pairs_here)
        if drop is not None:
            dropped.append(drop)
    result = np.array(pairs, dtype=np.intp).reshape(-1, 2)
    if dropped:
        rest, _ = perfect_matching(matrix, None, np.array(sorted(dropped), dtype=np.intp))
        result = np.concatenate([result, rest])
    return result


def _split_cycle(matrix: Matrix, cycle: list[int]) -> tuple[list[tuple[int, int]], int | None]:
    size = len(cycle)
    if size == 2:
        return [(cycle[0], cycle[1])], None
    c = np.array(cycle, dtype=np.intp)
    edge = matrix[c, np.roll(c, -1)].astype(np.float64)  # edge t joins c[t] and c[t+1]
    if size % 2 == 0:
        start = 0 if edge[0::2].sum() >= edge[1::2].sum() else 1
        return [(cycle[t % size], cycle[(t + 1) % size]) for t in range(start, size, 2)], None
    # Odd: removing node r leaves the path r+1 .. r-1, paired as edges r+1, r+3, ..., r-2.
    doubled = np.concatenate([edge, edge])
    best_r, best_w = 0, -np.inf
    for r in range(size):
        w = float(doubled[r + 1 : r + size - 1 : 2].sum())
        if w > best_w:
            best_r, best_w = r, w
    pairs = [
        (cycle[(best_r + 1 + 2 * t) % size], cycle[(best_r + 2 + 2 * t) % size])
        for t in range(size // 2)
    ]
    return pairs, cycle[best_r]
