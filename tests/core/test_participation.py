"""Tests for bot.core.participation: who takes part in a round, and who was left out."""

from __future__ import annotations

import datetime as dt

from bot.core.participation import (
    Account,
    Membership,
    is_taking_part,
    left_out,
    valid_tz,
    who_takes_part,
)

# Monday 2026-03-02 07:00 UTC: still Sunday in Los Angeles, already Monday in Tokyo.
SLOT = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 3, 2)


def turnout(
    accounts: list[Account],
    members: list[Membership],
    *,
    in_channel: set[str] | None = None,
    skipped: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    return who_takes_part(
        in_channel=in_channel if in_channel is not None else {a.user_id for a in accounts},
        accounts=accounts,
        bot_user_id="UBOT",
        members={m.user_id: m for m in members},
        skipped=skipped,
        slot=SLOT,
    ).participants


def test_joined_people_in_the_channel_take_part_sorted() -> None:
    accounts = [Account("U2"), Account("U1"), Account("U3")]
    members = [Membership("U2", "active"), Membership("U1", "active")]
    assert turnout(accounts, members) == ("U1", "U2")  # U3 never joined


def test_bots_mingle_itself_deactivated_and_absent_people_do_not_take_part() -> None:
    accounts = [
        Account("U1"),
        Account("UROBOT", is_bot=True),
        Account("UBOT"),
        Account("UGONE", deleted=True),
        Account("UOUT"),
    ]
    members = [Membership(a.user_id, "active") for a in accounts]
    everyone_but_out = {a.user_id for a in accounts} - {"UOUT"}
    assert turnout(accounts, members, in_channel=everyone_but_out) == ("U1",)


def test_left_and_skipping_members_do_not_take_part() -> None:
    accounts = [Account("U1"), Account("U2"), Account("U3")]
    members = [Membership("U1", "left"), Membership("U2", "active"), Membership("U3", "active")]
    assert turnout(accounts, members, skipped=frozenset({"U3"})) == ("U2",)


def test_a_pause_ends_on_its_date_in_the_members_own_timezone() -> None:
    accounts = [Account("ULA", tz="America/Los_Angeles"), Account("UTOKYO", tz="Asia/Tokyo")]
    members = [
        Membership("ULA", "paused", paused_until=MONDAY),
        Membership("UTOKYO", "paused", paused_until=MONDAY),
    ]
    assert turnout(accounts, members) == ("UTOKYO",)  # still Sunday in Los Angeles


def test_is_taking_part() -> None:
    assert is_taking_part("active", None, MONDAY)
    assert is_taking_part("paused", MONDAY, MONDAY)
    assert not is_taking_part("paused", MONDAY + dt.timedelta(days=1), MONDAY)
    assert is_taking_part("paused", None, MONDAY)  # pauses always have an end date
    assert not is_taking_part("left", None, MONDAY)


def test_timezones_prefer_slack_then_stored_then_utc() -> None:
    accounts = [Account("U1", tz="Asia/Tokyo"), Account("U2"), Account("U3", tz="Mars/Base")]
    members = [
        Membership("U1", "active", tz="Europe/Berlin"),
        Membership("U2", "left", tz="Europe/Berlin"),
        Membership("U3", "active", tz="Europe/Berlin"),
    ]
    result = who_takes_part(
        in_channel={"U1", "U2", "U3"},
        accounts=accounts,
        bot_user_id="UBOT",
        members={m.user_id: m for m in members},
        skipped=frozenset(),
        slot=SLOT,
    )
    # Everyone looked at gets a timezone, taking part or not.
    assert result.timezones == {"U1": "Asia/Tokyo", "U2": "Europe/Berlin", "U3": "UTC"}
    assert valid_tz("Europe/Paris") == "Europe/Paris" and valid_tz("") == "UTC"


def test_left_out_is_alone_or_in_a_group_that_could_not_meet() -> None:
    groups = [("met", ["U1", "U2"]), ("could_not", ["U3", "U4"]), (None, ["U5", "U6"])]
    assert left_out(groups, ["U7"]) == {"U3", "U4", "U7"}
    assert left_out([], []) == set()
