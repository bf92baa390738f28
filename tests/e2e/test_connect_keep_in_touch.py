"""Connect over HTTP: `/mingle reconnect`, reconnect nudges with "Say hi", and the welcome.

The nudge job runs as the scheduler would run it: `send_due_nudges(deps)` with a controlled
clock (`Deps.clock`), then the delivery worker; the buttons are clicked over HTTP.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core import ids
from bot.services.connect import send_due_nudges
from bot.services.profiles import ProfileService
from storage.models import ChannelConfig, Member, Nudge, Welcome
from tests import seed
from tests.e2e.conftest import Stack, assert_valid_message, reply_text
from tests.e2e.test_connect import (  # noqa: F401 (the `people` fixture)
    ANA,
    BO,
    CY,
    DEE,
    EVE,
    ME,
    ROBOT,
    TEAM,
    deliver,
    people,
)

START = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
COFFEE = "C0COFFEE"


def member(stack: Stack, user_id: str) -> Member:
    with stack.app.deps.sessions() as session:
        found = session.scalar(select(Member).where(Member.user_id == user_id))
        assert found is not None
        return found


def add_match(
    stack: Stack, when: dt.datetime, users: list[str], outcome: str | None = None
) -> None:
    with stack.app.deps.sessions.begin() as session:
        seed.add_match(session, TEAM, COFFEE, when, users, outcome=outcome)


def run_nudges(stack: Stack, now: dt.datetime) -> int:
    stack.app.deps.clock = lambda: now
    sent = send_due_nudges(stack.app.deps)
    deliver(stack)
    return sent


def dm_messages(stack: Stack, user_id: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(user_id)
    return stack.emu.messages(channel) if channel else []


def say_hi_button(message: dict[str, Any]) -> dict[str, Any]:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == ids.ACTION_SAY_HI:
                return dict(element)
    raise AssertionError("no Say hi button")


def nudged_about(stack: Stack, user_id: str) -> list[str]:
    with stack.app.deps.sessions() as session:
        rows = session.scalars(
            select(Nudge).where(Nudge.user_id == user_id).order_by(Nudge.id)
        ).all()
        return [n.other_user_id for n in rows]


@pytest.fixture
def history(people: Stack) -> Stack:  # noqa: F811
    """ME met ANA (confirmed) and was matched with BO long ago, and with EVE recently."""
    add_match(people, START, [ME, ANA], outcome="met")
    add_match(people, START + dt.timedelta(days=7), [ME, BO])
    add_match(people, START + dt.timedelta(days=110), [ME, EVE], outcome="met")
    return people


# --- /mingle reconnect --------------------------------------------------------------------


def test_reconnect_on_off_and_days(people: Stack) -> None:  # noqa: F811
    stack = people
    assert member(stack, ME).reconnect_enabled is False  # off by default
    reply = stack.command(ME, "reconnect on")
    assert "on" in reply_text(reply) and "90 days" in reply_text(reply)
    assert_valid_message(reply)
    assert member(stack, ME).reconnect_enabled is True
    assert "30 days" in reply_text(stack.command(ME, "reconnect on 30 days"))
    assert member(stack, ME).reconnect_after_days == 30
    assert "off" in reply_text(stack.command(ME, "reconnect off"))
    stored = member(stack, ME)
    assert stored.reconnect_enabled is False and stored.reconnect_after_days == 30
    home = stack.emu.home_view(ME)
    assert home is not None and "Reconnect nudges are off" in reply_text(home)


@pytest.mark.parametrize(
    "text", ["reconnect", "reconnect maybe", "reconnect on 5", "reconnect on x"]
)
def test_reconnect_bad_input_shows_usage(people: Stack, text: str) -> None:  # noqa: F811
    reply = people.command(ME, text)
    assert "/mingle reconnect on" in reply_text(reply)
    assert member(people, ME).reconnect_enabled is False


def test_reconnect_needs_joining_first(people: Stack) -> None:  # noqa: F811
    assert "join first" in reply_text(people.command(DEE, "reconnect on"))
    assert "off" in reply_text(people.command(DEE, "reconnect off"))


# --- nudges -------------------------------------------------------------------------------


def test_nudge_reminds_of_someone_met_long_ago_with_a_say_hi_button(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on")
    now = START + dt.timedelta(days=120)
    assert run_nudges(stack, now) == 1
    messages = dm_messages(stack, ME)
    assert len(messages) == 1
    message = messages[0]
    text = reply_text(message)
    assert f"<@{ANA}>" in text and "You met" in text and "5 January 2026" in text
    assert "You both like climbing" in text  # common ground from the matching core
    assert message["has_text_fallback"]
    assert say_hi_button(message)["value"]
    assert nudged_about(stack, ME) == [ANA]
    # The same day again, and a week later: too soon for another nudge.
    assert run_nudges(stack, now) == 0
    assert run_nudges(stack, now + dt.timedelta(days=7)) == 0
    assert len(dm_messages(stack, ME)) == 1


def test_never_the_same_person_twice_in_a_row(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on")
    now = START + dt.timedelta(days=120)
    run_nudges(stack, now)
    run_nudges(stack, now + dt.timedelta(days=22))
    run_nudges(stack, now + dt.timedelta(days=44))
    # EVE was matched on day 110: not "a while ago" until day 200.
    assert nudged_about(stack, ME) == [ANA, BO, ANA]
    run_nudges(stack, now + dt.timedelta(days=90))
    assert nudged_about(stack, ME) == [ANA, BO, ANA, EVE]
    assert len(dm_messages(stack, ME)) == 4


def test_custom_after_days(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on 200")
    assert run_nudges(stack, START + dt.timedelta(days=120)) == 0
    assert run_nudges(stack, START + dt.timedelta(days=205)) == 1
    assert nudged_about(stack, ME) == [ANA]


def test_no_nudges_when_off_paused_or_left(history: Stack) -> None:
    stack = history
    now = START + dt.timedelta(days=120)
    assert run_nudges(stack, now) == 0  # off by default
    stack.command(ME, "reconnect on")
    ProfileService(stack.app.deps).pause(TEAM, ME, dt.date(2099, 1, 1))
    assert run_nudges(stack, now) == 0
    stack.command(ME, "resume")
    stack.command(ME, "leave")
    assert run_nudges(stack, now) == 0
    assert dm_messages(stack, ME) == []


def test_never_someone_who_left_forgot_or_was_deactivated(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on")
    add_match(stack, START + dt.timedelta(days=14), [ME, CY])
    stack.command(ANA, "leave --forget")
    stack.command(BO, "leave")
    stack.emu.update_user(CY, deleted=True)
    stack.app.deps.slack._users.clear()
    assert run_nudges(stack, START + dt.timedelta(days=150)) == 0
    assert dm_messages(stack, ME) == []
    stack.emu.update_user(CY, deleted=False)
    stack.app.deps.slack._users.clear()
    assert run_nudges(stack, START + dt.timedelta(days=151)) == 1
    assert nudged_about(stack, ME) == [CY]


def test_any_match_counts_when_none_was_confirmed(people: Stack) -> None:  # noqa: F811
    stack = people
    add_match(stack, START, [ME, BO, CY])  # a group of three, outcome never reported
    stack.command(ME, "reconnect on")
    assert run_nudges(stack, START + dt.timedelta(days=100)) == 1
    assert nudged_about(stack, ME) == [BO]  # ties broken by id, reproducibly
    assert "were matched" in reply_text(dm_messages(stack, ME)[0])


# --- Say hi -------------------------------------------------------------------------------


def click_say_hi(stack: Stack, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
    button = say_hi_button(message)
    _, key = stack.driver.block_action(
        user_id,
        ids.ACTION_SAY_HI,
        button["value"],
        channel_id=message["channel"],
        message=message,
    )
    return stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1]


def test_say_hi_opens_a_dm_with_a_friendly_starter_once(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on")
    run_nudges(stack, START + dt.timedelta(days=120))
    nudge = dm_messages(stack, ME)[0]
    reply = click_say_hi(stack, ME, nudge)
    assert "said hi" in reply_text(reply)
    assert_valid_message(reply)
    deliver(stack)
    channel = stack.emu.dm_channel(ME, ANA)
    assert channel is not None
    messages = stack.emu.messages(channel)
    assert len(messages) == 1
    assert f"<@{ME}>" in reply_text(messages[0]) and "say hi" in reply_text(messages[0])
    click_say_hi(stack, ME, nudge)  # a second click sends nothing more
    deliver(stack)
    assert len(stack.emu.messages(channel)) == 1


def test_say_hi_is_refused_for_someone_else_or_someone_gone(history: Stack) -> None:
    stack = history
    stack.command(ME, "reconnect on")
    run_nudges(stack, START + dt.timedelta(days=120))
    nudge = dm_messages(stack, ME)[0]
    assert "isn't yours" in reply_text(click_say_hi(stack, BO, nudge))
    stack.command(ANA, "leave")
    assert "isn't on Mingle anymore" in reply_text(click_say_hi(stack, ME, nudge))
    stack.command(ANA, "leave --forget")
    assert "isn't on Mingle anymore" in reply_text(click_say_hi(stack, ME, nudge))
    deliver(stack)
    assert stack.emu.dm_channel(ME, ANA) is None


# --- welcome ------------------------------------------------------------------------------


def mingle_channel(stack: Stack, channel: str = COFFEE) -> None:
    with stack.app.deps.sessions.begin() as session:
        session.add(ChannelConfig(team_id=TEAM, channel_id=channel, created_by=ME))


def join_channel(stack: Stack, user_id: str, channel: str = COFFEE) -> None:
    if user_id not in stack.emu.channel_members(channel):
        stack.emu.add_channel_member(channel, user_id)
    event = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM,
        "inviter": ME,
    }
    assert stack.driver.event(event).status == 200


def welcomes(stack: Stack) -> int:
    with stack.app.deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Welcome)) or 0)


def wait_for_welcome(stack: Stack, user_id: str, channel: str = COFFEE) -> list[dict[str, Any]]:
    return stack.emu.wait_for(lambda: stack.emu.ephemerals(channel, user_id), timeout=10)


def test_welcome_is_ephemeral_with_join_button_and_home_link(people: Stack) -> None:  # noqa: F811
    stack = people
    mingle_channel(stack)
    join_channel(stack, DEE)
    shown = wait_for_welcome(stack, DEE)
    assert len(shown) == 1
    text = reply_text(shown[0])
    assert "slack://app?team=T0001&id=A0MINGLE&tab=home" in text
    assert shown[0]["has_text_fallback"]
    buttons = [e for b in shown[0]["blocks"] for e in b.get("elements") or [] if "action_id" in e]
    assert [b["action_id"] for b in buttons] == [ids.ACTION_JOIN]
    assert stack.emu.messages(COFFEE) == []  # nothing in the channel for everyone

    # The "Join Mingle" button joins them, answering only them.
    _, key = stack.driver.block_action(
        DEE,
        ids.ACTION_JOIN,
        "welcome",
        channel_id=COFFEE,
        message={"ts": shown[0]["message_ts"], "text": shown[0]["text"]},
    )
    reply = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1]
    assert "Welcome to Mingle" in reply_text(reply)
    assert member(stack, DEE).status == "active"


def test_no_repeat_welcome_on_leaving_and_joining_again(people: Stack) -> None:  # noqa: F811
    stack = people
    mingle_channel(stack)
    join_channel(stack, DEE)
    wait_for_welcome(stack, DEE)
    stack.emu.remove_channel_member(COFFEE, DEE)
    join_channel(stack, DEE)
    join_channel(stack, EVE)  # already in Mingle: no welcome
    join_channel(stack, CY, channel="C0SHARE")  # not a Mingle channel
    join_channel(stack, DEE, channel="C0SHARE")
    # A later welcome proves the events before it were handled.
    sentinel = "U0S010"
    join_channel(stack, sentinel)
    wait_for_welcome(stack, sentinel)
    deliver(stack)
    assert len(stack.emu.ephemerals(COFFEE, DEE)) == 1
    assert stack.emu.ephemerals(COFFEE, EVE) == []
    assert stack.emu.ephemerals("C0SHARE") == []
    assert len(stack.emu.ephemerals(COFFEE, sentinel)) == 1
    assert welcomes(stack) == 2


def test_bots_and_mingle_itself_get_no_welcome(people: Stack) -> None:  # noqa: F811
    stack = people
    mingle_channel(stack)
    join_channel(stack, ROBOT)
    join_channel(stack, "UBOT")
    sentinel = "U0S010"
    join_channel(stack, sentinel)
    wait_for_welcome(stack, sentinel)
    deliver(stack)
    assert stack.emu.ephemerals(COFFEE, ROBOT) == []
    assert stack.emu.ephemerals(COFFEE, "UBOT") == []
    assert welcomes(stack) == 1
