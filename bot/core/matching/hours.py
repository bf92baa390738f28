"""Working hours and days over a round's cycle, placed on one UTC time line.

Everything is in minutes. The cycle is `cycle_days` days starting at 00:00 UTC of the
round's date (`first`). A person works on local day `first + d` (d = 0 .. cycle_days - 1)
when its weekday is one of their working days: from `work_start` local time, converted with
the zone's rules for that date (so DST counts), for the wall-clock length of their day
(until `work_end`, the next day when `work_end` <= `work_start`). These shifts are placed
on the cycle as a circle (rounds repeat every cycle, so a Tokyo Monday that begins on
Sunday UTC wraps to the cycle's end, where it meets the same weekday of the next cycle).

Two people's shared time is the longest single stretch inside a shift of each (the best
day's overlap: a meeting needs one stretch, not minutes spread over the week); a group's is
the longest stretch inside a shift of every member.

Profiles (`bot.core.hours.Availability`: timezone, hours, days) are what matching
tabulates: a round of thousands has a few dozen to a few hundred distinct ones, so pairwise
overlaps are computed per profile pair, vectorised (`best_overlap`), and looked up per person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from bot.core.hours import Availability

DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = frozenset(range(5))
#: Start/end of a day off in the shift arrays: overlaps with it are hugely negative.
_OFF = 1.0e7

Shift = tuple[int, int]
Array = npt.NDArray[np.float32]


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The zone named `name`; raises ValueError for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'unknown timezone "{name}"') from exc


def is_timezone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def day_length(start: dt.time, end: dt.time) -> int:
    """Minutes from `start` to `end` (next day when end <= start; equal means 24 h)."""
    return (minutes(end) - minutes(start)) % DAY or DAY


@lru_cache(maxsize=8192)
def _offset(tz: str, day: dt.date, start: dt.time) -> int:
    local = dt.datetime.combine(day, start, tzinfo=zone(tz))
    offset = local.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def utc_window(tz: str, start: dt.time, end: dt.time, day: dt.date) -> tuple[int, int, int]:
    """(UTC start in [0, DAY), length, local-minus-UTC offset) of a working day, in minutes."""
    offset = _offset(tz, day, start)
    return (minutes(start) - offset) % DAY, day_length(start, end), offset


@lru_cache(maxsize=16384)
def shifts(profile: Availability, first: dt.date, cycle_days: int) -> tuple[Shift, ...]:
    """Each working day's (start, end) in minutes from `first` 00:00 UTC, start taken
    modulo the cycle (so 0 <= start < cycle; end may pass the cycle's end)."""
    cycle = cycle_days * DAY
    length = day_length(profile.start, profile.end)
    out: list[Shift] = []
    for d in range(cycle_days):
        day = first + dt.timedelta(days=d)
        if day.weekday() not in profile.days:
            continue
        start = (d * DAY + minutes(profile.start) - _offset(profile.tz, day, profile.start)) % cycle
        out.append((start, start + length))
    return tuple(sorted(out))


def shift_arrays(
    profiles: Sequence[Availability], first: dt.date, cycle_days: int
) -> tuple[Array, Array]:
    """Starts and ends (P x cycle_days) of each profile's shifts, by local day of the cycle,
    NOT taken modulo the cycle (day d starts near d * DAY); days off are empty."""
    starts = np.full((len(profiles), cycle_days), _OFF, dtype=np.float32)
    ends = np.full((len(profiles), cycle_days), -_OFF, dtype=np.float32)
    for p, profile in enumerate(profiles):
        length = day_length(profile.start, profile.end)
        for d in range(cycle_days):
            day = first + dt.timedelta(days=d)
            if day.weekday() in profile.days:
                s = d * DAY + minutes(profile.start) - _offset(profile.tz, day, profile.start)
                starts[p, d], ends[p, d] = s, s + length
    return starts, ends


def best_overlap(
    s_rows: Array, e_rows: Array, s_cols: Array, e_cols: Array, cycle_days: int
) -> Array:
    """Longest shared stretch (minutes, >= 0) between each row profile and each column
    profile: the max over their shifts' pairwise overlaps, on the cycle's circle.

    Only (row day, column day, wrap) combinations that can overlap for some pair are
    computed: with real timezones that is about three per day.
    """
    rows, days = s_rows.shape
    cols = s_cols.shape[0]
    best = np.zeros((rows, cols), dtype=np.float32)
    if rows == 0 or cols == 0:
        return best
    cycle = float(cycle_days * DAY)
    band_r = [_band(s_rows[:, d], e_rows[:, d]) for d in range(days)]
    band_c = [_band(s_cols[:, d], e_cols[:, d]) for d in range(days)]
    bands = [b for b in band_r + band_c if b is not None]
    if not bands:
        return best
    reach = max(b[1] for b in bands) - min(b[0] for b in bands)
    wraps = int(math.ceil(reach / cycle)) + 1
    tmp = np.empty((rows, cols), dtype=np.float32)
    lo = np.empty((rows, cols), dtype=np.float32)
    for d in range(days):
        br = band_r[d]
        if br is None:
            continue
        for dd in range(days):
            bc = band_c[dd]
            if bc is None:
                continue
            for w in range(-wraps, wraps + 1):
                shift = w * cycle
                if bc[0] + shift >= br[1] or bc[1] + shift <= br[0]:
                    continue
                np.minimum(e_rows[:, d, None], (e_cols[:, dd] + shift)[None, :], out=tmp)
                np.maximum(s_rows[:, d, None], (s_cols[:, dd] + shift)[None, :], out=lo)
                tmp -= lo
                np.maximum(best, tmp, out=best)
    return best


def _band(starts: Array, ends: Array) -> tuple[float, float] | None:
    working = starts < _OFF / 2
    if not working.any():
        return None
    return float(starts[working].min()), float(ends[working].max())


def intersect(a: Sequence[Shift], b: Sequence[Shift], cycle: int) -> list[Shift]:
    """The stretches inside a shift of both lists (in `a`'s frame), on a circle of
    `cycle` minutes."""
    out: list[Shift] = []
    for s1, e1 in a:
        for s2, e2 in b:
            for w in (-cycle, 0, cycle):
                lo, hi = max(s1, s2 + w), min(e1, e2 + w)
                if hi > lo:
                    out.append((lo, hi))
    return out


def common(profiles: Sequence[Availability], first: dt.date, cycle_days: int) -> list[Shift]:
    """The stretches inside a shift of every profile, start modulo the cycle, sorted."""
    if not profiles:
        return []
    cycle = cycle_days * DAY
    pieces = list(shifts(profiles[0], first, cycle_days))
    for profile in profiles[1:]:
        if not pieces:
            break
        pieces = intersect(pieces, shifts(profile, first, cycle_days), cycle)
    return sorted({(s % cycle, s % cycle + (e - s)) for s, e in pieces})


@dataclass(frozen=True)
class Stretch:
    """The longest stretch a group shares: its minutes, its time of day (UTC minutes from
    midnight), the cycle days (minutes from the cycle's start) on which it happens at that
    time, and the weekdays (0 = Monday, UTC) of those days."""

    minutes: int
    clock: int
    starts: tuple[int, ...]
    weekdays: tuple[int, ...]


@lru_cache(maxsize=65536)
def _stretch(profiles: frozenset[Availability], first: dt.date, cycle_days: int) -> Stretch:
    pieces = common(sorted(profiles, key=repr), first, cycle_days)
    length = longest(pieces)
    if length <= 0:
        return Stretch(0, 0, (), ())
    by_time: dict[int, list[int]] = {}
    for start, end in pieces:
        if end - start == length:
            by_time.setdefault(start % DAY, []).append(start)
    clock, starts = max(by_time.items(), key=lambda kv: (len(kv[1]), -kv[0]))
    weekdays = sorted({(first + dt.timedelta(days=s // DAY)).weekday() for s in starts})
    return Stretch(length, clock, tuple(starts), tuple(weekdays))


def stretch(profiles: Sequence[Availability], first: dt.date, cycle_days: int) -> Stretch:
    """The longest stretch every profile works on one day of the cycle (cached)."""
    return _stretch(frozenset(profiles), first, cycle_days)


def longest(pieces: Sequence[Shift]) -> int:
    """The longest stretch's minutes (0 when none)."""
    return max((e - s for s, e in pieces), default=0)
