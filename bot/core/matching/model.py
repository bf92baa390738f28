"""The plain data that matching takes and returns.

Inputs: `Participant` (one person in a round), `PastGroup` (a group from an earlier round),
`MatchOptions` (group size, how many rounds count as recent, seed, the round's date) and
`Weights` (how much each kind of common ground counts). Outputs: `MatchResult`, made of
`Group`s, each with the `Reason`s its members were put together for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from bot.core.hours import Availability
from bot.core.matching.hours import WORKWEEK
from bot.core.text import normalize_interest

ReasonKind = Literal[
    "learn_help",
    "shared_interests",
    "hours_overlap",
    "cross_team",
    "first_meeting",
    "repeat",
]

GROUP_SIZES = (2, 3, 4)
#: The round's date when `MatchOptions.now` is None and there is no history to take it from.
REFERENCE_DATE = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def _topics(values: frozenset[str]) -> frozenset[str]:
    return frozenset(t for t in (normalize_interest(v) for v in values) if t)


@dataclass(frozen=True)
class Participant:
    """One person taking part in a round.

    Topics are normalised on construction (`normalize_interest`), so "Rust " and "rust" are
    the same interest. `tz` is an IANA name; working hours are local wall-clock times, and a
    `work_end` at or before `work_start` means the shift ends the next day; `work_days` are
    the local weekdays they work (0 = Monday; default Monday to Friday). `avoid` holds the
    ids of people they never want to be grouped with (private: never shown to anyone, and
    kept out of reasons); matching treats it as a hard rule, whichever of the two lists the
    other. `boost` >= 0 makes the solver care more about this person's match (1.0 counts
    their common ground double): give it to someone who was left out or whose match was
    cancelled last time.
    """

    id: str
    interests: frozenset[str] = frozenset()
    can_help: frozenset[str] = frozenset()
    wants_to_learn: frozenset[str] = frozenset()
    team: str | None = None
    tz: str = "UTC"
    work_start: dt.time = dt.time(9)
    work_end: dt.time = dt.time(17)
    boost: float = 0.0
    display_name: str | None = None
    work_days: frozenset[int] = WORKWEEK
    avoid: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "interests", _topics(self.interests))
        object.__setattr__(self, "can_help", _topics(self.can_help))
        object.__setattr__(self, "wants_to_learn", _topics(self.wants_to_learn))
        object.__setattr__(self, "team", (self.team or "").strip() or None)
        if not self.boost >= 0.0:
            raise ValueError(f"{self.id}: boost must be >= 0, not {self.boost!r}")
        days = frozenset(self.work_days)
        if not days <= frozenset(range(7)):
            raise ValueError(f"{self.id}: working days are 0 (Monday) to 6, not {sorted(days)}")
        object.__setattr__(self, "work_days", days)
        object.__setattr__(self, "avoid", frozenset(self.avoid) - {self.id})

    @property
    def profile(self) -> Availability:
        """Timezone, hours and days: all that the person's working time depends on."""
        return Availability(self.tz, self.work_start, self.work_end, self.work_days)

    @property
    def name(self) -> str:
        """How the person is called in reason texts."""
        return self.display_name or self.id


@dataclass(frozen=True)
class PastGroup:
    """A group from an earlier round: who was in it and when (naive datetimes are UTC)."""

    members: frozenset[str]
    at: dt.datetime


@dataclass(frozen=True)
class MatchOptions:
    """How to form groups.

    `group_size` is 2, 3 or 4. The `recent_rounds` most recent distinct dates in the history
    count as recent rounds: a repeat from one of them costs a large penalty that fades with
    the round's age; older repeats cost `Weights.met_before`. `seed` breaks ties
    reproducibly. `now` is the round's date (aware, UTC): working hours are placed on the
    `cycle_days` days from that date's 00:00 UTC (the time until the next round; 7 for weekly
    rounds), so DST and weekdays are taken into account. When None, the latest history date
    is used, or `REFERENCE_DATE` without history: services and the CLI should pass the real
    date. People "can meet" when they share a stretch of at least `min_meeting_minutes` of
    working time on some day of the cycle (a group: one stretch shared by all its members).
    """

    group_size: int = 2
    recent_rounds: int = 4
    seed: int = 0
    now: dt.datetime | None = None
    cycle_days: int = 7
    min_meeting_minutes: int = 120

    def __post_init__(self) -> None:
        if self.group_size not in GROUP_SIZES:
            raise ValueError(f"group size must be 2, 3 or 4, not {self.group_size!r}")
        if self.recent_rounds < 0:
            raise ValueError(f"recent_rounds must be >= 0, not {self.recent_rounds!r}")
        if not 1 <= self.cycle_days <= 366:
            raise ValueError(f"cycle_days must be 1 to 366, not {self.cycle_days!r}")
        if not 0 <= self.min_meeting_minutes <= 24 * 60:
            raise ValueError(
                f"min_meeting_minutes must be 0 to 1440, not {self.min_meeting_minutes!r}"
            )


