"""Matching people for a coffee-chat round: affinity scoring, group formation, reasons.

Public API (all pure functions on plain dataclasses; no I/O):

    match(participants, history, options, weights=None) -> MatchResult
        Everyone in groups of `options.group_size` (2, 3 or 4; people left over join the
        groups where they add the most, so nobody is dropped); one participant alone, or
        someone whom avoid lists leave no place, is returned in `unmatched`. Deterministic
        for a given `options.seed`.
    affinity_matrix(participants, history, options, weights=None) -> numpy float32 N x N
        The scores the solver maximises (see `bot.core.matching.affinity`).
    common_ground(a, b, history=(), *, on) -> list[Reason]
    group_common_ground(people, history=(), *, on) -> list[Reason]
        The reasons between people without solving anything (introductions, "find people").

Types: Participant, PastGroup, MatchOptions, Weights (inputs); MatchResult, Group, Reason,
LocalWindow (outputs). See `model` for their fields and `affinity` for the scoring formula.

Priorities, highest first: nobody is grouped with someone on either's avoid list (a hard
rule, `rules`); every group can meet (one stretch of `options.min_meeting_minutes` of
working time shared on some day of the round's `options.cycle_days`); no recent repeats;
then common ground (learn/help, rare shared interests, other teams).

Repeats are judged by rounds: the distinct dates in `history`, most recent first. Pass the
channel's history (at least its last `recent_rounds` rounds) so that "last round" means
the channel's last round.

How pairs are found (`pairs`, `groups`): assignment relaxation (dense, or sparse on each
person's top partners for large rounds), repaired into a matching, then improved by 2-opt
swaps; half the assignment optimum is returned as `upper_bound`, which certifies quality.
Groups of 3 and 4 are built from the pair matching and improved by swapping members; their
bound is the weaker "each person's best partners" bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from bot.core.matching import affinity as aff
from bot.core.matching import rules
from bot.core.matching.affinity import Matrix, affinity_matrix
from bot.core.matching.groups import Plan, form, group_score, plan
from bot.core.matching.hours import zone
from bot.core.matching.model import (
    REFERENCE_DATE,
    Group,
    LocalWindow,
    MatchOptions,
    MatchResult,
    Participant,
    PastGroup,
    Reason,
    ReasonKind,
    Weights,
)
from bot.core.matching.reasons import explain

__all__ = [
    "REFERENCE_DATE",
    "Group",
    "LocalWindow",
    "MatchOptions",
    "MatchResult",
    "Participant",
    "PastGroup",
    "Reason",
    "ReasonKind",
    "Weights",
    "affinity_matrix",
    "common_ground",
    "group_common_ground",
    "match",
]

#: Candidate partners per person for the sparse assignment and the local search.
TOP_K = 20
#: Up to this many people every pair is a candidate in the local search.
COMPLETE_UP_TO = 64


def match(
    participants: Sequence[Participant],
    history: Sequence[PastGroup],
    options: MatchOptions,
    weights: Weights | None = None,
) -> MatchResult:
    """Put every participant in a group; see the module docstring."""
    weights = weights or Weights()
    _check(participants)
    n = len(participants)
    if n == 0:
        return MatchResult([], 0.0, 0.0, [])
    if n == 1:
        return MatchResult([], 0.0, 0.0, [participants[0].id])

    rng = np.random.default_rng(options.seed)
    order = rng.permutation(n)
    people = [participants[int(i)] for i in order]
    layout = plan(n, options.group_size)
    k = n - 1 if n <= COMPLETE_UP_TO else TOP_K
    built = aff.build(people, history, options, weights, extra=n % 2, k=k)
    matrix = built.matrix
    if n % 2:
        dummy = built.top_values[:, :2].sum(axis=1)  # the most anyone adds to a pair
        matrix[n, :n] = dummy
        matrix[:n, n] = dummy

    groups, bound = form(matrix, built.top, n, options.group_size, layout)
    groups, left_out = rules.enforce_avoid(groups, built.avoid, matrix, options.group_size)
    if options.group_size > 2:
        rules.meet(groups, matrix, built.hours, options.min_meeting_minutes, built.avoid)
    scores = [group_score(matrix, g) for g in groups]
    total = float(sum(scores))
    if bound is None:
        bound = _best_partners_bound(built.top_values, layout, total, len(groups) <= 1)
    bound = max(bound, total)  # equal when exact; guards float rounding

    day = aff.round_day(options, history)
    met, rarity = built.met, built.rarity
    result: list[tuple[int, Group]] = []
    for members, score in zip(groups, scores, strict=True):
        members = sorted(members, key=lambda i: int(order[i]))
        group_people = [people[i] for i in members]

        def last_met(i: int, j: int, members: list[int] = members) -> dt.date | None:
            a, b = sorted((members[i], members[j]))
            seen = met.get((a, b))
            return seen.on if seen else None

        reasons = explain(
            group_people,
            day=day,
            last_met=last_met,
            rarity=rarity,
            cycle_days=options.cycle_days,
        )
        shared = rules.shared_minutes(members, built.hours)
        group = Group(
            tuple(p.id for p in group_people),
            score,
            reasons,
            shared_minutes=shared,
            can_meet=shared >= options.min_meeting_minutes,
        )
        result.append((int(order[members[0]]), group))
    result.sort(key=lambda item: item[0])
    unmatched = sorted(left_out, key=lambda i: int(order[i]))
    return MatchResult([g for _, g in result], total, bound, [people[i].id for i in unmatched])


def _best_partners_bound(top_values: Matrix, layout: Plan, total: float, single: bool) -> float:
    """Half the sum over people of their best possible within-group affinities: a person
    in a group of s has s - 1 partners, worth at most their s - 1 best affinities, and at
    most `extra` groups (so extra * (base + 1) people) have base + 1 members."""
    if single:
        return total
    best = np.cumsum(top_values.astype(np.float64), axis=1)
    base = best[:, layout.base - 2]
    bound = float(base.sum())
    if layout.extra:
        more = np.sort(best[:, layout.base - 1] - base)[::-1]
        bound += float(np.clip(more[: layout.extra * (layout.base + 1)], 0.0, None).sum())
    return bound / 2.0


def _check(participants: Sequence[Participant]) -> None:
    seen: set[str] = set()
    for p in participants:
        if p.id in seen:
            raise ValueError(f'duplicate participant id "{p.id}"')
        seen.add(p.id)
        zone(p.tz)


def common_ground(
    a: Participant,
    b: Participant,
    history: Sequence[PastGroup] = (),
    *,
    on: dt.date | dt.datetime,
    cycle_days: int = 7,
) -> list[Reason]:
    """What two people have in common over the `cycle_days` days from a given day (for
    introductions and search)."""
    return group_common_ground([a, b], history, on=on, cycle_days=cycle_days)


def group_common_ground(
    people: Sequence[Participant],
    history: Sequence[PastGroup] = (),
    *,
    on: dt.date | dt.datetime,
    cycle_days: int = 7,
) -> list[Reason]:
    """What a group of people have in common over the `cycle_days` days from a given day."""
    for p in people:
        zone(p.tz)
    day = on.astimezone(dt.UTC).date() if isinstance(on, dt.datetime) and on.tzinfo else on
    if isinstance(day, dt.datetime):
        day = day.date()
    met = aff.meetings([p.id for p in people], history)

    def last_met(i: int, j: int) -> dt.date | None:
        seen = met.get((i, j))
        return seen.on if seen else None

    return explain(people, day=day, last_met=last_met, cycle_days=cycle_days)
