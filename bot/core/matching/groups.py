"""Forming groups of a target size from a pair matching, and improving them locally.

Sizes (`plan`): n people in groups of k make n // k groups, and the r = n % k people left
over join r different groups (size k + 1). When there are more left over than groups (only
for small n, e.g. 7 people in fours) the groups are made one more and sized n // count or
one more (4 + 3). Fewer than k people make one group of everyone.

Construction: groups of 2 are the pairs of the matching; groups of 3 start from the
strongest pairs; groups of 4 from a matching of pairs to pairs (pairs contracted into
nodes whose affinity is the sum of the four cross affinities). Everyone left is placed by
rounds of assignment (`linear_sum_assignment`, person x group, gain = affinity to the
group's current members), first up to the base size, then one extra per group.

Improvement (`improve`): repeated passes of the best non-conflicting changes among
  - swap u (group g1) with w (group g2), for w in the group of one of u's top partners,
    which for pairs is exactly 2-opt: (a, b)(c, d) -> (a, c)(b, d) or (a, d)(b, c);
  - move u from a group of k + 1 to a group of k, toward one of its top partners;
  - three-group exchanges (u takes w's place, w takes x's, x takes u's), which free
    groups that no single swap improves (skipped for pairs in large rounds);
  - exhaustive re-splits of two groups (at most 10 people), for every two groups in small
    rounds and for groups holding a repeat otherwise;
with gains computed vectorised from the affinity matrix, re-examining only groups that
changed since, until nothing gains.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from bot.core.matching.affinity import Index, Matrix
from bot.core.matching.pairs import perfect_matching

#: Smallest gain a move must bring (float32 noise is far below this).
MIN_GAIN = 1e-4
MAX_PASSES = 500
#: Two groups with at most this many members together may be re-split exhaustively.
RESPLIT_MAX = 10
#: Up to this many groups, every two groups are tried for a re-split; above it, only
#: groups holding a pair with negative affinity (a repeat), with their members' partners'.
RESPLIT_ALL_UP_TO = 40
#: First edges per batch when enumerating three-group exchanges.
CYCLE_CHUNK = 16_384
#: Partners per person considered when looking for three-group exchanges.
CYCLE_PARTNERS = 8
#: For pairs, three-pair exchanges gain little; they are skipped for rounds larger than this.
PAIR_CYCLES_UP_TO = 2000


@dataclass(frozen=True)
class Plan:
    """`count` groups of `base` people, `extra` of which get one more."""

    count: int
    base: int
    extra: int


def plan(n: int, k: int) -> Plan:
    """How n people split into groups of (about) k; see the module docstring."""
    if n < 2:
        return Plan(0, 0, 0)
    count, rest = divmod(n, k)
    if count == 0:
        return Plan(1, n, 0)
    if rest <= count:
        return Plan(count, k, rest)
    count += 1
    base = n // count
    return Plan(count, base, n - base * count)


@dataclass
class Groups:
    """Group membership: `members` (count x max size, -1 padded), `size`, and `where`
    (each person's group)."""

    members: Index
    size: Index
    where: Index

    @classmethod
    def of(cls, groups: list[list[int]], n: int, width: int) -> Groups:
        members = np.full((len(groups), width), -1, dtype=np.intp)
        where = np.full(n, -1, dtype=np.intp)
        for g, group in enumerate(groups):
            members[g, : len(group)] = group
            where[group] = g
        size = np.array([len(g) for g in groups], dtype=np.intp)
        return cls(members, size, where)

    def as_lists(self) -> list[list[int]]:
        return [[int(m) for m in row if m >= 0] for row in self.members]


def sums(matrix: Matrix, members: Index, people: Index, groups: Index) -> Matrix:
    """For each (person, group): the person's summed affinity to the group's members."""
    mem = members[groups]
    mem = np.where(mem < 0, people[:, None], mem)  # padding points at the diagonal (0)
    result: Matrix = matrix[people[:, None], mem].sum(axis=1)
    return result


def group_score(matrix: Matrix, group: list[int]) -> float:
    idx = np.asarray(group, dtype=np.intp)
    return float(matrix[np.ix_(idx, idx)].astype(np.float64).sum() / 2.0)


def form(
    matrix: Matrix, top: Index, n: int, k: int, layout: Plan
) -> tuple[list[list[int]], float | None]:
    """Groups over people 0..n-1 (the matrix may carry one dummy row at index n when n is
    odd), and, for pairs, the matching's upper bound."""
    if layout.count == 1:
        return [list(range(n))], None
    pairs, bound = perfect_matching(matrix, top)
    if k == 2 and matrix.shape[0] > n:
        pairs = _improve_with_odd_one(matrix, top, pairs, n)
    real = [(int(a), int(b)) for a, b in pairs if a < n and b < n]
    left = [int(a if b >= n else b) for a, b in pairs if a >= n or b >= n]
    weight = np.array([matrix[a, b] for a, b in real], dtype=np.float64)
    order = np.argsort(-weight, kind="stable")
    pairs_sorted = [list(real[i]) for i in order]

    if k == 2:
        cores = pairs_sorted
    elif k == 3:
        cores, rest = _take_cores(pairs_sorted, [], layout)
        left += rest
    else:
        quads, spare = _pair_pairs(matrix, pairs_sorted)
        cores, rest = _take_cores(spare, quads, layout)
        left += rest
    groups = _fill(matrix, cores, left, layout)
    state = Groups.of(groups, n, layout.base + 1)
    improve(matrix, state, top, layout, cycles=k > 2 or n <= PAIR_CYCLES_UP_TO)
    return state.as_lists(), (bound if k == 2 else None)


def _improve_with_odd_one(matrix: Matrix, top: Index, pairs: Index, n: int) -> Index:
    """2-opt on the matching that includes the odd-one-out node (index n, worth what its
    partner adds to their best pair): who is left over to join a pair is chosen together
    with the pairs, so a swap can both mend a pair and pick a better odd one out."""
    size = matrix.shape[0]
    kk = min(top.shape[1], n)
    row = matrix[n, :n]
    own = np.argsort(-row, kind="stable")[:kk]
    if top.shape[1] < kk:  # pragma: no cover - top has n - 1 >= kk columns for n >= 2
        return pairs
    extended = np.vstack([top[:, :kk], own[None, :]])
    state = Groups.of([[int(a), int(b)] for a, b in pairs], size, 2)
    improve(matrix, state, extended, Plan(size // 2, 2, 0), cycles=size <= PAIR_CYCLES_UP_TO)
    return np.array(state.as_lists(), dtype=np.intp).reshape(-1, 2)


def _take_cores(
    pairs: list[list[int]], quads: list[list[int]], layout: Plan
) -> tuple[list[list[int]], list[int]]:
    """The first `count` cores: quads that fit the sizes, then pairs; the rest are loose."""
    cores: list[list[int]] = []
    extras = layout.extra
    pool = list(pairs)
    for quad in quads:
        if len(cores) < layout.count and (
            len(quad) <= layout.base or (len(quad) == layout.base + 1 and extras > 0)
        ):
            if len(quad) > layout.base:
                extras -= 1
            cores.append(quad)
        else:
            pool.extend([quad[:2], quad[2:]])
    loose: list[int] = []
    for pair in pool:
        if len(cores) < layout.count:
            cores.append(pair)
        else:
            loose.extend(pair)
    return cores, loose


def _pair_pairs(matrix: Matrix, pairs: list[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """Match pairs to pairs (quads, strongest first) and the pair left over, if any."""
    if len(pairs) < 2:
        return [], pairs
    p = np.array(pairs, dtype=np.intp)
    a, b = p[:, 0], p[:, 1]
    count = len(pairs)
    size = count + count % 2
    contracted = np.zeros((size, size), dtype=np.float32)
    contracted[:count, :count] = (
        matrix[np.ix_(a, a)] + matrix[np.ix_(a, b)] + matrix[np.ix_(b, a)] + matrix[np.ix_(b, b)]
    )
    np.fill_diagonal(contracted, 0.0)
    kk = min(20, count - 1)
    masked = contracted[:count, :count].copy()
    np.fill_diagonal(masked, -np.inf)
    top = np.argpartition(masked, count - kk, axis=1)[:, count - kk :]
    matched, _ = perfect_matching(contracted, top, None)
    quads: list[list[int]] = []
    spare: list[list[int]] = []
    for x, y in matched:
        if x >= count or y >= count:
            spare.append(pairs[int(min(x, y))])
        else:
            quads.append(pairs[int(x)] + pairs[int(y)])
    quads.sort(key=lambda q: -group_score(matrix, q))
    return quads, spare


def _fill(matrix: Matrix, cores: list[list[int]], left: list[int], layout: Plan) -> list[list[int]]:
    """Place loose people by rounds of assignment: up to the base size, then one extra."""
    groups = [list(c) for c in cores]
    loose = np.array(sorted(left), dtype=np.intp)
    while loose.size:
        sizes = np.array([len(g) for g in groups])
        open_groups = np.flatnonzero(sizes < layout.base)
        if open_groups.size == 0:
            open_groups = np.flatnonzero(sizes == layout.base)
        if open_groups.size == 0:  # pragma: no cover - plan guarantees room
            raise RuntimeError("no room left for the remaining people")
        width = max(len(groups[g]) for g in open_groups)
        members = np.full((open_groups.size, width), -1, dtype=np.intp)
        for i, g in enumerate(open_groups):
            members[i, : len(groups[g])] = groups[g]
        gain = np.zeros((loose.size, open_groups.size), dtype=np.float32)
        for slot in range(width):
            column = members[:, slot]
            part = matrix[np.ix_(loose, np.maximum(column, 0))]
            part[:, column < 0] = 0.0
            gain += part
        rows, cols = linear_sum_assignment(gain, maximize=True)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            groups[int(open_groups[c])].append(int(loose[r]))
        loose = np.delete(loose, rows)
    return groups


def improve(matrix: Matrix, state: Groups, top: Index, layout: Plan, *, cycles: bool = True) -> int:
    """Local search (see the module docstring); returns the number of changes made.

    Swaps and moves run until none gains, then one pass of three-group exchanges and one
    of two-group re-splits, and so on until nothing gains. Each search looks only at
    groups that changed since it last looked: the gain of a change between unchanged
    groups is still what it was.
    """
    count = state.size.size
    swap_dirty = np.ones(count, dtype=bool)
    cycle_dirty = np.ones(count, dtype=bool)
    split_dirty = np.ones(count, dtype=bool)
    made = 0
    for _ in range(MAX_PASSES):
        changed, done = _swaps_and_moves(matrix, state, top, layout, swap_dirty)
        made += done
        cycle_dirty |= changed
        split_dirty |= changed
        later = np.zeros(count, dtype=bool)
        if cycles:
            changed, done = _cycles(matrix, state, top[:, :CYCLE_PARTNERS], cycle_dirty)
            made += done
            cycle_dirty = changed.copy()
            split_dirty |= changed
            later |= changed
        changed, done = _resplit(matrix, state, top, split_dirty)
        made += done
        split_dirty = changed.copy()
        cycle_dirty |= changed
        later |= changed
        if not later.any():
            break
        swap_dirty = later
    return made


def _swaps_and_moves(
    matrix: Matrix, state: Groups, top: Index, layout: Plan, dirty: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], int]:
    """Passes of the best non-conflicting swaps and moves until none gains, looking at
    changes involving a `dirty` group first; returns the groups changed and how many
    changes were made."""
    n = state.where.size
    width = state.members.shape[1]
    lo, hi = layout.base, layout.base + 1
    moves_allowed = layout.extra > 0
    everyone = np.arange(n)
    u_all = np.repeat(everyone, top.shape[1])
    v_all = top.ravel()
    changed = dirty.copy()
    ever = np.zeros(state.size.size, dtype=bool)
    made = 0
    for _ in range(MAX_PASSES):
        g1 = state.where[u_all]
        g2 = state.where[v_all]
        keep = (g1 != g2) & (changed[g1] | changed[g2])
        u, g1, g2 = u_all[keep], g1[keep], g2[keep]
        if u.size == 0:
            break
        own = sums(matrix, state.members, everyone, state.where)
        to_g2 = sums(matrix, state.members, u, g2)
        gains: list[npt.NDArray[np.float32]] = []
        who: list[Index] = []
        other: list[Index] = []  # the person swapped in, or -1 - group for a move
        for slot in range(width):
            w = state.members[g2, slot]
            ok = w >= 0
            uo, wo = u[ok], w[ok]
            a_uw = matrix[uo, wo]
            gain = to_g2[ok] - own[uo] + sums(matrix, state.members, wo, g1[ok]) - own[wo]
            gain -= 2.0 * a_uw
            good = gain > MIN_GAIN
            gains.append(gain[good])
            who.append(uo[good])
            other.append(wo[good])
        if moves_allowed:
            ok = (state.size[g1] == hi) & (state.size[g2] == lo)
            gain = to_g2[ok] - own[u[ok]]
            good = gain > MIN_GAIN
            gains.append(gain[good])
            who.append(u[ok][good])
            other.append(-1 - g2[ok][good])
        gain_all = np.concatenate(gains)
        changed[:] = False
        if gain_all.size == 0:
            break
        who_all = np.concatenate(who)
        other_all = np.concatenate(other)
        order = np.lexsort((np.arange(gain_all.size), -gain_all))
        touched = np.zeros(state.size.size, dtype=bool)
        accepted = 0
        for i in order.tolist():
            x = int(who_all[i])
            y = int(other_all[i])
            ga = int(state.where[x])
            gb = int(state.where[y]) if y >= 0 else -1 - y
            if touched[ga] or touched[gb]:
                continue
            touched[ga] = touched[gb] = True
            if y >= 0:
                _swap(state, x, y)
            else:
                _move(state, x, gb)
            accepted += 1
        changed |= touched
        ever |= touched
        made += accepted
        if accepted == 0:
            break
    return ever, made


def _swap(state: Groups, x: int, y: int) -> None:
    gx, gy = int(state.where[x]), int(state.where[y])
    row_x, row_y = state.members[gx], state.members[gy]
    row_x[np.flatnonzero(row_x == x)[0]] = y
    row_y[np.flatnonzero(row_y == y)[0]] = x
    state.where[x], state.where[y] = gy, gx


def _move(state: Groups, x: int, g: int) -> None:
    gx = int(state.where[x])
    row = state.members[gx]
    pos = int(np.flatnonzero(row == x)[0])
    last = int(state.size[gx]) - 1
    row[pos], row[last] = row[last], -1
    state.size[gx] -= 1
    state.members[g, state.size[g]] = x
    state.size[g] += 1
    state.where[x] = g


def _cycles(
    matrix: Matrix, state: Groups, top: Index, dirty: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], int]:
    """One pass of three-group exchanges: u joins w's group, w joins x's, x joins u's,
    where w is in the group of one of u's top partners (and x of w's), for exchanges that
    involve a `dirty` group. Returns the groups changed and how many exchanges were made."""
    n = state.where.size
    width = state.members.shape[1]
    touched = np.zeros(state.size.size, dtype=bool)
    if state.size.size < 3:
        return touched, 0
    everyone = np.arange(n)
    own = sums(matrix, state.members, everyone, state.where)
    # Edges u -> w: "u takes w's place", worth S(u, g(w)) - A[u, w] - own[u].
    u = np.repeat(everyone, top.shape[1] * width)
    w = state.members[state.where[top]].reshape(-1)
    keep = (w >= 0) & (state.where[np.maximum(w, 0)] != state.where[u])
    u, w = u[keep], w[keep]
    pairs = np.unique(u * n + w)
    u, w = pairs // n, pairs % n
    value = sums(matrix, state.members, u, state.where[w]) - matrix[u, w] - own[u]
    # Paths u -> w -> x over two edges, closed by x -> u. Only paths touching a dirty
    # group: first edges that touch one (any second edge), or else second edges into one.
    g_from, g_to = state.where[u], state.where[w]
    touching = dirty[g_from] | dirty[g_to]
    found: list[tuple[Index, Index, Index, Matrix]] = []
    for firsts, seconds in (
        (np.flatnonzero(touching), np.arange(u.size)),
        (np.flatnonzero(~touching), np.flatnonzero(dirty[g_to])),
    ):
        for c0 in range(0, firsts.size, CYCLE_CHUNK):  # chunks keep the path arrays small
            first, second = _join(firsts[c0 : c0 + CYCLE_CHUNK], u, w, seconds, n)
            pu, px = u[first], w[second]
            g_u = state.where[pu]
            ok = state.where[px] != g_u
            first, second, pu, px, g_u = first[ok], second[ok], pu[ok], px[ok], g_u[ok]
            gain = value[first] + value[second]
            gain += sums(matrix, state.members, px, g_u) - matrix[px, pu] - own[px]
            good = gain > MIN_GAIN
            found.append((pu[good], w[first[good]], px[good], gain[good]))
    if not found or not sum(f[0].size for f in found):
        return touched, 0
    pu = np.concatenate([f[0] for f in found])
    pw = np.concatenate([f[1] for f in found])
    px = np.concatenate([f[2] for f in found])
    gain = np.concatenate([f[3] for f in found])
    order = np.lexsort((np.arange(gain.size), -gain))
    applied = 0
    for i in order.tolist():
        a, b, c = int(pu[i]), int(pw[i]), int(px[i])
        groups = [int(state.where[a]), int(state.where[b]), int(state.where[c])]
        if touched[groups].any() or len(set(groups)) < 3:
            continue
        touched[groups] = True
        _place(state, a, groups[1], b)
        _place(state, b, groups[2], c)
        _place(state, c, groups[0], a)
        state.where[a], state.where[b], state.where[c] = groups[1], groups[2], groups[0]
        applied += 1
    return touched, applied


def _resplit(
    matrix: Matrix, state: Groups, top: Index, dirty: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], int]:
    """Re-split two groups' members in the best way that keeps their two sizes, for pairs
    of groups where one is `dirty`; returns the groups changed and how many re-splits."""
    count = state.size.size
    touched = np.zeros(count, dtype=bool)
    if count < 2:
        return touched, 0
    exhaustive = count <= RESPLIT_ALL_UP_TO
    if exhaustive:
        targets = np.arange(count)
    else:
        mem = state.members
        safe = np.where(mem < 0, mem[:, :1], mem)
        inside = matrix[safe[:, :, None], safe[:, None, :]]
        targets = np.flatnonzero((inside < 0).any(axis=(1, 2)))
    applied = 0
    for g in targets.tolist():
        if touched[g]:
            continue
        own = state.members[g, : state.size[g]]
        if exhaustive:
            partners = np.arange(count)
        else:
            partners = np.unique(state.where[top[own].ravel()])
        ok = (partners != g) & ~touched[partners]
        ok &= dirty[g] | dirty[partners]
        ok &= state.size[partners] + own.size <= RESPLIT_MAX
        partners = partners[ok]
        best_gain, best = MIN_GAIN, None
        for size in np.unique(state.size[partners]).tolist():
            same = partners[state.size[partners] == size]
            union = np.concatenate(
                [np.broadcast_to(own, (same.size, own.size)), state.members[same, :size]], axis=1
            )
            masks = _split_masks(own.size, size)
            sub = matrix[union[:, :, None], union[:, None, :]].astype(np.float64)
            inner = np.einsum("kc,pcd,kd->pk", masks, sub, masks)
            outer = np.einsum("kc,pcd,kd->pk", 1.0 - masks, sub, 1.0 - masks)
            value = (inner + outer) / 2.0
            gain = value - value[:, :1]  # split 0 is the current one
            p, k = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if gain[p, k] > best_gain:
                best_gain, best = float(gain[p, k]), (int(same[p]), union[p], masks[k] > 0)
        if best is None:
            continue
        h, union, mask = best
        for group, people in ((g, union[mask]), (h, union[~mask])):
            state.members[group] = -1
            state.members[group, : people.size] = people
            state.size[group] = people.size
            state.where[people] = group
        touched[[g, h]] = True
        applied += 1
    return touched, applied


@lru_cache(maxsize=64)
def _split_masks(first: int, second: int) -> npt.NDArray[np.float64]:
    """0/1 rows over first + second places: which go to the first group (first or second
    of them); row 0 is the split as it is."""
    total = first + second
    rows = [tuple(range(first))]
    for size in sorted({first, second}):
        rows.extend(c for c in itertools.combinations(range(total), size) if c != rows[0])
    masks = np.zeros((len(rows), total), dtype=np.float64)
    for i, chosen in enumerate(rows):
        masks[i, list(chosen)] = 1.0
    return masks


def _join(firsts: Index, u: Index, w: Index, seconds: Index, n: int) -> tuple[Index, Index]:
    """All pairs (e1, e2) with e1 in `firsts`, e2 in `seconds` and e2 starting where e1
    ends (edges are u[e] -> w[e], sorted by u)."""
    src = u[seconds]
    starts = np.searchsorted(src, np.arange(n))
    counts = np.diff(np.append(starts, src.size))
    reps = counts[w[firsts]]
    first = np.repeat(firsts, reps)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(reps) - reps, reps)
    second = seconds[starts[w[first]] + offsets]
    return first, second


def _place(state: Groups, person: int, group: int, replacing: int) -> None:
    row = state.members[group]
    row[np.flatnonzero(row == replacing)[0]] = person
