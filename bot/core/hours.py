"""Working hours and days: reading `/mingle hours 08:30-16:30 mon-thu`, and saying them.

A spec has a time range and/or working days, in either order:

    08:30-16:30 mon-thu      9am-5pm weekdays      9 to 17 mon,wed,fri      mon-sun
    sun-thu                  (days wrap: Sunday to Thursday)

Times are 24-hour (`8`, `08:30`) or 12-hour (`9am`, `5:30pm`); the range is written with
`-`, `–` or `to`. Days are names or their starts (`mon`, `tues`, `thursday`), ranges
(`mon-thu`), lists (`mon,wed,fri`), `weekdays`, `weekends` or `every day`. A part not given
keeps its current value. The end must be after the start on the same day (a shift over
midnight can't be said here). Errors say precisely what is wrong (`CommandError`-like
`HoursError`, an `InvalidInputError`).

The default is 09:00-17:00, Monday to Friday, in the person's Slack timezone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.schedule import weekday_of
from bot.errors import InvalidInputError

DEFAULT_START = dt.time(9)
DEFAULT_END = dt.time(17)
WORKWEEK = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The longest spec read (anything longer is refused before parsing).
MAX_SPEC = 100
USAGE = "Try `/mingle hours 08:30-16:30 mon-thu` or `/mingle hours 9am-5pm weekdays`."

_DAY_WORDS = {
    "weekdays": WORKWEEK,
    "weekday": WORKWEEK,
    "workdays": WORKWEEK,
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
}
_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2})|h)?(am|pm)?")


class HoursError(InvalidInputError):
    """Working hours or days that could not be read; the message says what is wrong."""


@dataclass(frozen=True)
class WorkingHours:
    """Local working hours (start before end) and working weekdays (0 = Monday)."""

    start: dt.time = DEFAULT_START
    end: dt.time = DEFAULT_END
    days: frozenset[int] = WORKWEEK

    def describe(self) -> str:
        """`08:30–16:30 Mon–Thu`."""
        return f"{self.start:%H:%M}–{self.end:%H:%M} {days_text(self.days)}"


@dataclass(frozen=True)
class Availability:
    """A person's working time: their timezone, local hours and working weekdays
    (0 = Monday). Meeting slots (`bot.core.slots`) and matching (`bot.core.matching.hours`)
    both work from it."""

    tz: str
    start: dt.time
    end: dt.time
    days: frozenset[int]


@dataclass(frozen=True)
class HoursSpec:
    """What a spec said: each part None when it was not given."""

    start: dt.time | None = None
    end: dt.time | None = None
    days: frozenset[int] | None = None

    @property
    def empty(self) -> bool:
        return self.start is None and self.days is None

    def applied_to(self, current: WorkingHours) -> WorkingHours:
        """The current hours with the parts this spec gives replaced."""
        return WorkingHours(
            self.start if self.start is not None else current.start,
            self.end if self.end is not None else current.end,
            self.days if self.days is not None else current.days,
        )


def _shown(text: str) -> str:
    """A piece of what someone typed, short and without backticks, for an error message."""
    cleaned = text.replace("`", "'")
    return cleaned if len(cleaned) <= 30 else cleaned[:29] + "…"


def parse_time(text: str) -> dt.time:
    """`8`, `08:30`, `8.30`, `17h30`, `9am`, `5:30pm` -> a time of day."""
    match = _TIME.fullmatch(text.strip().lower())
    if not match:
        raise HoursError(f"`{_shown(text)}` is not a time like 08:30 or 9am.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12 or minute > 59:
            raise HoursError(f"`{_shown(text)}` is not a time (12-hour times go 1am to 12pm).")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise HoursError(f"`{_shown(text)}` is not a time (hours 0-23, minutes 0-59).")
    return dt.time(hour, minute)


def check_range(start: dt.time, end: dt.time) -> None:
    """Refuse an end that is not after the start."""
    if end <= start:
        raise HoursError(
            f"The end must be after the start ({start:%H:%M}-{end:%H:%M} ends before it "
            "begins). Working hours are one stretch within a day, like 08:30-16:30."
        )


def parse_time_range(text: str) -> tuple[dt.time, dt.time]:
    """`08:30-16:30` -> (start, end)."""
    parts = text.split("-")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise HoursError(
            f"`{_shown(text)}` is not a time range: give a start and an end, like 08:30-16:30."
        )
    start, end = parse_time(parts[0]), parse_time(parts[1])
    check_range(start, end)
    return start, end


def _day(text: str, whole: str) -> int:
    day = weekday_of(text) if text.isalpha() else None
    if day is None:
        where = f"`{_shown(whole)}`: " if whole != text else ""
        raise HoursError(f"{where}`{_shown(text)}` is not a weekday (mon…sun).")
    return day


def parse_days(text: str) -> frozenset[int]:
    """`mon-thu`, `mon,wed,fri`, `sun-thu`, `weekdays`, `mon-fri,sun` -> weekdays."""
    days: set[int] = set()
    for piece in re.split(r"[,\s/+&]+", text.strip().lower()):
        if not piece or piece == "and":
            continue
        if piece in _DAY_WORDS:
            days |= _DAY_WORDS[piece]
            continue
        if "-" in piece:
            ends = piece.split("-")
            if len(ends) != 2 or not ends[0] or not ends[1]:
                raise HoursError(f"`{_shown(piece)}` is not a range of days like mon-thu.")
            first, last = _day(ends[0], piece), _day(ends[1], piece)
            span = (last - first) % 7
            days |= {(first + i) % 7 for i in range(span + 1)}
            continue
        days.add(_day(piece, piece))
    if not days:
        raise HoursError(f"No working days given. {USAGE}")
    return frozenset(days)


def parse_hours(text: str) -> HoursSpec:
    """Read a spec (see the module docstring); an empty one gives an empty `HoursSpec`."""
    if len(text) > MAX_SPEC:
        raise HoursError(f"That's too long for working hours. {USAGE}")
    spec = text.strip().lower().replace("–", "-").replace("—", "-")
    spec = re.sub(r"\bevery\s+day\b", "everyday", spec)
    spec = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", spec)
    spec = re.sub(r"\s+to\s+", "-", spec)
    spec = re.sub(r"\s*-\s*", "-", spec)
    start: dt.time | None = None
    end: dt.time | None = None
    day_words: list[str] = []
    for token in spec.split():
        if token[:1].isdigit():
            if start is not None:
                raise HoursError(f"Give one time range, not two (`{_shown(token)}`). {USAGE}")
            start, end = parse_time_range(token)
        else:
            day_words.append(token)
    days = parse_days(" ".join(day_words)) if day_words else None
    return HoursSpec(start, end, days)


def days_text(days: Iterable[int]) -> str:
    """Weekdays as runs, Monday first: `Mon–Fri`, `Mon, Wed, Fri`, `Mon–Thu, Sun`,
    `every day`; `no days` for none."""
    chosen = sorted(set(days))
    if not chosen:
        return "no days"
    if len(chosen) == 7:
        return "every day"
    runs: list[list[int]] = []
    for day in chosen:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ", ".join(parts)


def days_mask(days: Iterable[int]) -> int:
    """Weekdays as a bit mask (bit 0 = Monday), as stored."""
    return sum(1 << d for d in set(days))


def days_of_mask(mask: int) -> frozenset[int]:
    """The weekdays of a stored bit mask; an unreadable or empty mask gives Monday to Friday."""
    days = frozenset(d for d in range(7) if mask >> d & 1)
    return days or WORKWEEK


def stored_hours(start: dt.time | None, end: dt.time | None, mask: int | None) -> WorkingHours:
    """Working hours from stored values, falling back to the defaults for missing or
    inconsistent ones (an end not after the start)."""
    start = start or DEFAULT_START
    end = end or DEFAULT_END
    if end <= start:
        start, end = DEFAULT_START, DEFAULT_END
    return WorkingHours(start, end, days_of_mask(mask or 0))


#: The profile modal's inputs for working hours (block ids, also the error keys).
FIELD_START = "work_start"
FIELD_END = "work_end"
FIELD_DAYS = "work_days"


def validate_hours_form(
    start: str | None, end: str | None, days: list[str] | None
) -> tuple[WorkingHours | None, dict[str, str]]:
    """The profile modal's hours fields (`HH:MM` times, weekday keys `mon`..`sun`): the
    hours, or the errors to show next to each field (keyed by block id)."""
    errors: dict[str, str] = {}
    times: list[dt.time | None] = []
    for field, value in ((FIELD_START, start), (FIELD_END, end)):
        if not value:
            errors[field] = "Pick a time."
            times.append(None)
            continue
        try:
            times.append(parse_time(str(value)[:10]))
        except HoursError as exc:
            errors[field] = exc.message
            times.append(None)
    chosen = {DAY_KEYS.index(d) for d in (days or []) if d in DAY_KEYS}
    if not chosen:
        errors[FIELD_DAYS] = "No working days given: pick at least one."
    first, last = times
    if first is not None and last is not None and last <= first:
        errors[FIELD_END] = "The end must be after the start."
    if errors or first is None or last is None:
        return None, errors
    return WorkingHours(first, last, frozenset(chosen)), {}
