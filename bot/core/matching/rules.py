"""Hard rules checked after solving: avoid lists, and one shared stretch for groups.

The affinity matrix already makes both very costly, so the solver rarely breaks them; these
passes make the result right whatever the solver did.

`enforce_avoid`: nobody ends up in a group with someone on either's avoid list. People in
such a group are taken out (the one with most conflicts first) and placed again, in order:
into a group where nobody conflicts with them (up to `group_size + 1` people: a trio is
better than a pair on the list), by swapping with someone of such a group who can go
elsewhere, or with another person taken out. Whoever still has no place is `unmatched`:
avoid lists win over "nobody dropped".

`meet`: for groups of 3 and 4, being able to meet means one stretch of at least
`min_meeting_minutes` shared by every member on some day of the cycle (pairwise overlaps
can each be long while the three of them share less). Groups without one get a member
swapped with a member of another group when that gives both groups such a stretch, breaks
no avoid list, and loses the least affinity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.core.matching import hours
from bot.core.matching.affinity import Hours, Matrix

#: Candidate groups examined per member of a group that cannot meet (best affinity first).
MEET_CANDIDATES = 200


def neighbours(avoid: set[tuple[int, int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in avoid:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _clashes(person: int, group: Sequence[int], nbr: dict[int, set[int]]) -> int:
    mine = nbr.get(person)
    return sum(1 for other in group if other != person and mine and other in mine) if mine else 0


def violations(groups: Sequence[Sequence[int]], avoid: set[tuple[int, int]]) -> int:
    """How many avoided pairs share a group."""
    count = 0
    for group in groups:
        members = sorted(group)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                count += (a, b) in avoid
    return count


def enforce_avoid(
    groups: list[list[int]], avoid: set[tuple[int, int]], matrix: Matrix, group_size: int
) -> tuple[list[list[int]], list[int]]:
    """Groups without avoided pairs, and who could not be placed (see module docstring)."""
    if not avoid or violations(groups, avoid) == 0:
        return groups, []
    nbr = neighbours(avoid)
    cap = group_size + 1
    kept: list[list[int]] = []
    pending: list[int] = []
    for group in groups:
        members = list(group)
        while True:
            counts = [_clashes(x, members, nbr) for x in members]
            if max(counts) == 0:
                break
            worst = max(
                range(len(members)),
                key=lambda i: (counts[i], -float(matrix[members[i], members].sum()), -members[i]),
            )
            pending.append(members.pop(worst))
        if len(members) >= 2:
            kept.append(members)
        else:
            pending.extend(members)
    pending.sort(key=lambda x: (-len(nbr.get(x, ())), x))
    unmatched: list[int] = []
    while pending:
        x = pending.pop(0)
        if _join(x, kept, nbr, matrix, cap) or _swap_in(x, kept, nbr, matrix, cap):
            continue
        partner = _pair_with(x, pending + unmatched, nbr, matrix)
        if partner is not None:
            (pending if partner in pending else unmatched).remove(partner)
            kept.append([x, partner])
            continue
        unmatched.append(x)
    return kept, sorted(unmatched)


def _join(x: int, groups: list[list[int]], nbr: dict[int, set[int]], m: Matrix, cap: int) -> bool:
    best, where = -np.inf, -1
    for g, group in enumerate(groups):
        if len(group) < cap and not _clashes(x, group, nbr):
            gain = float(m[x, group].sum())
            if gain > best:
                best, where = gain, g
    if where < 0:
        return False
    groups[where].append(x)
    return True


def _swap_in(
    x: int, groups: list[list[int]], nbr: dict[int, set[int]], m: Matrix, cap: int
) -> bool:
    """x takes y's place in a group; y joins another group without conflicts."""
    best, move = -np.inf, None
    for g, group in enumerate(groups):
        for y in group:
            rest = [z for z in group if z != y]
            if _clashes(x, rest, nbr):
                continue
            for h, other in enumerate(groups):
                if h == g or len(other) >= cap or _clashes(y, other, nbr):
                    continue
                gain = float(m[x, rest].sum() - m[y, rest].sum() + m[y, other].sum())
                if gain > best:
                    best, move = gain, (g, y, h)
    if move is None:
        return False
    g, y, h = move
    groups[g][groups[g].index(y)] = x
    groups[h].append(y)
    return True


def _pair_with(x: int, others: list[int], nbr: dict[int, set[int]], m: Matrix) -> int | None:
    free = [y for y in others if y not in nbr.get(x, set())]
    if not free:
        return None
    return max(free, key=lambda y: (float(m[x, y]), -y))


def shared_minutes(members: Sequence[int], work: Hours) -> int:
    """The longest stretch every member works, on one day of the cycle (minutes)."""
    profiles = [work.profiles[k] for k in set(work.kind[list(members)].tolist())]
    return hours.stretch(profiles, work.first, work.cycle_days).minutes


def meet(
    groups: list[list[int]],
    matrix: Matrix,
    work: Hours,
    min_minutes: int,
    avoid: set[tuple[int, int]],
) -> int:
    """Swap members so that more groups share a stretch of `min_minutes` (see the module
    docstring); returns how many swaps were made."""
    nbr = neighbours(avoid)
    ok = [shared_minutes(g, work) >= min_minutes for g in groups]
    swaps = 0
    for g in range(len(groups)):
        if ok[g] or len(groups[g]) < 2:
            continue
        found = _meeting_swap(g, groups, ok, matrix, work, min_minutes, nbr)
        if found is None:
            continue
        h, x, y = found
        groups[g][groups[g].index(x)] = y
        groups[h][groups[h].index(y)] = x
        ok[g] = True
        ok[h] = shared_minutes(groups[h], work) >= min_minutes
        swaps += 1
    return swaps


def _meeting_swap(
    g: int,
    groups: list[list[int]],
    ok: list[bool],
    matrix: Matrix,
    work: Hours,
    min_minutes: int,
    nbr: dict[int, set[int]],
) -> tuple[int, int, int] | None:
    """The best swap of a member x of group g with a member y of another group h after
    which g can meet and h still can (if it could), without avoid conflicts."""
    group = groups[g]
    where = np.full(work.kind.size, -1, dtype=np.intp)
    for h, other in enumerate(groups):
        where[other] = h
    best, found = -np.inf, None
    for x in group:
        rest = [z for z in group if z != x]
        # who fits the rest of g: pairwise overlap with each of them (a necessary condition)
        fits = np.ones(where.size, dtype=bool)
        for z in rest:
            fits &= work.overlap_rows(np.array([z], dtype=np.intp))[0] >= min_minutes
        fits &= where >= 0
        fits[group] = False
        candidates = np.flatnonzero(fits)
        if candidates.size == 0:
            continue
        gain = matrix[candidates][:, rest].sum(axis=1) - matrix[x, rest].sum()
        order = np.argsort(-gain, kind="stable")[:MEET_CANDIDATES]
        for y in candidates[order].tolist():
            h = int(where[y])
            other = [z for z in groups[h] if z != y]
            if _clashes(y, rest, nbr) or _clashes(x, other, nbr):
                continue
            delta = float(
                matrix[y, rest].sum()
                - matrix[x, rest].sum()
                + matrix[x, other].sum()
                - matrix[y, other].sum()
            )
            if delta <= best:
                continue
            if shared_minutes([*rest, y], work) < min_minutes:
                continue
            if ok[h] and shared_minutes([*other, x], work) < min_minutes:
                continue
            best, found = delta, (h, x, y)
    return found
