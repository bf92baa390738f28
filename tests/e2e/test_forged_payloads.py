"""Every ID in a button or modal payload is untrusted (issue 9, finding 2).

Signed requests through the real app over HTTP, whose payloads name messages, matches,
answers, prompts, channels and values that are not the presser's: each changes nothing
the presser has no right to, and the person gets a friendly answer. Messages in the
emulator are compared before and after, so a rewritten message shows.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bot import scheduler as sched
from bot.core import ids
from bot.core.rounds import skip_value
from bot.core.status import MemberStatus
from bot.services import round_followup, rounds
from bot.services.profiles import ProfileService
from bot.services.prompts import post_prompt_now
from bot.testing.driver import text_input
from storage.models import Answer, Match, Member, Prompt, RoundSkip, Schedule
from tests.e2e.conftest import MONDAY_SLOT, SUNDAY, Stack, reply_text

pytestmark = pytest.mark.both_databases  # its promises hold on both databases

TEAM = "T0001"
COFFEE = "C0COFFEE"
SHARE = "C0SHARE"
SECRET = "G0SECRET"
MOVED_ON = "This has moved on"


# --- helpers --------------------------------------------------------------------------------


def plain_people(stack: Stack, channel_members: list[str]) -> list[str]:
    """Sample people of a channel who are not admins of any kind."""
    admins = {stack.sample.admin_id, stack.sample.owner_id}
    return [
        u
        for u in channel_members
        if u.startswith("U0S") and u not in admins and not stack.sample.person(u).is_admin
    ]


def join(stack: Stack, user_ids: list[str]) -> None:
    profiles = ProfileService(stack.app.deps)
    for user_id in user_ids:
        profiles.join(TEAM, user_id)
        profiles.add_interests(TEAM, user_id, tuple(stack.sample.interests[user_id]))


def dm_messages(stack: Stack, *user_ids: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(*user_ids)
    return stack.emu.messages(channel) if channel else []


def snapshot(stack: Stack, *channels: str) -> dict[str, list[dict[str, Any]]]:
    """Every message of `channels` as Slack stores it (edits included)."""
    return {channel: stack.emu.messages(channel) for channel in channels}


def press(stack: Stack, user_id: str, action_id: str, value: str, **where: Any) -> str:
    """Press a button; returns the text of the ephemeral answer the person got."""
    result, key = stack.driver.block_action(user_id, action_id, value, **where)
    assert result.status == 200, result
    return reply_text(stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1])


def outcome_of(stack: Stack, match_id: int) -> Any:
    with stack.app.deps.sessions() as session:
        match = session.get(Match, match_id)
        assert match is not None
        return match.outcome


def count(stack: Stack, model: Any) -> int:
    with stack.app.deps.sessions() as session:
        return len(list(session.scalars(select(model))))


def followups_asked(stack: Stack, clock: list[dt.datetime]) -> tuple[Match, Match, dict[str, Any]]:
    """A round of two pairs in #coffee-chats, asked "Did you meet?": (first, second, the
    first pair's question as Slack stores it)."""
    people = plain_people(stack, stack.sample.coffee_members)[:4]
    join(stack, people)
    stack.command(stack.sample.admin_id, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    stack.command(stack.sample.admin_id, "admin run-now")
    stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    clock[0] = SUNDAY + dt.timedelta(days=3, hours=12)  # half a weekly cycle later
    assert round_followup.send_due_followups(stack.app.deps) == 2
    with stack.app.deps.sessions() as session:
        first, second = session.scalars(select(Match).order_by(Match.id)).all()

    def asked(users: list[str]) -> list[dict[str, Any]]:
        return [m for m in dm_messages(stack, *users) if "Did you meet" in m["text"]]

    for match in (first, second):
        stack.emu.wait_for(partial(asked, list(match.user_ids)), timeout=20)
    question = [m for m in dm_messages(stack, *first.user_ids) if "Did you meet" in m["text"]]
    return first, second, question[0]


# --- "We met" and "Skip this round" ---------------------------------------------------------


def test_we_met_on_a_crafted_message_rewrites_neither_the_summary_nor_another_intro(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    first, second, question = followups_asked(stack, clock)
    member = first.user_ids[0]
    assert first.conversation_id and second.conversation_id
    summary = stack.emu.messages(COFFEE)[-1]  # the round's summary in the channel
    other_intro = dm_messages(stack, *second.user_ids)[0]
    before = snapshot(stack, COFFEE, second.conversation_id, first.conversation_id)

    # The payload names the channel's round summary, then another group's intro.
    for channel, message in [(COFFEE, summary), (second.conversation_id, other_intro)]:
        text = press(
            stack, member, ids.ACTION_MET, str(first.id), channel_id=channel, message=message
        )
        assert MOVED_ON in text
    assert snapshot(stack, COFFEE, second.conversation_id, first.conversation_id) == before
    assert outcome_of(stack, first.id) is None

    # Someone outside the pair, pressing on the pair's own question, is refused.
    outsider = second.user_ids[0]
    text = press(
        stack,
        outsider,
        ids.ACTION_MET,
        str(first.id),
        channel_id=first.conversation_id,
        message=question,
    )
    assert "for the people in that coffee chat" in text
    assert outcome_of(stack, first.id) is None

    # The pair's own question is answered, and only it is replaced.
    stack.driver.block_action(
        member, ids.ACTION_MET, str(first.id), channel_id=first.conversation_id, message=question
    )
    stack.emu.wait_for(
        lambda: [
            m for m in stack.emu.messages(str(first.conversation_id)) if "You met" in reply_text(m)
        ],
        timeout=10,
    )
    assert outcome_of(stack, first.id) == "met"
    assert snapshot(stack, COFFEE, second.conversation_id) == {
        COFFEE: before[COFFEE],
        second.conversation_id: before[second.conversation_id],
    }


def test_a_skip_applies_only_to_the_pressers_own_upcoming_round(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = plain_people(stack, stack.sample.coffee_members)
    join(stack, people[:4])
    stack.command(stack.sample.admin_id, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    with stack.app.deps.sessions() as session:
        schedule_id = session.scalar(select(Schedule.id))
    assert schedule_id is not None
    sched.fire_heads_up(stack.app.deps, schedule_id)
    skipper, other, not_joined = people[0], people[1], people[4]
    heads_up = stack.emu.wait_for(lambda: dm_messages(stack, skipper), timeout=20)[-1]
    other_heads_up = stack.emu.wait_for(lambda: dm_messages(stack, other), timeout=20)[-1]
    value = heads_up["blocks"][1]["elements"][0]["value"]
    assert value == skip_value(COFFEE, MONDAY_SLOT)
    dm, other_dm = stack.emu.dm_channel(skipper), stack.emu.dm_channel(other)
    assert dm and other_dm
    before = snapshot(stack, dm, other_dm, COFFEE)

    crafted = [
        # An arbitrary channel, on the person's own heads-up.
        (skipper, skip_value(SHARE, MONDAY_SLOT), dm, heads_up),
        # A slot nobody was told about.
        (skipper, skip_value(COFFEE, MONDAY_SLOT + dt.timedelta(days=7)), dm, heads_up),
        # The right round, but someone else's heads-up message.
        (skipper, value, other_dm, other_heads_up),
        # The right round and message, pressed by someone it wasn't sent to.
        (not_joined, value, dm, heads_up),
    ]
    for user_id, crafted_value, channel, message in crafted:
        text = press(
            stack,
            user_id,
            ids.ACTION_SKIP_ROUND,
            crafted_value,
            channel_id=channel,
            message=message,
        )
        assert MOVED_ON in text, (user_id, crafted_value)
    assert count(stack, RoundSkip) == 0
    assert snapshot(stack, dm, other_dm, COFFEE) == before

    # The person's own button still works, and replaces only their own heads-up.
    stack.driver.block_action(
        skipper, ids.ACTION_SKIP_ROUND, value, channel_id=dm, message=heads_up
    )
    stack.emu.wait_for(
        lambda: [m for m in dm_messages(stack, skipper) if "skipping" in m["text"]], timeout=10
    )
    with stack.app.deps.sessions() as session:
        skips = [(s.channel_id, s.user_id) for s in session.scalars(select(RoundSkip))]
    assert skips == [(COFFEE, skipper)]
    assert snapshot(stack, other_dm, COFFEE) == {other_dm: before[other_dm], COFFEE: before[COFFEE]}


# --- answers and prompts --------------------------------------------------------------------


def test_the_answer_topic_modal_changes_only_an_answer_of_ones_own_or_as_an_admin(
    stack: Stack,
) -> None:
    saver, author, stranger = plain_people(stack, stack.sample.share_members)[:3]
    message = stack.emu.post_message(COFFEE, author, "Expense a conference ticket as Learning.")
    stack.driver.message_shortcut(saver, ids.SHORTCUT_SAVE_ANSWER, COFFEE, message)
    view = stack.emu.wait_for(lambda: stack.emu.open_views(), timeout=10)[-1]
    assert view["callback_id"] == ids.VIEW_SAVE_ANSWER
    stack.emu.wait_for(lambda: count(stack, Answer) == 1, timeout=10)

    def topic() -> str:
        with stack.app.deps.sessions() as session:
            return str(session.scalar(select(Answer.topic)))

    def submit(user_id: str, modal: dict[str, Any], value: str) -> Any:
        values = {"topic": {"topic": text_input(value)}}
        return stack.driver.view_submission(user_id, modal, values)

    # Another member, with the answer's ID in the modal's metadata: refused in the modal.
    result = submit(stranger, view, "hijacked")
    assert result.status == 200
    assert result.json()["response_action"] == "errors"
    assert "Only the person who wrote this answer" in result.json()["errors"]["topic"]
    assert topic() == ""
    # An answer that doesn't exist (deleted since): it has moved on.
    gone = {**view, "private_metadata": json.dumps({"answer": 987654})}
    result = submit(author, gone, "Expenses")
    assert MOVED_ON in result.json()["errors"]["topic"]
    assert topic() == ""
    # An admin may change anyone's answer.
    result = submit(stack.sample.admin_id, view, "Expenses")
    assert result.status == 200 and result.body in ("", "null")
    stack.emu.wait_for(lambda: topic() == "Expenses", timeout=10)


def test_a_private_channels_prompt_is_shown_and_answered_only_by_its_members(
    stack: Stack,
) -> None:
    member, outsider = plain_people(stack, stack.sample.share_members)[:2]
    admin = stack.sample.admin_id
    stack.emu.add_channel(SECRET, name="secret", members=[member, admin], is_private=True)
    stack.command(admin, "admin prompts add What's the secret merger plan?", channel_id=SECRET)
    secret_id = post_prompt_now(stack.app.deps, TEAM, SECRET)
    public_id = post_prompt_now(stack.app.deps, TEAM, SHARE)
    assert secret_id is not None and public_id is not None
    stack.emu.wait_for(lambda: stack.emu.messages(SECRET), timeout=10)
    public = stack.emu.wait_for(lambda: stack.emu.messages(SHARE), timeout=10)[-1]
    with stack.app.deps.sessions() as session:
        secret = session.get(Prompt, secret_id)
        assert secret is not None and "merger" in secret.text
    views_before = len(stack.emu.open_views())

    # The share button on a public prompt, carrying the private prompt's ID.
    text = press(
        stack, outsider, ids.ACTION_SHARE_ANSWER, str(secret_id), channel_id=SHARE, message=public
    )
    assert "in that prompt's channel" in text and "merger" not in text
    assert len(stack.emu.open_views()) == views_before
    assert all("merger" not in reply_text(v) for v in stack.emu.open_views())

    # The outsider's own modal, submitted with the private prompt's ID.
    stack.driver.block_action(
        outsider, ids.ACTION_SHARE_ANSWER, str(public_id), channel_id=SHARE, message=public
    )
    view = stack.emu.wait_for(
        lambda: len(stack.emu.open_views()) > views_before and stack.emu.open_views(), timeout=10
    )[-1]
    forged = {**view, "private_metadata": json.dumps({"prompt": secret_id})}
    values = {"answer": {"answer": text_input("leaked")}, "topic": {"topic": text_input("")}}
    result = stack.driver.view_submission(outsider, forged, values)
    assert result.status == 200
    assert "in that prompt's channel" in result.json()["errors"]["answer"]
    assert count(stack, Answer) == 0
    assert len(stack.emu.messages(SECRET)) == 1  # the prompt alone, no answer in its thread

    # A member of the private channel can share there.
    result = stack.driver.view_submission(member, forged, values)
    assert result.status == 200 and result.body in ("", "null")
    stack.emu.wait_for(lambda: len(stack.emu.messages(SECRET)) == 2, timeout=10)


# --- the Pause button -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-3", "0", "53", "abc", "1e9"])
def test_a_pause_button_with_a_bad_value_changes_nothing_and_says_why(
    stack: Stack, value: str
) -> None:
    person = plain_people(stack, stack.sample.coffee_members)[0]
    join(stack, [person])
    result, _ = stack.driver.block_action(person, ids.ACTION_PAUSE, value)  # on the Home tab
    assert result.status == 200
    stack.emu.wait_for(
        lambda: "a pause lasts 1 to 52 weeks" in reply_text(stack.emu.home_view(person) or {}),
        timeout=10,
    )
    with stack.app.deps.sessions() as session:
        member = session.scalar(select(Member).where(Member.user_id == person))
        assert member is not None
        assert (member.status, member.paused_until) == (MemberStatus.ACTIVE, None)


def test_the_pause_button_pauses_for_its_weeks(stack: Stack, clock: list[dt.datetime]) -> None:
    person = plain_people(stack, stack.sample.coffee_members)[0]
    join(stack, [person])
    stack.driver.block_action(person, ids.ACTION_PAUSE, "2")
    stack.emu.wait_for(lambda: "Paused" in reply_text(stack.emu.home_view(person) or {}))
    with stack.app.deps.sessions() as session:
        member = session.scalar(select(Member).where(Member.user_id == person))
        assert member is not None and member.status == MemberStatus.PAUSED
        assert member.paused_until == dt.date(2032, 3, 14)


# --- stale buttons --------------------------------------------------------------------------


def test_buttons_of_an_old_round_or_a_gone_match_have_moved_on(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    first, _second, question = followups_asked(stack, clock)
    assert first.conversation_id
    member = first.user_ids[0]
    # The channel's next round is planned: the old pair's question is over.
    later = rounds.plan_round(stack.app.deps, TEAM, COFFEE, MONDAY_SLOT + dt.timedelta(days=7))
    assert later.created
    conversation = first.conversation_id

    def asked() -> dict[str, Any]:
        return next(m for m in stack.emu.messages(conversation) if m["ts"] == question["ts"])

    before = asked()
    text = press(
        stack, member, ids.ACTION_MET, str(first.id), channel_id=conversation, message=question
    )
    assert MOVED_ON in text
    assert outcome_of(stack, first.id) is None
    # A match that is gone (deleted, or never was).
    text = press(
        stack, member, ids.ACTION_NOT_YET, "2147480000", channel_id=conversation, message=question
    )
    assert MOVED_ON in text
    assert asked() == before
