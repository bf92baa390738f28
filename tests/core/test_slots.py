"""Picking meeting slots (`bot.core.slots`) and the `.ics` invitation (`bot.core.calendar`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calendar import invite, invite_uid
from bot.core.hours import Availability
from bot.core.slots import (
    EDGE,
    LEAD,
    SLOT,
    fallback_text,
    invite_filename,
    more_value,
    parse_more_value,
    pick_slots,
    slack_date,
    working_spans,
)

WEEK = frozenset(range(5))
# Monday 30 November 2026, 09:00 UTC
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def person(tz: str, start: int = 9, end: int = 17, days: frozenset[int] = WEEK) -> Availability:
    return Availability(tz, dt.time(start), dt.time(end), days)


def local(t: dt.datetime, tz: str) -> dt.datetime:
    return t.astimezone(ZoneInfo(tz))


def assert_inside(t: dt.datetime, who: Availability) -> None:
    """The slot lies in one of the person's days, away from its first and last half hour."""
    spans = working_spans(who, t - dt.timedelta(days=2), t + dt.timedelta(days=2))
    assert any(s + EDGE <= t and t + SLOT + EDGE <= e for s, e in spans), (t, who)


def test_three_slots_on_different_days_in_the_middle_of_the_shared_time() -> None:
    berlin, new_york = person("Europe/Berlin"), person("America/New_York")
    slots = pick_slots([berlin, new_york], MONDAY)
    assert len(slots) == 3
    assert len({t.date() for t in slots}) == 3
    for t in slots:
        assert t >= MONDAY + LEAD
        assert_inside(t, berlin)
        assert_inside(t, new_york)
        # shared 14:00-16:00 UTC in winter; minus the edges: 14:30 (NY's first half hour
        # ends) to 15:30 (Berlin's last half hour starts): the middle start is 14:30
        assert local(t, "Europe/Berlin").hour in (15, 16)
        assert local(t, "America/New_York").hour in (9, 10)


def test_never_in_the_first_or_last_half_hour_of_anyones_day() -> None:
    a = person("Europe/London", 9, 12)
    b = person("Europe/London", 11, 17)
    slots = pick_slots([a, b], MONDAY)
    # shared 11:00-12:00: the first half hour is b's, the last is a's: nothing is left
    assert slots == []


def test_working_days_count() -> None:
    mon_thu = person("Europe/Berlin", days=frozenset({0, 1, 2, 3}))
    friday = person("Europe/Berlin", days=frozenset({4}))
    assert pick_slots([mon_thu, friday], MONDAY) == []
    fri_too = person("Europe/Berlin", days=frozenset({3, 4}))
    slots = pick_slots([mon_thu, fri_too], MONDAY)
    assert slots and all(local(t, "Europe/Berlin").weekday() == 3 for t in slots)
    # only one Thursday in the week: the other slots keep two hours apart on it
    assert all(abs(a - b) >= dt.timedelta(hours=2) for a in slots for b in slots if a != b)


def test_no_common_time_gives_no_slots() -> None:
    chicago, kolkata = person("America/Chicago"), person("Asia/Kolkata")
    assert pick_slots([chicago, kolkata], MONDAY) == []


def test_a_dst_week_follows_each_zones_rules() -> None:
    # Europe moves its clocks on Sunday 29 March 2026, the US two weeks earlier: in the
    # week before, Berlin and New York are 5 hours apart, afterwards 6 again.
    before = dt.datetime(2026, 3, 27, 6, 0, tzinfo=dt.UTC)  # Friday
    berlin, new_york = person("Europe/Berlin"), person("America/New_York")
    slots = pick_slots([berlin, new_york], before)
    assert len(slots) == 3
    for t in slots:
        assert_inside(t, berlin)
        assert_inside(t, new_york)
    after_change = [t for t in slots if t.date() >= dt.date(2026, 3, 30)]
    assert after_change, "the week spans the change"
    # Berlin is on CEST (UTC+2) after the change, New York on EDT (UTC-4)
    for t in after_change:
        assert local(t, "Europe/Berlin").utcoffset() == dt.timedelta(hours=2)
    (friday,) = [t for t in slots if t.date() == dt.date(2026, 3, 27)]
    assert local(friday, "Europe/Berlin").utcoffset() == dt.timedelta(hours=1)
    # the shared time moves an hour earlier in UTC with Berlin's clocks
    assert {(t.hour, t.minute) for t in after_change} != {(friday.hour, friday.minute)}


def test_more_slots_come_after_those_offered_and_never_repeat() -> None:
    group = [person("Europe/Berlin"), person("Europe/Lisbon")]
    first = pick_slots(group, MONDAY)
    more = pick_slots(group, MONDAY, offered=first)
    assert len(more) == 3
    assert not set(first) & set(more)
    assert min(more) > max(first)
    assert len({t.date() for t in more}) == 3
    # and so on, until the week is used up
    offered = first + more
    while batch := pick_slots(group, MONDAY, offered=offered):
        assert not set(batch) & set(offered)
        offered += batch
    assert len(offered) < 40


@settings(max_examples=60, deadline=None)
@given(
    zones=st.lists(
        st.sampled_from(
            [
                "Europe/Berlin",
                "America/New_York",
                "Asia/Tokyo",
                "Australia/Sydney",
                "Asia/Kolkata",
                "UTC",
                "America/Sao_Paulo",
            ]
        ),
        min_size=2,
        max_size=4,
    ),
    start=st.integers(6, 11),
    hours=st.integers(6, 10),
    offset=st.integers(0, 24 * 14),
)
def test_every_slot_suits_everyone(zones: list[str], start: int, hours: int, offset: int) -> None:
    now = MONDAY + dt.timedelta(hours=offset)
    group = [person(tz, start, min(start + hours, 23)) for tz in zones]
    slots = pick_slots(group, now)
    assert len(slots) <= 3
    assert slots == sorted(set(slots))
    for t in slots:
        assert now + LEAD <= t <= now + dt.timedelta(days=7)
        for who in group:
            assert_inside(t, who)


def test_slack_date_has_a_plain_fallback() -> None:
    t = dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)
    assert fallback_text(t) == "Thu 3 Dec, 14:00 UTC"
    assert slack_date(t) == (
        f"<!date^{int(t.timestamp())}^{{date_short_pretty}} at {{time}}|Thu 3 Dec, 14:00 UTC>"
    )


def test_more_values_are_read_strictly() -> None:
    assert parse_more_value(more_value(12, 2)) == (12, 2)
    for bad in ("", "12", "12:", ":2", "x:1", "12:0", "-1:2", "1:2:3", "9" * 30 + ":1"):
        assert parse_more_value(bad) is None, bad
    assert invite_filename(7) == "coffee-chat-7.ics"


def test_the_invitation_is_a_utc_event_with_a_stable_uid() -> None:
    t = dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)
    uid = invite_uid("T1", 4, 9)
    data = invite(uid=uid, starts_at=t, reasons=["You both like chess"], stamp=MONDAY)
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == uid == invite_uid("T1", 4, 9)
    assert event.decoded("dtstart") == t
    assert event.decoded("dtend") == t + dt.timedelta(minutes=30)
    assert str(event["summary"]) == "Coffee chat"
    assert "chess" in str(event["description"])
    assert b"DTSTART:20261203T140000Z" in data
