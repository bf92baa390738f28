"""A time that suits everyone, your chats and thank-you notes, end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import icalendar
import pytest
from sqlalchemy import func, select

from bot.core import ids
from bot.core.slots import more_value
from bot.core.stats import ReportOptions
from bot.services.chats import CANT_REACH
from bot.services.stats import StatsService
from storage.models import Match, MeetingSlot, OutboundMessage, SlotPick, ThankYouNote
from tests.e2e.conftest import SUNDAY, Stack, assert_valid_message, reply_text
from tests.e2e.test_rounds import coffee_people, join, setup

pytestmark = pytest.mark.both_databases  # its promises hold on both databases

DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|([^>]+ UTC)>")


def a_pair(stack: Stack) -> tuple[str, str, str]:
    """Two members in Berlin matched by run-now, and someone else in the channel."""
    a, b, outsider = coffee_people(stack)[:3]
    for user_id in (a, b):
        stack.emu.update_user(user_id, tz="Europe/Berlin")
    join(stack, [a, b])
    setup(stack)
    stack.command(stack.sample.admin_id, "admin run-now")
    return a, b, outsider


def the_match(stack: Stack) -> Match:
    with stack.app.deps.sessions() as session:
        match = session.scalars(select(Match).order_by(Match.id.desc())).first()
        assert match is not None
        session.expunge(match)
        return match


def intro_of(stack: Stack, match: Match) -> tuple[str, dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        channel = stack.emu.dm_channel(*match.user_ids)
        messages = stack.emu.messages(channel) if channel else []
        return [m for m in messages if "coffee chat" in m.get("text", "")]

    message = stack.emu.wait_for(found, timeout=20)[0]
    channel = stack.emu.dm_channel(*match.user_ids)
    assert channel is not None
    return channel, message


def slot_buttons(message: dict[str, Any]) -> list[str]:
    return [
        str(block["accessory"]["value"])
        for block in message.get("blocks") or []
        if (block.get("accessory") or {}).get("action_id") == ids.ACTION_SLOT_PICK
    ]


def press(
    stack: Stack, user_id: str, action_id: str, value: str, channel: str, message: dict[str, Any]
) -> str:
    """Press a button on a message; the text of the ephemeral answer."""
    result, key = stack.driver.block_action(
        user_id, action_id, value, channel_id=channel, message=message
    )
    assert result.status == 200
    answers = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)
    return reply_text(answers[-1])


def count(stack: Stack, query: Any) -> int:
    with stack.app.deps.sessions() as session:
        return int(session.scalar(query) or 0)


def kind_count(stack: Stack, kind: str) -> int:
    return count(
        stack, select(func.count()).select_from(OutboundMessage).where(OutboundMessage.kind == kind)
    )


def test_the_intro_offers_three_times_in_everyones_own_timezone(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a_pair(stack)
    match = the_match(stack)
    _, intro = intro_of(stack, match)
    assert_valid_message(intro)
    text = reply_text(intro)
    found = DATE.findall(text)
    assert len(found) == 3
    with stack.app.deps.sessions() as session:
        slots = list(session.scalars(select(MeetingSlot).where(MeetingSlot.match_id == match.id)))
    stamps = sorted(int(stamp) for stamp, _ in found)
    assert stamps == sorted(int(s.starts_at.timestamp()) for s in slots)
    days = {dt.datetime.fromtimestamp(s, dt.UTC).date() for s in stamps}
    assert len(days) == 3  # three different days
    for stamp in stamps:  # inside 09:30-16:30 Berlin (CET in March: UTC+1)
        local = dt.datetime.fromtimestamp(stamp, dt.UTC) + dt.timedelta(hours=1)
        assert dt.time(9, 30) <= local.time() <= dt.time(16)
    assert "UTC" in intro["text"]  # the plain fallback
    assert len(slot_buttons(intro)) == 3


def test_everyone_picking_the_same_time_confirms_it_once_with_an_ics(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, outsider = a_pair(stack)
    match = the_match(stack)
    channel, intro = intro_of(stack, match)
    first = slot_buttons(intro)[0]

    # someone from outside the group: friendly, nothing stored
    answer = press(stack, outsider, ids.ACTION_SLOT_PICK, first, channel, intro)
    assert "for the people in that coffee chat" in answer
    # malformed or unknown values
    for value in ("abc", "", "-1", "999999", "1" * 40):
        answer = press(stack, a, ids.ACTION_SLOT_PICK, value, channel, intro)
        assert "out of date" in answer or "moved on" in answer, value
    assert count(stack, select(func.count()).select_from(SlotPick)) == 0

    answer = press(stack, a, ids.ACTION_SLOT_PICK, first, channel, intro)
    assert "works for you" in answer and f"<@{b}>" in answer
    press(stack, a, ids.ACTION_SLOT_PICK, first, channel, intro)  # twice: nothing more
    assert kind_count(stack, "slot_agreed") == 0

    press(stack, b, ids.ACTION_SLOT_PICK, first, channel, intro)
    files = stack.emu.wait_for(lambda: stack.emu.files(channel), timeout=20)
    confirmations = stack.emu.wait_for(
        lambda: [m for m in stack.emu.messages(channel) if "It's a date" in m.get("text", "")],
        timeout=20,
    )
    assert len(confirmations) == 1
    assert_valid_message(confirmations[0])
    (upload,) = files
    assert upload["filename"].endswith(".ics")
    event = icalendar.Calendar.from_ical(upload["content"]).walk("VEVENT")[0]
    with stack.app.deps.sessions() as session:
        slot = session.get(MeetingSlot, int(first))
        assert slot is not None and slot.agreed_at is not None
        starts_at = slot.starts_at
    assert event.decoded("dtstart") == starts_at
    assert event.decoded("dtend") == starts_at + dt.timedelta(minutes=30)
    assert str(event["summary"]) == "Coffee chat"
    assert a not in upload["content"].decode() and b not in upload["content"].decode()

    # pressing again (the same or another time): still one confirmation and one file
    answer = press(stack, b, ids.ACTION_SLOT_PICK, first, channel, intro)
    assert "already agreed" in answer
    press(stack, a, ids.ACTION_SLOT_PICK, slot_buttons(intro)[1], channel, intro)
    assert kind_count(stack, "slot_agreed") == 1 and kind_count(stack, "slot_invite") == 1
    assert len(stack.emu.files(channel)) == 1


def test_none_of_these_work_offers_three_more_once(stack: Stack, clock: list[dt.datetime]) -> None:
    a, b, outsider = a_pair(stack)
    match = the_match(stack)
    channel, intro = intro_of(stack, match)
    offered = set(slot_buttons(intro))
    value = more_value(match.id, 1)

    assert "for the people" in press(stack, outsider, ids.ACTION_SLOT_MORE, value, channel, intro)
    for bad in ("x", "1", f"{match.id}:9", "999999:1"):
        answer = press(stack, a, ids.ACTION_SLOT_MORE, bad, channel, intro)
        assert "out of date" in answer or "moved on" in answer, bad

    answer = press(stack, a, ids.ACTION_SLOT_MORE, value, channel, intro)
    assert "Three more times" in answer
    more = stack.emu.wait_for(
        lambda: [m for m in stack.emu.messages(channel) if "More times" in m.get("text", "")],
        timeout=20,
    )
    assert_valid_message(more[0])
    new = slot_buttons(more[0])
    assert len(new) == 3 and not offered & set(new)
    assert len(DATE.findall(reply_text(more[0]))) == 3
    # the same offer pressed again (by either): no second message
    assert "already offered" in press(stack, b, ids.ACTION_SLOT_MORE, value, channel, intro)
    assert kind_count(stack, "slot_offer") == 1

    # until the week runs out
    batch, message = 2, more[0]
    while True:
        answer = press(
            stack, a, ids.ACTION_SLOT_MORE, more_value(match.id, batch), channel, message
        )
        if "run out" in answer:
            break
        batch += 1
        assert batch < 10
        message = stack.emu.wait_for(offer_message(stack, channel, match.id, batch), timeout=20)[0]
    assert "agree on one" in answer


def offer_message(stack: Stack, channel: str, match_id: int, batch: int) -> Any:
    """A predicate: the messages carrying offer `batch`'s "None of these work"."""
    value = more_value(match_id, batch)

    def found() -> list[dict[str, Any]]:
        return [m for m in stack.emu.messages(channel) if f"'{value}'" in str(m.get("blocks"))]

    return found


