"""Schedules: the words that say one, and the next run of a weekly, fortnightly or monthly slot.

`parse_schedule_words` is the one grammar for `/mingle admin setup` (rounds) and
`/mingle admin prompts on`: a cadence, a weekday, a time and a timezone, in any order and
each optional (`every 2 weeks on mondays at 3pm Europe/Berlin`); a command may add words of
its own (a round's group size).

Times are computed as local wall-clock times in the schedule's timezone and converted to
UTC, so "Mondays 10:00 Europe/Berlin" stays 10:00 in Berlin across daylight-saving changes.
A local time that does not exist (the spring-forward gap) runs at the first valid instant
after it; an ambiguous one (autumn) runs at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CADENCES = ("weekly", "biweekly", "monthly")
CADENCE_ALIASES = {
    "weekly": "weekly",
    "week": "weekly",
    "biweekly": "biweekly",
    "fortnightly": "biweekly",
    "every-2-weeks": "biweekly",
    "2weeks": "biweekly",
    "monthly": "monthly",
    "month": "monthly",
}
CADENCE_TEXT = {"weekly": "every week", "biweekly": "every 2 weeks", "monthly": "every month"}


class ScheduleError(ValueError):
    """A cadence, weekday, time or timezone could not be understood."""


@dataclass(frozen=True)
class Cadence:
    """A recurring slot. `weekday` 0 is Monday. Monthly runs on the first such weekday."""

    kind: str = "weekly"
    weekday: int = 0
    at: dt.time = dt.time(10, 0)
    tz: str = "UTC"
    anchor: dt.date | None = None  # fortnightly runs fall on weeks of even distance from it

    def describe(self) -> str:
        day = WEEKDAYS[self.weekday].capitalize()
        when = f"{day}s" if self.kind != "monthly" else f"the first {day}"
        return f"{CADENCE_TEXT[self.kind]}, {when} at {self.at:%H:%M} ({self.tz})"


def weekday_of(text: str) -> int | None:
    """0 (Monday) to 6 for a weekday's name, its start (`mon`, `tues`) or plural (`mondays`)."""
    name = text.strip().lower()
    if name.endswith("s") and name[:-1] in WEEKDAYS:
        name = name[:-1]
    for index, day in enumerate(WEEKDAYS):
        if len(name) >= 3 and day.startswith(name):
            return index
    return None


def parse_weekday(text: str) -> int:
    day = weekday_of(text)
    if day is None:
        raise ScheduleError(f"`{text}` is not a weekday (monday … sunday).")
    return day


