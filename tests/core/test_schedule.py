from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.schedule import (
    Cadence,
    ScheduleError,
    check_timezone,
    next_run,
    parse_cadence,
    parse_time,
    parse_weekday,
    previous_run,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def test_weekly_monday_ten_in_berlin_keeps_local_time_across_dst() -> None:
    cadence = Cadence("weekly", 0, dt.time(10), "Europe/Berlin")
    run = dt.datetime(2026, 3, 20, tzinfo=UTC)
    seen = []
    for _ in range(3):
        run = next_run(cadence, run)
        seen.append(run)
    assert [r.astimezone(BERLIN).strftime("%a %H:%M") for r in seen] == ["Mon 10:00"] * 3
    # 10:00 CET is 09:00 UTC; after the switch (29 March 2026) 10:00 CEST is 08:00 UTC.
    assert [r.hour for r in seen] == [9, 8, 8]


def test_spring_forward_gap_runs_after_the_gap() -> None:
    cadence = Cadence("weekly", 6, dt.time(2, 30), "Europe/Berlin")  # Sunday 02:30
    run = next_run(cadence, dt.datetime(2026, 3, 28, tzinfo=UTC))
    local = run.astimezone(BERLIN)
    assert local.date() == dt.date(2026, 3, 29) and local.hour == 3


def test_biweekly_skips_alternate_weeks_from_its_anchor() -> None:
    cadence = Cadence("biweekly", 2, dt.time(9), "UTC", anchor=dt.date(2026, 11, 25))
    first = next_run(cadence, dt.datetime(2026, 11, 24, tzinfo=UTC))
    second = next_run(cadence, first)
    assert first.date() == dt.date(2026, 11, 25)
    assert (second - first) == dt.timedelta(weeks=2)


def test_monthly_is_first_weekday_of_month() -> None:
    cadence = Cadence("monthly", 4, dt.time(15), "America/New_York")  # first Friday
    run = next_run(cadence, dt.datetime(2026, 11, 26, tzinfo=UTC))
    assert run.astimezone(ZoneInfo("America/New_York")).date() == dt.date(2026, 12, 4)
    after = next_run(cadence, run)
    assert after.astimezone(ZoneInfo("America/New_York")).date() == dt.date(2027, 1, 1)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["weekly", "biweekly", "monthly"]),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"]),
    offset=st.integers(0, 3 * 365 * 24),
)
def test_next_run_is_after_and_on_the_right_day(kind, weekday, hour, tz, offset) -> None:
    cadence = Cadence(kind, weekday, dt.time(hour), tz, anchor=dt.date(2026, 1, 5))
    after = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(hours=offset)
    run = next_run(cadence, after)
    assert run > after
    assert run.astimezone(ZoneInfo(tz)).weekday() == weekday
    gap = {"weekly": 8, "biweekly": 15, "monthly": 37}[kind]
    assert run - after <= dt.timedelta(days=gap)
    assert previous_run(cadence, run) == run


@pytest.mark.parametrize(("text", "day"), [("monday", 0), ("Mon", 0), ("fri", 4), ("SUNDAY", 6)])
def test_parse_weekday(text: str, day: int) -> None:
    assert parse_weekday(text) == day


@pytest.mark.parametrize(
    ("text", "time"),
    [("10:00", dt.time(10)), ("9", dt.time(9)), ("3pm", dt.time(15)), ("12am", dt.time(0))],
)
def test_parse_time(text: str, time: dt.time) -> None:
    assert parse_time(text) == time


@pytest.mark.parametrize("bad", ["25:00", "noon", "13pm", "10:75"])
def test_parse_time_rejects(bad: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(bad)


def test_parse_cadence_and_timezone() -> None:
    assert parse_cadence("fortnightly") == "biweekly"
    with pytest.raises(ScheduleError, match="weekly, biweekly or monthly"):
        parse_cadence("daily")
    assert check_timezone("Asia/Kolkata") == "Asia/Kolkata"
    with pytest.raises(ScheduleError, match="Mars/Base"):
        check_timezone("Mars/Base")
    with pytest.raises(ScheduleError):
        parse_weekday("someday")
