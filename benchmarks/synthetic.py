"""Synthetic populations for benchmarks: realistic enough to stress matching.

`population(n, seed)` returns participants and four earlier rounds of history:
- 3-8 interests each from a 300-tag vocabulary with Zipf-like popularity (tag r has weight
  1/r), so a few tags are very common and most are rare;
- about half can help with 1-3 topics and want to learn 1-2 (60-topic Zipf vocabulary);
- n/8 teams, each based in one timezone (clustered by UTC offset), 85% of a team's members
  in that zone and the rest anywhere;
- history: four weekly rounds of random pairs before `NOW`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from bot.core.matching import Participant, PastGroup

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
ZONES = [
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
]
TAGS = [f"tag{i:03d}" for i in range(300)]
SKILLS = [f"skill{i:02d}" for i in range(60)]


def _zipf(size: int) -> np.ndarray:
    w = 1.0 / np.arange(1, size + 1)
    return w / w.sum()


def population(n: int, seed: int = 0, rounds: int = 4) -> tuple[list[Participant], list[PastGroup]]:
    """`n` participants and `rounds` earlier rounds of random pairs (see module docstring)."""
    rng = np.random.default_rng(seed)
    tag_p, skill_p = _zipf(len(TAGS)), _zipf(len(SKILLS))
    team_count = max(1, n // 8)
    team_zone = [ZONES[i % len(ZONES)] for i in rng.permutation(team_count)]
    people = []
    for i in range(n):
        team = int(rng.integers(team_count))
        tz = team_zone[team] if rng.random() < 0.85 else ZONES[int(rng.integers(len(ZONES)))]
        interests = rng.choice(len(TAGS), size=int(rng.integers(3, 9)), replace=False, p=tag_p)
        can_help: frozenset[str] = frozenset()
        learn: frozenset[str] = frozenset()
        if rng.random() < 0.5:
            picks = rng.choice(len(SKILLS), size=int(rng.integers(1, 4)), replace=False, p=skill_p)
            can_help = frozenset(SKILLS[j] for j in picks)
        if rng.random() < 0.5:
            picks = rng.choice(len(SKILLS), size=int(rng.integers(1, 3)), replace=False, p=skill_p)
            learn = frozenset(SKILLS[j] for j in picks) - can_help
        people.append(
            Participant(
                id=f"U{i:05d}",
                interests=frozenset(TAGS[j] for j in interests),
                can_help=can_help,
                wants_to_learn=learn,
                team=f"team{team:03d}",
                tz=tz,
            )
        )
    history = []
    for r in range(rounds):
        at = NOW - dt.timedelta(days=7 * (r + 1))
        order = rng.permutation(n)
        for a in range(0, n - 1, 2):
            history.append(PastGroup(frozenset({people[order[a]].id, people[order[a + 1]].id}), at))
    return people, history