def test_times_of_an_old_round_have_moved_on(stack: Stack, clock: list[dt.datetime]) -> None:
    a, _, _ = a_pair(stack)
    old = the_match(stack)
    channel, intro = intro_of(stack, old)
    clock[0] = SUNDAY + dt.timedelta(days=8)  # a week later, another round
    stack.command(stack.sample.admin_id, "admin run-now again")
    stack.emu.wait_for(lambda: the_match(stack).id != old.id, timeout=20)
    answer = press(stack, a, ids.ACTION_SLOT_PICK, slot_buttons(intro)[0], channel, intro)
    assert "moved on" in answer
    answer = press(stack, a, ids.ACTION_SLOT_MORE, more_value(old.id, 1), channel, intro)
    assert "moved on" in answer
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SlotPick)) == 0


# --- your chats -----------------------------------------------------------------------------


def home_of(stack: Stack, user_id: str) -> dict[str, Any]:
    before = stack.emu.home_view(user_id)
    stack.home_event(user_id)
    return stack.emu.wait_for(
        lambda: (v := stack.emu.home_view(user_id)) is not None and v != before and v, timeout=10
    )


def test_home_lists_your_last_five_chats_and_says_hi_again(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, outsider = a_pair(stack)
    for minutes in range(1, 6):  # six rounds in all
        clock[0] = SUNDAY + dt.timedelta(minutes=minutes)
        stack.command(stack.sample.admin_id, "admin run-now again")
    stack.emu.wait_for(
        lambda: count(stack, select(func.count()).select_from(Match)) == 6, timeout=30
    )
    with stack.app.deps.sessions() as session:
        latest = session.scalars(select(Match).order_by(Match.id.desc())).first()
        assert latest is not None
        latest.outcome = "met"  # type: ignore[assignment]
        session.commit()
    home = home_of(stack, a)
    text = reply_text(home)
    assert "Your chats" in text
    hi = [
        block["accessory"]
        for block in home["blocks"]
        if (block.get("accessory") or {}).get("action_id") == ids.ACTION_SAY_HI_AGAIN
    ]
    assert len(hi) == 5
    assert f"<@{b}>" in text and "Met" in text and "No answer yet" in text

    match_id = hi[0]["value"]
    stack.driver.block_action(a, ids.ACTION_SAY_HI_AGAIN, match_id, view=home)
    said = stack.emu.wait_for(
        lambda: [
            m
            for m in stack.emu.messages(stack.emu.dm_channel(a, b) or "")
            if "hi again" in m.get("text", "")
        ],
        timeout=20,
    )
    assert len(said) == 1
    # someone else pressing that group's button: nothing is sent
    stack.driver.block_action(outsider, ids.ACTION_SAY_HI_AGAIN, match_id, view=home)
    stack.driver.block_action(a, ids.ACTION_SAY_HI_AGAIN, match_id, view=home)  # twice: once
    assert kind_count(stack, "say_hi") == 1


# --- thank-you notes --------------------------------------------------------------------------


def mark_met(stack: Stack, match_id: int) -> None:
    with stack.app.deps.sessions.begin() as session:
        match = session.get(Match, match_id)
        assert match is not None
        match.outcome = "met"  # type: ignore[assignment]


def thank_you_modal(stack: Stack, user_id: str, match_id: int) -> tuple[str, dict[str, Any]]:
    before = len(stack.emu.open_views())
    result, key = stack.driver.block_action(
        user_id, ids.ACTION_THANK_YOU, str(match_id), channel_id="D1", message={"ts": "1.1"}
    )
    assert result.status == 200
    views = stack.emu.wait_for(lambda: stack.emu.open_views()[before:], timeout=10)
    return key, views[-1]


def note(text: str) -> dict[str, dict[str, Any]]:
    return {"note": {"note": {"type": "plain_text_input", "value": text}}}


def test_thank_you_notes_are_checked_escaped_and_sent_once(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, outsider = a_pair(stack)
    match = the_match(stack)

    # not before "We met"
    _, key = stack.driver.block_action(
        a, ids.ACTION_THANK_YOU, str(match.id), channel_id="D1", message={"ts": "1.1"}
    )
    refusal = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)
    assert "We met" in reply_text(refusal[-1])
    mark_met(stack, match.id)
    # not for someone outside the group
    _, key = stack.driver.block_action(
        outsider, ids.ACTION_THANK_YOU, str(match.id), channel_id="D1", message={"ts": "1.1"}
    )
    refusal = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)
    assert "for the people in that coffee chat" in reply_text(refusal[-1])

    _, modal = thank_you_modal(stack, a, match.id)
    for bad in ("", "   ", "x" * 501):
        result = stack.driver.view_submission(a, modal, note(bad))
        body = result.json()
        assert body["response_action"] == "errors" and "note" in body["errors"], bad
    # someone outside the group submitting the modal: refused under the input
    result = stack.driver.view_submission(outsider, modal, note("hi"))
    assert result.json()["response_action"] == "errors"
    assert count(stack, select(func.count()).select_from(ThankYouNote)) == 0

    result = stack.driver.view_submission(a, modal, note("Thanks! <!channel> & <@U0EVIL>"))
    assert result.status == 200 and not (result.json() or {}).get("errors")
    dm = stack.emu.wait_for(
        lambda: [
            m
            for m in stack.emu.messages(stack.emu.dm_channel(b) or "")
            if "thank" in m.get("text", "")
        ],
        timeout=20,
    )[0]
    assert_valid_message(dm)
    shown = reply_text(dm)
    assert "<!channel>" not in shown and "<@U0EVIL>" not in shown and "& " not in shown
    assert "&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;" in shown
    # once per member and group
    result = stack.driver.view_submission(a, modal, note("Again"))
    assert result.json()["response_action"] == "errors"
    assert kind_count(stack, "thank_you") == 1


