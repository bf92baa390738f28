from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.prompts import PROMPTS_USAGE, parse_prompt_schedule
from bot.core.rounds import DEFAULT_WEEKDAY, SETUP_USAGE, parse_setup
from bot.core.schedule import (
    Cadence,
    ScheduleError,
    check_timezone,
    fortnight_anchor,
    next_run,
    parse_cadence,
    parse_schedule_words,
    parse_time,
    parse_weekday,
    previous_run,
)
from bot.errors import InvalidInputError

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


@pytest.mark.parametrize(("text", "day"), [("mondays", 0), ("Tues", 1), ("THURSDAYS", 3)])
def test_weekdays_may_be_plural_or_short(text: str, day: int) -> None:
    assert parse_weekday(text) == day


# --- one grammar for rounds and prompts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mondays", Cadence("weekly", 0, dt.time(10), "Asia/Tokyo")),
        ("every monday", Cadence("weekly", 0, dt.time(10), "Asia/Tokyo")),
        ("every fortnight", Cadence("biweekly", 6, dt.time(10), "Asia/Tokyo")),
        ("fortnightly fri 3pm", Cadence("biweekly", 4, dt.time(15), "Asia/Tokyo")),
        ("every other week on tues", Cadence("biweekly", 1, dt.time(10), "Asia/Tokyo")),
        ("every two weeks", Cadence("biweekly", 6, dt.time(10), "Asia/Tokyo")),
        (
            "on wednesdays at 9:30 in Europe/Berlin",
            Cadence("weekly", 2, dt.time(9, 30), "Europe/Berlin"),
        ),
        ("every month on thu gmt", Cadence("monthly", 3, dt.time(10), "UTC")),
        ("", Cadence("weekly", 6, dt.time(10), "Asia/Tokyo")),
    ],
)
def test_schedule_words(words: str, expected: Cadence) -> None:
    assert parse_schedule_words(words.split(), weekday=6, default_tz="Asia/Tokyo") == expected


@pytest.mark.parametrize(
    "words",
    [
        "mondays",
        "every monday",
        "every fortnight",
        "every 2 weeks on tuesdays at 9:30",
        "fortnightly sun Europe/Berlin",
        "monthly thursday 3pm utc",
        "at 10:00 on fri",
    ],
)
def test_setup_and_prompts_read_a_schedule_the_same_way(words: str) -> None:
    setup = parse_setup(words.split(), "Asia/Tokyo")
    prompts = parse_prompt_schedule(words.split(), "Asia/Tokyo")
    assert (setup.cadence, setup.at, setup.tz) == (prompts.cadence, prompts.at, prompts.tz)
    assert setup.weekday == prompts.weekday or {setup.weekday, prompts.weekday} == {
        DEFAULT_WEEKDAY,
        2,  # a weekday not given: rounds default to Mondays, prompts to Wednesdays
    }


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("every year", "After `every`, say"),
        ("every", "After `every`, say"),
        ("monday tuesday", "You gave two weekdays (the second is `tuesday`)."),
        ("weekly every 2 weeks", "You gave two cadences (the second is `every 2 weeks`)."),
        ("10:00 3pm", "You gave two times (the second is `3pm`)."),
        ("25:00", "`25:00` is not a time of day."),
        ("10.30", "`10.30` is not a time like 10:00 or 3pm."),
        ("Mars/Base", "`Mars/Base` is not a timezone"),
    ],
)
def test_setup_and_prompts_give_the_same_error(words: str, problem: str) -> None:
    with pytest.raises(ScheduleError) as schedule:
        parse_schedule_words(words.split(), weekday=0, default_tz="UTC")
    with pytest.raises(InvalidInputError) as setup:
        parse_setup(words.split(), "UTC")
    with pytest.raises(InvalidInputError) as prompts:
        parse_prompt_schedule(words.split(), "UTC")
    assert problem in str(schedule.value)
    assert setup.value.message == f"{schedule.value} {SETUP_USAGE}"
    assert prompts.value.message == f"{schedule.value} {PROMPTS_USAGE}"


def test_a_word_nobody_reads_is_named_with_what_could_stand_there() -> None:
    could_be = "it is not a weekday, a cadence (weekly, biweekly, monthly), a time like 10:00"
    with pytest.raises(InvalidInputError) as prompts:
        parse_prompt_schedule(["blursday"], "UTC")
    assert prompts.value.message == (
        f"I couldn't read `blursday`: {could_be}, or a timezone like Europe/Berlin. "
        + PROMPTS_USAGE
    )
    with pytest.raises(InvalidInputError) as setup:  # rounds also take a group size
        parse_setup(["blursday"], "UTC")
    assert setup.value.message == (
        f"I couldn't read `blursday`: {could_be}, a timezone like Europe/Berlin, "
        "a group size like `size 3`, or `across-teams`. " + SETUP_USAGE
    )


def test_only_setup_knows_group_sizes() -> None:
    assert parse_setup(["mondays", "trios"], "UTC").group_size == 3
    with pytest.raises(InvalidInputError, match="two group sizes"):
        parse_setup(["pairs", "size", "3"], "UTC")
    with pytest.raises(InvalidInputError, match="`trios`: it is not a weekday"):
        parse_prompt_schedule(["trios"], "UTC")


# --- the fortnight anchor -------------------------------------------------------------------------


def test_a_fortnightly_schedule_counts_from_its_first_run() -> None:
    now = dt.datetime(2026, 11, 24, 12, tzinfo=UTC)  # a Tuesday
    cadence = Cadence("biweekly", 2, dt.time(9), "UTC")
    anchor = fortnight_anchor(cadence, now)
    assert anchor == dt.date(2026, 11, 25)
    with_anchor = Cadence("biweekly", 2, dt.time(9), "UTC", anchor)
    assert next_run(with_anchor, now) == dt.datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert fortnight_anchor(Cadence("weekly", 2, dt.time(9), "UTC"), now) is None
    assert fortnight_anchor(Cadence("monthly", 2, dt.time(9), "UTC"), now) is None


@settings(max_examples=100, deadline=None)
@given(
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"]),
    offset=st.integers(0, 2 * 365 * 24),
)
def test_a_new_fortnightly_schedule_runs_first_at_the_next_slot(weekday, hour, tz, offset) -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(hours=offset)
    weekly = Cadence("weekly", weekday, dt.time(hour), tz)
    anchor = fortnight_anchor(Cadence("biweekly", weekday, dt.time(hour), tz), now)
    fortnightly = Cadence("biweekly", weekday, dt.time(hour), tz, anchor)
    assert next_run(fortnightly, now) == next_run(weekly, now)
