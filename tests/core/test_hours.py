"""Reading and saying working hours and days (`/mingle hours`)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.hours import (
    WORKWEEK,
    HoursError,
    HoursSpec,
    WorkingHours,
    days_mask,
    days_of_mask,
    days_text,
    parse_hours,
    stored_hours,
)

T = dt.time


@pytest.mark.parametrize(
    ("text", "start", "end", "days"),
    [
        ("08:30-16:30 mon-thu", T(8, 30), T(16, 30), {0, 1, 2, 3}),
        ("mon-thu 08:30-16:30", T(8, 30), T(16, 30), {0, 1, 2, 3}),
        ("08:30 - 16:30 Mon–Thu", T(8, 30), T(16, 30), {0, 1, 2, 3}),
        ("9am-5pm weekdays", T(9), T(17), set(range(5))),
        ("9 am to 5:30 pm", T(9), T(17, 30), None),
        ("9-17 mon,wed,fri", T(9), T(17), {0, 2, 4}),
        ("7h30-15h mon, wed, fri", T(7, 30), T(15), {0, 2, 4}),
        ("mon-sun", None, None, set(range(7))),
        ("every day", None, None, set(range(7))),
        ("sun-thu", None, None, {6, 0, 1, 2, 3}),
        ("Tuesday Thursdays", None, None, {1, 3}),
        ("12am-11:59pm", T(0), T(23, 59), None),
        ("weekends", None, None, {5, 6}),
    ],
)
def test_specs_are_read(
    text: str, start: dt.time | None, end: dt.time | None, days: set[int] | None
) -> None:
    spec = parse_hours(text)
    assert (spec.start, spec.end) == (start, end)
    assert spec.days == (frozenset(days) if days is not None else None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00-26:00", "`25:00` is not a time"),
        ("09:00-17:61", "`17:61` is not a time"),
        ("13pm-5pm", "`13pm` is not a time"),
        ("mon-fry", "`mon-fry`: `fry` is not a weekday (mon…sun)"),
        ("lundi", "`lundi` is not a weekday (mon…sun)"),
        ("17:00-09:00", "The end must be after the start"),
        ("09:00-09:00", "The end must be after the start"),
        ("09:00", "give a start and an end"),
        ("09:00- mon", "`mon` is not a time"),
        ("9-17 10-18", "one time range"),
        (", ,", "No working days given"),
        ("mon--thu", "not a range of days"),
        ("x" * 101, "too long"),
        ("<b>&amp;", "is not a weekday"),
        ("☕-☕", "is not a weekday"),
        ("9:00-17:00 `rm`", "`'rm'` is not a weekday"),
    ],
)
def test_bad_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(HoursError) as caught:
        parse_hours(text)
    assert message in caught.value.message


def test_an_empty_spec_is_empty_and_parts_keep_the_current_values() -> None:
    assert parse_hours("  ").empty
    current = WorkingHours(T(8), T(16), frozenset({0, 1}))
    assert parse_hours("mon-fri").applied_to(current) == WorkingHours(T(8), T(16), WORKWEEK)
    assert HoursSpec(T(10), T(18)).applied_to(current) == WorkingHours(
        T(10), T(18), frozenset({0, 1})
    )


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "Mon–Fri"),
        ({0, 1, 2, 3}, "Mon–Thu"),
        ({0, 2, 4}, "Mon, Wed, Fri"),
        ({0, 1}, "Mon, Tue"),
        ({0, 1, 2, 3, 6}, "Mon–Thu, Sun"),
        (set(range(7)), "every day"),
        (set(), "no days"),
    ],
)
def test_days_are_said_as_runs(days: set[int], text: str) -> None:
    assert days_text(days) == text


def test_describe_and_storage_round_trip() -> None:
    hours = WorkingHours(T(8, 30), T(16, 30), frozenset({0, 1, 2, 3}))
    assert hours.describe() == "08:30–16:30 Mon–Thu"
    assert days_of_mask(days_mask(hours.days)) == hours.days
    assert stored_hours(None, None, 31) == WorkingHours()
    assert stored_hours(T(8, 30), T(16, 30), days_mask({0, 1, 2, 3})) == hours
    assert stored_hours(T(17), T(9), 0) == WorkingHours()  # inconsistent: the defaults