def test_stats_count_notes_and_agreed_times(stack: Stack, clock: list[dt.datetime]) -> None:
    a, b, _ = a_pair(stack)
    match = the_match(stack)
    channel, intro = intro_of(stack, match)
    first = slot_buttons(intro)[0]
    press(stack, a, ids.ACTION_SLOT_PICK, first, channel, intro)
    press(stack, b, ids.ACTION_SLOT_PICK, first, channel, intro)
    mark_met(stack, match.id)
    _, modal = thank_you_modal(stack, b, match.id)
    stack.driver.view_submission(b, modal, note("Thank you!"))
    headline = StatsService(stack.app.deps).headline("T0001", ReportOptions())
    assert (headline.times_agreed, headline.thank_yous_sent) == (1, 1)


# --- avoid lists after a chat -----------------------------------------------------------------


def test_say_hi_again_and_thank_yous_never_reach_someone_who_avoids_you(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, _ = a_pair(stack)
    match = the_match(stack)
    intro_of(stack, match)
    mark_met(stack, match.id)
    _, modal = thank_you_modal(stack, a, match.id)  # opened before b's change of mind
    stack.command(b, f"avoid <@{a}>")  # after the chat, b would rather not meet a again
    dm = stack.emu.dm_channel(a, b)
    before = len(stack.emu.messages(dm or ""))

    home = home_of(stack, a)
    result, key = stack.driver.block_action(a, ids.ACTION_SAY_HI_AGAIN, str(match.id), view=home)
    assert result.status == 200
    # the same words as for anyone unreachable: nothing says who keeps a list
    stack.emu.wait_for(lambda: CANT_REACH in reply_text(stack.emu.home_view(a) or {}), timeout=10)
    assert "avoid" not in CANT_REACH
    assert kind_count(stack, "say_hi") == 0

    _, key = stack.driver.block_action(
        a, ids.ACTION_THANK_YOU, str(match.id), channel_id="D1", message={"ts": "1.1"}
    )
    refusal = reply_text(stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1])
    assert CANT_REACH in refusal and "avoid" not in refusal.lower()
    result = stack.driver.view_submission(a, modal, note("Thanks for the chat!"))
    assert CANT_REACH in result.json()["errors"]["note"]
    assert kind_count(stack, "thank_you") == 0
    assert len(stack.emu.messages(dm or "")) == before