@dataclass(frozen=True)
class Weights:
    """Points for each kind of common ground between two people.

    `shared_interest` multiplies the rarity-weighted cosine similarity of their interests
    (1.0 when they list exactly the same ones). `learn_help` counts once for each direction
    in which one wants to learn what the other can help with. `hours_overlap` (a small
    tie-breaker) is reached at `full_overlap_hours` of shared working time on their best day.
    These points are multiplied by 1 + boost(a) + boost(b). Then penalties, never boosted:
    `cannot_meet` for a pair without `MatchOptions.min_meeting_minutes` of shared working
    time on any day of the cycle (more than a recent repeat: being able to meet comes
    first); `repeat_penalty` for a pair that met in the most recent round, fading linearly
    to a quarter of it (with the default four recent rounds) for the oldest recent round;
    `met_before` for an older meeting. Avoid lists are not a weight: they are a hard rule.
    """

    shared_interest: float = 10.0
    learn_help: float = 6.0
    hours_overlap: float = 1.0
    full_overlap_hours: float = 4.0
    cross_team: float = 2.0
    cannot_meet: float = 2000.0
    repeat_penalty: float = 1000.0
    met_before: float = 1.0


@dataclass(frozen=True)
class LocalWindow:
    """A stretch of time on one person's local clock (for the hours-overlap reason)."""

    member: str
    name: str
    tz: str
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Reason:
    """One reason why people were put together, with the data to say it.

    `members`/`names` are the people the reason is about (ids and how to call them);
    `everyone` says whether that is the whole group. `topics` are interests (shared, or the
    topic of a learn/help link, whose `members` are (helper, learner)). `minutes` and
    `windows` describe a working-hours overlap (the longest stretch shared by everyone in the
    round's cycle, on each member's clock); `days` (UTC weekdays, "mon".."sun") and
    `utc_start`/`utc_end` say when it happens, in UTC, without naming anyone; `teams` the
    teams of a cross-team group; `last_met` the date of a repeat.
    """

    kind: ReasonKind
    members: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    everyone: bool = True
    topics: tuple[str, ...] = ()
    minutes: int = 0
    windows: tuple[LocalWindow, ...] = ()
    teams: tuple[str, ...] = ()
    last_met: dt.date | None = None
    days: tuple[str, ...] = ()
    utc_start: dt.time | None = None
    utc_end: dt.time | None = None

    @property
    def text(self) -> str:
        """A short sentence for people, e.g. "You both like bouldering and rust"."""
        from bot.core.matching.reasons import reason_text

        return reason_text(self)


@dataclass(frozen=True)
class Group:
    """People put together, their group's score (sum of pairwise affinities), reasons, and
    the longest stretch of working time they all share on one day of the cycle (minutes;
    `can_meet` when that reaches `MatchOptions.min_meeting_minutes`)."""

    members: tuple[str, ...]
    score: float
    reasons: list[Reason] = field(default_factory=list)
    shared_minutes: int = 0
    can_meet: bool = True


@dataclass(frozen=True)
class MatchResult:
    """The groups of a round.

    `total_score` is the sum of group scores; `upper_bound` is a proven bound on the best
    possible total (for pairs, half the optimum of the assignment relaxation), so
    `total_score / upper_bound` certifies the quality. `unmatched` lists who could not be
    matched: the single participant of a one-person round, or someone whose avoid list (or
    who is on the lists of those) leaves no group they could join.
    """

    groups: list[Group]
    total_score: float
    upper_bound: float
    unmatched: list[str] = field(default_factory=list)