def parse_time(text: str) -> dt.time:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not match:
        raise ScheduleError(f"`{text}` is not a time like 10:00 or 3pm.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{text}` is not a time like 10:00 or 3pm.")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{text}` is not a time of day.")
    return dt.time(hour, minute)


def parse_cadence(text: str) -> str:
    kind = CADENCE_ALIASES.get(text.strip().lower())
    if kind is None:
        raise ScheduleError(f"`{text}` is not a cadence: use weekly, biweekly or monthly.")
    return kind


def check_timezone(name: str) -> str:
    if name not in available_timezones() and name != "UTC":
        raise ScheduleError(f"`{name}` is not a timezone like Europe/Berlin or America/New_York.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"`{name}` is not a timezone.") from None
    return name


def timezone_or_utc(name: str) -> str:
    """`name` if it is a timezone Mingle knows, else UTC (for a person's Slack timezone)."""
    try:
        return check_timezone(name)
    except ScheduleError:
        return "UTC"


# --- the words of a schedule -------------------------------------------------------------------

_EVERY: dict[tuple[str, ...], str] = {
    ("week",): "weekly",
    ("2", "weeks"): "biweekly",
    ("two", "weeks"): "biweekly",
    ("other", "week"): "biweekly",
    ("fortnight",): "biweekly",
    ("month",): "monthly",
}
_FILLER = frozenset({"at", "on", "in"})
_WHAT_A_SCHEDULE_SAYS = (
    "a weekday",
    "a cadence (weekly, biweekly, monthly)",
    "a time like 10:00",
    "a timezone like Europe/Berlin",
)

#: A command's own words at `tokens[i]` (a round's `size 3`): how many tokens they take, 0
#: when `tokens[i]` is not one of them. Raises `ScheduleError` (or another `MingleError`).
OwnWords = Callable[[Sequence[str], int], int]


def twice(part: str, token: str) -> ScheduleError:
    """The error for a part given twice: `part` is "weekday", "group size", …"""
    return ScheduleError(f"You gave two {part}s (the second is `{token[:40]}`).")


@dataclass
class _Found:
    """The parts read so far; a part given twice is an error."""

    cadence: str | None = None
    weekday: int | None = None
    time: dt.time | None = None
    timezone: str | None = None

    def put(self, part: str, value: object, token: str) -> None:
        if getattr(self, part) is not None:
            raise twice(part, token)
        setattr(self, part, value)


def _every(tokens: Sequence[str], i: int) -> tuple[str | None, int]:
    """`every week`, `every 2 weeks`, `every fortnight`, `every month`: (cadence, tokens
    used); `every monday` is just Mondays (None: the cadence is not said)."""
    following = [t.lower() for t in tokens[i + 1 :]]
    for words, kind in _EVERY.items():
        if tuple(following[: len(words)]) == words:
            return kind, 1 + len(words)
    if following and weekday_of(following[0]) is not None:
        return None, 1
    raise ScheduleError("After `every`, say `week`, `2 weeks`, `fortnight`, `month` or a weekday.")


def parse_schedule_words(
    args: Sequence[str],
    *,
    weekday: int,
    default_tz: str,
    own_words: OwnWords | None = None,
    own_words_are: Sequence[str] = (),
) -> Cadence:
    """Read a schedule's words in any order; a part not given takes its default (weekly, on
    `weekday`, at 10:00, in `default_tz` or UTC when that is not a timezone).

    `own_words` reads the command's own words first; `own_words_are` says what they are in
    the error for a word nobody could read. Raises `ScheduleError` naming the word.
    """
    found = _Found()
    tokens = [t for t in (a.strip() for a in args) if t]
    i = 0
    while i < len(tokens):
        token, low = tokens[i], tokens[i].lower()
        step = own_words(tokens, i) if own_words is not None else 0
        if step:
            i += step
            continue
        step = 1
        if low == "every":
            kind, step = _every(tokens, i)
            if kind is not None:
                found.put("cadence", kind, " ".join(tokens[i : i + step]))
        elif low in _FILLER:
            pass  # "on monday at 10:00 in Europe/Berlin"
        elif low in CADENCE_ALIASES:
            found.put("cadence", parse_cadence(low), token)
        elif (day := weekday_of(low)) is not None:
            found.put("weekday", day, token)
        elif low[:1].isdigit():
            found.put("time", parse_time(low), token)
        elif "/" in token or low in ("utc", "gmt"):
            found.put("timezone", check_timezone("UTC" if low in ("utc", "gmt") else token), token)
        else:
            could_be = [*_WHAT_A_SCHEDULE_SAYS, *own_words_are]
            raise ScheduleError(
                f"I couldn't read `{token[:40]}`: it is not "
                + ", ".join(could_be[:-1])
                + f", or {could_be[-1]}."
            )
        i += step
    return Cadence(
        kind=found.cadence or "weekly",
        weekday=weekday if found.weekday is None else found.weekday,
        at=dt.time(10, 0) if found.time is None else found.time,
        tz=found.timezone or timezone_or_utc(default_tz),
    )


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz`, shifted past a DST gap."""
    local = dt.datetime.combine(day, at, tzinfo=tz)
    utc = local.astimezone(dt.UTC)
    roundtrip = utc.astimezone(tz)
    if roundtrip.replace(tzinfo=None) != local.replace(tzinfo=None):
        # Non-existent local time: the wall clock jumped over it; run when it resumes.
        later = dt.datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(dt.UTC)
        return max(utc, later)
    return utc


def _first_weekday_of_month(year: int, month: int, weekday: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def _candidate_days(cadence: Cadence, start: dt.date) -> list[dt.date]:
    """Run days on or after `start`, enough to find the next one (ascending)."""
    if cadence.kind == "monthly":
        days = []
        year, month = start.year, start.month
        for _ in range(3):
            days.append(_first_weekday_of_month(year, month, cadence.weekday))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return [d for d in days if d >= start]
    first = start + dt.timedelta(days=(cadence.weekday - start.weekday()) % 7)
    days = [first + dt.timedelta(weeks=i) for i in range(3)]
    if cadence.kind == "biweekly":
        anchor = cadence.anchor or dt.date(2024, 1, 1)
        days = [d for d in days if ((d - anchor).days // 7) % 2 == 0]
    return days


def next_run(cadence: Cadence, after: dt.datetime) -> dt.datetime:
    """The first run strictly after `after` (aware), as an aware UTC datetime."""
    tz = ZoneInfo(cadence.tz)
    start = after.astimezone(tz).date() - dt.timedelta(days=1)
    for _ in range(3):
        for day in _candidate_days(cadence, start):
            instant = local_instant(day, cadence.at, tz)
            if instant > after:
                return instant
        start += dt.timedelta(days=62)
    raise AssertionError("no run found")  # pragma: no cover - cadences always recur


def fortnight_anchor(cadence: Cadence, now: dt.datetime) -> dt.date | None:
    """Where a new fortnightly schedule counts its weeks from: the local day of its first run,
    so that the first run is the next slot after `now`. None for other cadences."""
    if cadence.kind != "biweekly":
        return None
    first = next_run(replace(cadence, kind="weekly", anchor=None), now)
    return first.astimezone(ZoneInfo(cadence.tz)).date()


def previous_run(cadence: Cadence, before: dt.datetime) -> dt.datetime | None:
    """The last run at or before `before`, looking back at most ~two months."""
    probe = before - dt.timedelta(days=70)
    last = None
    while True:
        run = next_run(cadence, probe)
        if run > before:
            return last
        last, probe = run, run
