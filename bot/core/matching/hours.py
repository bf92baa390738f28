"""Working hours on a given day, placed on the UTC clock with each person's timezone rules.

Everything is in minutes. A person's working day on date D starts at `work_start` local time
on D, converted with the zone's rules for that moment (so DST counts), and lasts until
`work_end` (the next day when `work_end` <= `work_start`). Because working days repeat
daily, overlaps are computed on a 24-hour circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

DAY = 24 * 60


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


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@lru_cache(maxsize=4096)
def utc_window(tz: str, start: dt.time, end: dt.time, day: dt.date) -> tuple[int, int, int]:
    """(UTC start in [0, DAY), length, local-minus-UTC offset) of a working day, in minutes."""
    local = dt.datetime.combine(day, start, tzinfo=zone(tz))
    offset = local.utcoffset()
    offset_min = int(offset.total_seconds() // 60) if offset is not None else 0
    length = (_minutes(end) - _minutes(start)) % DAY or DAY
    return (_minutes(start) - offset_min) % DAY, length, offset_min


def windows(
    zones: Sequence[str], starts: Sequence[dt.time], ends: Sequence[dt.time], day: dt.date
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """UTC starts and ends (end may pass DAY) of everyone's working day, as arrays."""
    spans = [utc_window(z, s, e, day) for z, s, e in zip(zones, starts, ends, strict=True)]
    arr = np.array([(s, s + n) for s, n, _ in spans], dtype=np.float32).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def overlap_block(
    s_rows: npt.NDArray[np.float32],
    e_rows: npt.NDArray[np.float32],
    s_all: npt.NDArray[np.float32],
    e_all: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """Minutes of overlap between each row window and each window in `s_all`/`e_all`."""
    total = np.zeros((s_rows.size, s_all.size), dtype=np.float32)
    tmp = np.empty_like(total)
    lo = np.empty_like(total)
    for shift in (-DAY, 0, DAY):
        np.minimum(e_rows[:, None], (e_all + shift)[None, :], out=tmp)
        np.maximum(s_rows[:, None], (s_all + shift)[None, :], out=lo)
        tmp -= lo
        np.maximum(tmp, 0.0, out=tmp)
        total += tmp
    return total


def common_window(spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The longest stretch (UTC start, length) inside every (start, length) window."""
    best = (0, 0)
    first_start, first_len = spans[0]
    # Candidate pieces: the first window intersected with each shifted copy of the others.
    pieces = [(first_start, first_start + first_len)]
    for start, length in spans[1:]:
        next_pieces = []
        for lo, hi in pieces:
            for shift in (-DAY, 0, DAY):
                a, b = max(lo, start + shift), min(hi, start + length + shift)
                if b > a:
                    next_pieces.append((a, b))
        pieces = next_pieces
    for lo, hi in pieces:
        if hi - lo > best[1]:
            best = (lo % DAY, hi - lo)
    return best
