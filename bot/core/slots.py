"""Meeting times for a group: three 30-minute slots everyone can make, and how to write them.

`pick_slots(people, now)` looks at the coming `HORIZON` (a week), starting `LEAD` after
`now`, on a grid of half hours (UTC :00 and :30). A start `t` suits a person when it falls
in one of their working days, at least `EDGE` after its start and with the slot ending at
least `EDGE` before its end (nobody's first or last half hour), in their own timezone with
that day's rules (so DST counts). The starts that suit everyone make windows (runs of
consecutive starts); each window offers its middle slot. Slots go on different days (UTC
dates) first; a day is reused only when fewer than three days have a window, and a second
slot on a day keeps `APART` from the others.

"None of these work" asks again with what was offered: only later starts, none offered
before, and days not offered yet first (`pick_slots(..., offered=...)`).

Slots are written with Slack's date formatting (`slack_date`), so every member reads their
own time zone, with a plain UTC fallback for clients that can't.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.hours import Availability
from bot.core.numbers import read_id

SLOT = dt.timedelta(minutes=30)
STEP = dt.timedelta(minutes=30)
#: Not in anyone's first or last half hour of the day.
EDGE = dt.timedelta(minutes=30)
#: The first slot starts at least this long after the intro.
LEAD = dt.timedelta(hours=4)
#: How far ahead slots are looked for.
HORIZON = dt.timedelta(days=7)
#: Slots per offer.
COUNT = 3
#: Two slots on the same day are at least this far apart.
APART = dt.timedelta(hours=2)


Span = tuple[dt.datetime, dt.datetime]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def working_spans(person: Availability, start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The person's working days (UTC start, UTC end) that touch [start, end)."""
    zone = _zone(person.tz)
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    spans: list[Span] = []
    day = first
    while day <= last:
        if day.weekday() in person.days:
            begins = dt.datetime.combine(day, person.start, tzinfo=zone)
            ends_on = day if person.end > person.start else day + dt.timedelta(days=1)
            ends = dt.datetime.combine(ends_on, person.end, tzinfo=zone)
            spans.append((begins.astimezone(dt.UTC), ends.astimezone(dt.UTC)))
        day += dt.timedelta(days=1)
    return spans


def _suits(spans: Sequence[Span], t: dt.datetime) -> bool:
    return any(s + EDGE <= t and t + SLOT + EDGE <= e for s, e in spans)


def _grid_start(moment: dt.datetime) -> dt.datetime:
    """The first half hour (UTC :00 or :30) at or after `moment`."""
    moment = moment.astimezone(dt.UTC)
    base = moment.replace(minute=0, second=0, microsecond=0)
    while base < moment:
        base += STEP
    return base


def candidates(
    people: Sequence[Availability],
    now: dt.datetime,
    *,
    lead: dt.timedelta = LEAD,
    horizon: dt.timedelta = HORIZON,
) -> list[dt.datetime]:
    """Every start on the grid in [now + lead, now + horizon) that suits everyone."""
    if not people:
        return []
    first = _grid_start(now + lead)
    end = now.astimezone(dt.UTC) + horizon
    all_spans = [working_spans(p, first, end) for p in people]
    found: list[dt.datetime] = []
    t = first
    while t + SLOT <= end:
        if all(_suits(spans, t) for spans in all_spans):
            found.append(t)
        t += STEP
    return found


def windows(starts: Sequence[dt.datetime]) -> list[list[dt.datetime]]:
    """Consecutive starts (one `STEP` apart) grouped into windows, in time order."""
    runs: list[list[dt.datetime]] = []
    for t in sorted(starts):
        if runs and t - runs[-1][-1] == STEP:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def middle(run: Sequence[dt.datetime]) -> dt.datetime:
    """The slot in the middle of a window (the earlier of two middles)."""
    return run[(len(run) - 1) // 2]


def day_of(t: dt.datetime) -> dt.date:
    return t.astimezone(dt.UTC).date()


def pick_slots(
    people: Sequence[Availability],
    now: dt.datetime,
    *,
    offered: Iterable[dt.datetime] = (),
    count: int = COUNT,
    lead: dt.timedelta = LEAD,
    horizon: dt.timedelta = HORIZON,
) -> list[dt.datetime]:
    """Up to `count` slot starts (UTC, sorted) that suit everyone (see the module
    docstring); after what was `offered`, on days not offered yet first. Empty when the
    group shares no working time in the coming week."""
    before = sorted(t.astimezone(dt.UTC) for t in offered)
    after = before[-1] if before else None
    starts = [
        t for t in candidates(people, now, lead=lead, horizon=horizon) if after is None or t > after
    ]
    runs = windows(starts)
    used_days = {day_of(t) for t in before}
    chosen: list[dt.datetime] = []

    def fits(t: dt.datetime) -> bool:
        return all(abs(t - c) >= APART for c in chosen)

    for run in runs:  # one slot a day, each the middle of its window
        t = middle(run)
        if len(chosen) < count and day_of(t) not in used_days:
            chosen.append(t)
            used_days.add(day_of(t))
    for run in runs:  # then other windows' middles
        t = middle(run)
        if len(chosen) < count and t not in chosen and fits(t):
            chosen.append(t)
    for run in runs:  # then anywhere that keeps apart, nearest the middle first
        mid = middle(run)
        for t in sorted(run, key=lambda s: abs(s - mid)):
            if len(chosen) < count and fits(t):
                chosen.append(t)
    return sorted(chosen)


# --- writing a slot ---------------------------------------------------------------------------


def fallback_text(t: dt.datetime) -> str:
    """`Tue 3 Dec, 14:00 UTC`: how a slot reads where Slack can't localise it."""
    utc = t.astimezone(dt.UTC)
    return f"{utc:%a} {utc.day} {utc:%b}, {utc:%H:%M} UTC"


def slack_date(t: dt.datetime) -> str:
    """The slot in Slack's date formatting: each reader sees their own timezone."""
    stamp = int(t.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback_text(t)}>"


# --- button values ----------------------------------------------------------------------------


def more_value(match_id: int, batch: int) -> str:
    """The "None of these work" button's value: the group and the offer it was on."""
    return f"{match_id}:{batch}"


def parse_more_value(value: str) -> tuple[int, int] | None:
    """(match id, batch) of a "None of these work" value; None when it is not one."""
    left, sep, right = value.partition(":")
    match_id, batch = read_id(left), read_id(right)
    if not sep or match_id is None or batch is None:
        return None
    return match_id, batch


def invite_filename(slot_id: int) -> str:
    """The `.ics` file's name: unique per slot, so delivery can find it in a conversation."""
    return f"coffee-chat-{slot_id}.ics"
