"""Synthetic populations for benchmarks: realistic enough to stress matching.

`population(n, seed)` returns participants and four earlier rounds of history:
- 3-8 interests each from a 300-tag vocabulary with Zipf-like popularity (tag r has weight
  1/r), so a few tags are very common and most are rare;
- about half can help with 1-3 topics and want to learn 1-2 (60-topic Zipf vocabulary);
- n/8 teams, each based in one timezone (clustered by UTC offset), 85% of a team's members
  in that zone and the rest anywhere;
- working time: 80% keep 09:00-17:00 Monday to Friday; the rest start between 07:00 and
  10:30, and a third of those work four days (Monday-Thursday or Tuesday-Friday);
- avoid lists: 3% avoid one or two people, mostly teammates;
- history: four weekly rounds of random pairs before `NOW`.

`company(n, seed)` is "a real distributed company": 12 timezones in four clusters (Americas
40%, Europe 35%, India 13%, APAC 12%), teams inside a cluster (90% of a team in the
cluster), the same interests, hours, avoid lists and history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

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
CLUSTERS = [
    (0.40, ["America/Los_Angeles", "America/Chicago", "America/New_York", "America/Sao_Paulo"]),
    (0.35, ["Europe/London", "Europe/Berlin", "Europe/Helsinki"]),
    (0.13, ["Asia/Kolkata", "Asia/Dubai"]),
    (0.12, ["Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"]),
]
STARTS = [dt.time(7), dt.time(7, 30), dt.time(8), dt.time(8, 30), dt.time(9, 30), dt.time(10)]
SHORT_WEEKS = [frozenset({0, 1, 2, 3}), frozenset({1, 2, 3, 4})]
TAGS = [f"tag{i:03d}" for i in range(300)]
SKILLS = [f"skill{i:02d}" for i in range(60)]


def _zipf(size: int) -> np.ndarray:
    w = 1.0 / np.arange(1, size + 1)
    return w / w.sum()


def population(n: int, seed: int = 0, rounds: int = 4) -> tuple[list[Participant], list[PastGroup]]:
    """`n` participants and `rounds` earlier rounds of random pairs (see module docstring)."""
    rng = np.random.default_rng(seed)
    team_count = max(1, n // 8)
    team_zone = [ZONES[i % len(ZONES)] for i in rng.permutation(team_count)]
    teams = rng.integers(team_count, size=n)
    zones = [
        team_zone[t] if rng.random() < 0.85 else ZONES[int(rng.integers(len(ZONES)))] for t in teams
    ]
    return _people(rng, teams, zones, rounds)


def company(
    n: int = 600, seed: int = 0, rounds: int = 4
) -> tuple[list[Participant], list[PastGroup]]:
    """A distributed company of `n` people in 12 timezones (see module docstring)."""
    rng = np.random.default_rng(seed)
    weights = np.array([w for w, _ in CLUSTERS])
    team_count = max(1, n // 8)
    team_cluster = rng.choice(len(CLUSTERS), size=team_count, p=weights / weights.sum())
    teams = rng.integers(team_count, size=n)
    zones = []
    for t in teams:
        cluster = int(team_cluster[t]) if rng.random() < 0.9 else int(rng.integers(len(CLUSTERS)))
        names = CLUSTERS[cluster][1]
        zones.append(names[int(rng.integers(len(names)))])
    return _people(rng, teams, zones, rounds)


def _people(
    rng: np.random.Generator, teams: np.ndarray, zones: list[str], rounds: int
) -> tuple[list[Participant], list[PastGroup]]:
    n = len(zones)
    tag_p, skill_p = _zipf(len(TAGS)), _zipf(len(SKILLS))
    people = []
    for i in range(n):
        team = int(teams[i])
        interests = rng.choice(len(TAGS), size=int(rng.integers(3, 9)), replace=False, p=tag_p)
        can_help: frozenset[str] = frozenset()
        learn: frozenset[str] = frozenset()
        if rng.random() < 0.5:
            picks = rng.choice(len(SKILLS), size=int(rng.integers(1, 4)), replace=False, p=skill_p)
            can_help = frozenset(SKILLS[j] for j in picks)
        if rng.random() < 0.5:
            picks = rng.choice(len(SKILLS), size=int(rng.integers(1, 3)), replace=False, p=skill_p)
            learn = frozenset(SKILLS[j] for j in picks) - can_help
        start, end, days = dt.time(9), dt.time(17), frozenset(range(5))
        if rng.random() < 0.2:
            start = STARTS[int(rng.integers(len(STARTS)))]
            end = dt.time((start.hour + 8) % 24, start.minute)
            if rng.random() < 1 / 3:
                days = SHORT_WEEKS[int(rng.integers(len(SHORT_WEEKS)))]
        people.append(
            Participant(
                id=f"U{i:05d}",
                interests=frozenset(TAGS[j] for j in interests),
                can_help=can_help,
                wants_to_learn=learn,
                team=f"team{team:03d}",
                tz=zones[i],
                work_start=start,
                work_end=end,
                work_days=days,
            )
        )
    mates: dict[int, list[int]] = {}
    for i in range(n):
        mates.setdefault(int(teams[i]), []).append(i)
    for i in range(n):
        if rng.random() < 0.03:
            pool = [j for j in mates[int(teams[i])] if j != i] if rng.random() < 0.7 else []
            if not pool:
                pool = [int(j) for j in rng.integers(n, size=2) if j != i]
            picks = rng.choice(
                len(pool), size=min(len(pool), int(rng.integers(1, 3))), replace=False
            )
            avoid = frozenset(people[pool[int(j)]].id for j in picks)
            people[i] = replace(people[i], avoid=avoid)
    history = []
    for r in range(rounds):
        at = NOW - dt.timedelta(days=7 * (r + 1))
        order = rng.permutation(n)
        for a in range(0, n - 1, 2):
            history.append(PastGroup(frozenset({people[order[a]].id, people[order[a + 1]].id}), at))
    return people, history
