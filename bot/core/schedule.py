"""Cadence arithmetic in a timezone: the next run of a weekly, fortnightly or monthly slot.

Times are computed as local wall-clock times in the schedule's timezone and converted to
UTC, so "Mondays 10:00 Europe/Berlin" stays 10:00 in Berlin across daylight-saving changes.
A local time that does not exist (the spring-forward gap) runs at the first valid instant
after it; an ambiguous one (autumn) runs at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
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


def parse_weekday(text: str) -> int:
    name = text.strip().lower()
    for index, day in enumerate(WEEKDAYS):
        if len(name) >= 3 and day.startswith(name):
            return index
    raise ScheduleError(f"`{text}` is not a weekday (monday … sunday).")


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


def previous_run(cadence: Cadence, before: dt.datetime) -> dt.datetime | None:
    """The last run at or before `before`, looking back at most ~two months."""
    probe = before - dt.timedelta(days=70)
    last = None
    while True:
        run = next_run(cadence, probe)
        if run > before:
            return last
        last, probe = run, run
