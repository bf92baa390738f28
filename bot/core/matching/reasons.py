"""Common ground: the reasons why people were (or could be) put together, and their text.

`explain` works for any group (2-4 people): shared interests name who shares them when not
everyone does; learn/help links name helper and learner; the working-hours overlap is the
longest stretch inside everyone's working day over the round's cycle, said in UTC with its
weekdays ("2 h on Tue–Thu, 14:00–16:00 UTC": no names or timezones, so the text can be
kept after someone is forgotten; `windows` still gives each member's local clock); teams
and earlier meetings are summarised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from bot.core.matching import hours
from bot.core.matching.model import LocalWindow, Participant, Reason

#: An overlap shorter than this is not worth mentioning.
MIN_OVERLAP_MINUTES = 30
#: Topics named in one sentence; the rest are counted ("and 2 more").
MAX_TOPICS_NAMED = 3


def explain(
    people: Sequence[Participant],
    *,
    day: dt.date,
    last_met: Callable[[int, int], dt.date | None],
    rarity: Mapping[str, float] | None = None,
    cycle_days: int = 7,
) -> list[Reason]:
    """Reasons for a group, most telling first. `day` is the first day of the round's
    cycle of `cycle_days` days; `last_met(i, j)` (i < j, positions in `people`) gives the
    date two of them last met, if ever; `rarity` orders interests (rarest first;
    alphabetical when absent)."""
    rarity = rarity or {}
    everyone = len(people)
    reasons: list[Reason] = []

    for helper in people:
        for learner in people:
            if helper is learner:
                continue
            topics = _ordered(helper.can_help & learner.wants_to_learn, {})
            if topics:
                reasons.append(
                    Reason(
                        "learn_help",
                        members=(helper.id, learner.id),
                        names=(helper.name, learner.name),
                        everyone=everyone == 2,
                        topics=topics,
                    )
                )

    holders: dict[str, list[int]] = {}
    for i, person in enumerate(people):
        for topic in person.interests:
            holders.setdefault(topic, []).append(i)
    by_set: dict[tuple[int, ...], list[str]] = {}
    for topic, holding in holders.items():
        if len(holding) >= 2:
            by_set.setdefault(tuple(holding), []).append(topic)
    shared = sorted(by_set.items(), key=lambda kv: (-len(kv[0]), -len(kv[1]), kv[0]))
    for sharers, names in shared:
        reasons.append(
            Reason(
                "shared_interests",
                members=tuple(people[i].id for i in sharers),
                names=tuple(people[i].name for i in sharers),
                everyone=len(sharers) == everyone,
                topics=_ordered(names, rarity),
            )
        )

    overlap = _overlap(people, day, cycle_days)
    if overlap is not None:
        reasons.append(overlap)

    teams = sorted({p.team for p in people if p.team})
    if len(teams) >= 2:
        reasons.append(
            Reason(
                "cross_team",
                members=tuple(p.id for p in people),
                names=tuple(p.name for p in people),
                teams=tuple(teams),
            )
        )

    repeats = []
    for i in range(everyone):
        for j in range(i + 1, everyone):
            met = last_met(i, j)
            if met is not None:
                repeats.append(
                    Reason(
                        "repeat",
                        members=(people[i].id, people[j].id),
                        names=(people[i].name, people[j].name),
                        everyone=everyone == 2,
                        last_met=met,
                    )
                )
    if repeats:
        reasons.extend(sorted(repeats, key=lambda r: r.last_met or dt.date.min, reverse=True))
    else:
        reasons.append(
            Reason(
                "first_meeting",
                members=tuple(p.id for p in people),
                names=tuple(p.name for p in people),
            )
        )
    return reasons


def _ordered(
    topics: Sequence[str] | frozenset[str], rarity: Mapping[str, float]
) -> tuple[str, ...]:
    return tuple(sorted(topics, key=lambda t: (-rarity.get(t, 0.0), t)))


def _overlap(people: Sequence[Participant], first: dt.date, cycle_days: int) -> Reason | None:
    shared = hours.stretch([p.profile for p in people], first, cycle_days)
    length = shared.minutes
    if length < MIN_OVERLAP_MINUTES:
        return None
    clock = shared.clock
    days = tuple(hours.WEEKDAYS[d] for d in shared.weekdays)
    begin = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    begin += dt.timedelta(minutes=shared.starts[0])
    windows = []
    for person in people:
        local = begin.astimezone(hours.zone(person.tz))
        windows.append(
            LocalWindow(
                member=person.id,
                name=person.name,
                tz=person.tz,
                start=local.time().replace(tzinfo=None),
                end=(local + dt.timedelta(minutes=length)).time().replace(tzinfo=None),
            )
        )
    return Reason(
        "hours_overlap",
        members=tuple(p.id for p in people),
        names=tuple(p.name for p in people),
        minutes=length,
        windows=tuple(windows),
        days=days,
        utc_start=_clock(clock),
        utc_end=_clock((clock + length) % hours.DAY),
    )


def _clock(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


# --- text -------------------------------------------------------------------------------


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _topics_text(topics: Sequence[str]) -> str:
    if len(topics) <= MAX_TOPICS_NAMED:
        return _join(list(topics))
    named = list(topics[:MAX_TOPICS_NAMED])
    return ", ".join(named) + f" and {len(topics) - MAX_TOPICS_NAMED} more"


def _duration(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if not m:
        return f"{h} h"
    return f"{h} h {m} min" if h else f"{m} min"


def days_text(days: Sequence[str]) -> str:
    """Weekdays as runs: "Mon–Thu", "Mon, Wed, Fri", "Tue, Wed", "every day"."""
    order = sorted({hours.WEEKDAYS.index(d) for d in days})
    if len(order) == 7:
        return "every day"
    runs: list[list[int]] = []
    for d in order:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        names = [hours.WEEKDAYS[d].title() for d in run]
        parts.append(f"{names[0]}–{names[-1]}" if len(run) >= 3 else ", ".join(names))
    return ", ".join(parts)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def reason_text(reason: Reason) -> str:
    """The sentence for a reason (see `Reason.text`)."""
    names = reason.names or reason.members
    pair = len(names) == 2
    if reason.kind == "learn_help":
        return f"{names[0]} can help {names[1]} with {_topics_text(reason.topics)}"
    if reason.kind == "shared_interests":
        if reason.everyone:
            who = "You both" if pair else "You all"
        else:
            who = f"{_join(list(names))} {'both' if pair else 'all'}"
        return f"{who} like {_topics_text(reason.topics)}"
    if reason.kind == "hours_overlap":
        when = f"{reason.utc_start:%H:%M}–{reason.utc_end:%H:%M} UTC" if reason.utc_start else ""
        on = f" on {days_text(reason.days)}" if reason.days else ""
        return f"Working hours overlap {_duration(reason.minutes)}{on}, {when}".rstrip(", ")
    if reason.kind == "cross_team":
        if pair:
            return "You are on different teams"
        return f"You come from {len(reason.teams)} different teams"
    if reason.kind == "first_meeting":
        if pair:
            return "You have never been matched before"
        return "None of you have been matched together before"
    if reason.kind == "repeat":
        when = _date(reason.last_met) if reason.last_met else "an earlier round"
        if reason.everyone:
            return f"You last met on {when}"
        return f"{_join(list(names))} last met on {when}"
    return reason.kind  # pragma: no cover - every kind is handled above
