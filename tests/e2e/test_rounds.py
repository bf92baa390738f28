"""Coffee-chat rounds end to end: admin commands over HTTP, and what people see in Slack."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import scheduler as sched
from bot.core import ids
from bot.services import round_followup, rounds
from bot.services.admins import REFUSAL
from bot.services.delivery import deliver_pending
from bot.services.profiles import ProfileService
from bot.testing.driver import text_input
from storage.models import Match, OutboundMessage, Round, RoundSkip, Schedule
from tests.e2e.conftest import MONDAY_SLOT, SUNDAY, Stack, assert_valid_message, reply_text

COFFEE = "C0COFFEE"


def join(stack: Stack, user_ids: list[str]) -> None:
    profiles = ProfileService(stack.app.deps)
    for user_id in user_ids:
        profiles.join("T0001", user_id)
        interests = stack.sample.interests[user_id]
        profiles.add_interests("T0001", user_id, tuple(interests))


def coffee_people(stack: Stack) -> list[str]:
    """People in #coffee-chats, the admins last (so slices are plain members first)."""
    people = [u for u in stack.sample.coffee_members if u.startswith("U0S")]
    return sorted(people, key=lambda u: stack.sample.person(u).is_admin)


def count(stack: Stack, model: Any) -> int:
    with stack.app.deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def setup(stack: Stack, text: str = "weekly monday 10:00 Europe/Berlin size 2") -> dict[str, Any]:
    return stack.command(stack.sample.admin_id, f"admin setup {text}")


def heads_ups(stack: Stack) -> int:
    with stack.app.deps.sessions() as session:
        kind = OutboundMessage.kind == "heads_up"
        return int(session.scalar(select(func.count()).where(kind)) or 0)


def dm_messages(stack: Stack, *user_ids: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(*user_ids)
    return stack.emu.messages(channel) if channel else []


# --- setup --------------------------------------------------------------------------------


def test_setup_by_arguments_stores_the_schedule(stack: Stack, clock: list[dt.datetime]) -> None:
    reply = setup(stack, "size 3 Europe/Berlin 10:00 monday biweekly")
    text = reply_text(reply)
    assert "set up" in text and "every 2 weeks" in text and "groups of 3" in text
    assert "Monday 1 March, 10:00 (Europe/Berlin)" in text
    assert_valid_message(reply)
    with stack.app.deps.sessions() as session:
        schedule = session.scalar(select(Schedule))
        assert schedule is not None
        assert (schedule.kind, schedule.cadence, schedule.weekday) == ("round", "biweekly", 0)
        assert (schedule.time_of_day, schedule.timezone) == ("10:00", "Europe/Berlin")
        assert schedule.anchor_date == dt.date(2032, 3, 1)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("weekly funday", "couldn't read `funday`"),
        ("size 9", "Group size `9`"),
        ("Mars/Olympus", "`Mars/Olympus` is not a timezone"),
        ("25:00", "`25:00` is not a time"),
        ("weekly monthly", "two cadences"),
        ("<!channel>", "couldn't read `&lt;!channel&gt;`"),
        ("x" * 300, "couldn't read `xxxx"),
    ],
)
def test_setup_with_a_bad_part_names_it(stack: Stack, text: str, needle: str) -> None:
    reply = setup(stack, text)
    assert needle in reply_text(reply)
    assert_valid_message(reply)
    assert count(stack, Schedule) == 0


def test_setup_by_modal_defaults_to_the_admins_timezone(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    admin = stack.sample.admin_id
    result, _key = stack.driver.command(admin, "admin setup")
    assert result.status == 200
    view = stack.emu.wait_for(lambda: stack.emu.open_views(), timeout=10)[-1]
    assert view["callback_id"] == ids.VIEW_ADMIN_SETUP
    tz_block = next(b for b in view["blocks"] if b.get("block_id") == "timezone")
    assert tz_block["element"]["initial_value"] == stack.sample.person(admin).tz

    def choose(value: str) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": {"value": value}}

    values = {
        "cadence": {"cadence": choose("monthly")},
        "weekday": {"weekday": choose("thursday")},
        "time": {"time": {"type": "timepicker", "selected_time": "15:30"}},
        "timezone": {"timezone": text_input("Not/AZone")},
        "group_size": {"group_size": choose("4")},
    }
    bad = stack.driver.view_submission(admin, view, values)
    assert bad.status == 200 and bad.json()["response_action"] == "errors"
    assert "timezone" in bad.json()["errors"]
    assert count(stack, Schedule) == 0

    values["timezone"] = {"timezone": text_input("America/New_York")}
    good = stack.driver.view_submission(admin, view, values)
    assert good.status == 200
    stack.emu.wait_for(lambda: count(stack, Schedule) == 1, timeout=10)
    with stack.app.deps.sessions() as session:
        schedule = session.scalar(select(Schedule))
        assert schedule is not None
        assert (schedule.cadence, schedule.weekday, schedule.time_of_day) == (
            "monthly",
            3,
            "15:30",
        )
        assert schedule.timezone == "America/New_York"
    confirmation = stack.emu.wait_for(lambda: stack.emu.ephemerals(COFFEE, admin), timeout=10)
    assert "groups of 4" in confirmation[-1]["text"]


@pytest.mark.parametrize(
    "action", ["setup", "setup weekly", "pause", "resume", "skip-next", "preview", "run-now"]
)
def test_non_admins_are_refused_every_admin_action(stack: Stack, action: str) -> None:
    someone = next(u for u in coffee_people(stack) if not stack.sample.person(u).is_admin)
    reply = stack.command(someone, f"admin {action}")
    assert REFUSAL.split(",")[0] in reply_text(reply)
    assert stack.emu.open_views() == []
    assert count(stack, Schedule) == 0 and count(stack, Round) == 0


def test_setup_where_mingle_is_not_invited_says_how_to_invite_it(stack: Stack) -> None:
    stack.emu.add_channel("C0NOBOT", "no-bot", members=[stack.sample.admin_id], bot_is_member=False)
    reply = stack.command(stack.sample.admin_id, "admin setup weekly", channel_id="C0NOBOT")
    assert "/invite @Mingle" in reply_text(reply)
    assert count(stack, Schedule) == 0


def test_pause_resume_and_skip_next(stack: Stack, clock: list[dt.datetime]) -> None:
    admin = stack.sample.admin_id
    assert "aren't set up" in reply_text(stack.command(admin, "admin pause"))
    setup(stack)
    assert "paused" in reply_text(stack.command(admin, "admin pause"))
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(Schedule.enabled)) is False
    assert "back on" in reply_text(stack.command(admin, "admin resume"))
    reply = reply_text(stack.command(admin, "admin skip-next"))
    assert "Monday 1 March" in reply and "Monday 8 March" in reply
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(Schedule.skip_next)) is True
    assert "takes no arguments" in reply_text(stack.command(admin, "admin pause now"))


# --- preview and run-now ------------------------------------------------------------------


def test_preview_is_only_for_the_admin_and_stores_nothing(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:8]
    join(stack, people)
    setup(stack)
    stack.emu.clear_calls()
    reply = stack.command(stack.sample.admin_id, "admin preview")
    text = reply_text(reply)
    assert reply.get("response_type") == "ephemeral"
    assert "dry run" in text and "8 people" in text and "4 pairs" in text
    assert "like" in text or "overlap" in text or "teams" in text  # reasons are shown
    assert_valid_message(reply)
    assert count(stack, Round) == 0 and count(stack, OutboundMessage) == 0
    assert stack.emu.calls_to("conversations.open") == []
    assert stack.emu.calls_to("chat.postMessage") == []


def test_run_now_delivers_group_dms_with_reasons_and_a_channel_summary(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:10]
    join(stack, people)
    setup(stack)
    reply = stack.command(stack.sample.admin_id, "admin run-now")
    assert "Round started" in reply_text(reply) and "5 groups" in reply_text(reply)
    summary = stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    assert "5 groups this round" in summary[-1]["text"]
    with stack.app.deps.sessions() as session:
        matches = list(session.scalars(select(Match)))
    assert sorted(u for m in matches for u in m.user_ids) == sorted(people)
    opened = [sorted(c.args["users"].split(",")) for c in stack.emu.calls_to("conversations.open")]
    for match in matches:
        assert sorted(match.user_ids) in opened
        messages = dm_messages(stack, *match.user_ids)
        assert len(messages) == 1
        intro = messages[0]
        assert all(f"<@{u}>" in intro["text"] for u in match.user_ids)
        assert match.reasons and all(
            reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            in reply_text(intro)
            for reason in match.reasons
        )
        assert "Icebreaker" in intro["text"]
        assert_valid_message(intro)
        assert match.conversation_id == stack.emu.dm_channel(*match.user_ids)
    again = reply_text(stack.command(stack.sample.admin_id, "admin run-now"))
    assert "A round started here at" in again and "just now" in again
    assert "/mingle admin run-now again" in again
    assert count(stack, Round) == 1


def test_run_now_excludes_paused_left_and_not_joined_people(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:7]
    join(stack, people)
    profiles = ProfileService(stack.app.deps)
    profiles.pause("T0001", people[0], dt.date(2032, 4, 1))
    profiles.pause("T0001", people[1], dt.date(2032, 2, 20))  # over already: takes part
    profiles.leave("T0001", people[2])
    setup(stack)
    stack.command(stack.sample.admin_id, "admin run-now")
    stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    with stack.app.deps.sessions() as session:
        matched = {u for m in session.scalars(select(Match)) for u in m.user_ids}
    assert matched == set(people) - {people[0], people[2]}


def test_a_single_participant_is_told_nobody_could_be_matched(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    person = coffee_people(stack)[3]
    join(stack, [person])
    setup(stack)
    reply = stack.command(stack.sample.admin_id, "admin run-now")
    assert "alone" in reply_text(reply)
    messages = stack.emu.wait_for(lambda: dm_messages(stack, person), timeout=20)
    assert "nobody else to match" in messages[0]["text"]
    assert stack.emu.messages(COFFEE) == []


# --- heads-up and follow-up -----------------------------------------------------------------


def test_heads_up_skip_button_leaves_the_person_out_of_the_round(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:5]
    join(stack, people)
    setup(stack)
    deps = stack.app.deps
    with deps.sessions() as session:
        schedule_id = session.scalar(select(Schedule.id))
    assert schedule_id is not None
    sched.fire_heads_up(deps, schedule_id)  # the schedule's heads-up job, a day ahead
    sched.fire_heads_up(deps, schedule_id)  # once per person and slot
    assert heads_ups(stack) == 5
    skipper = people[0]
    heads_up = stack.emu.wait_for(lambda: dm_messages(stack, skipper), timeout=20)[-1]
    assert "Heads-up" in heads_up["text"]
    button = heads_up["blocks"][1]["elements"][0]
    assert button["action_id"] == ids.ACTION_SKIP_ROUND
    dm = stack.emu.dm_channel(skipper)
    stack.driver.block_action(
        skipper, ids.ACTION_SKIP_ROUND, button["value"], channel_id=dm, message=heads_up
    )
    updated = stack.emu.wait_for(
        lambda: [m for m in dm_messages(stack, skipper) if "skipping" in m["text"]], timeout=10
    )
    assert "actions" not in [b["type"] for b in updated[0]["blocks"]]
    assert count(stack, RoundSkip) == 1

    clock[0] = MONDAY_SLOT + dt.timedelta(minutes=1)
    planned = rounds.scheduled_round(deps, schedule_id, MONDAY_SLOT)
    assert planned is not None and planned.people == 4
    with deps.sessions() as session:
        matched = {u for m in session.scalars(select(Match)) for u in m.user_ids}
    assert skipper not in matched and len(matched) == 4


def test_follow_up_buttons_store_the_outcome_and_update_the_message(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:4]
    join(stack, people)
    setup(stack)
    stack.command(stack.sample.admin_id, "admin run-now")
    stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    deps = stack.app.deps
    assert round_followup.send_due_followups(deps) == 0  # not yet halfway
    clock[0] = SUNDAY + dt.timedelta(days=3, hours=12)  # half a weekly cycle after run-now
    assert round_followup.send_due_followups(deps) == 2
    assert round_followup.send_due_followups(deps) == 0
    with deps.sessions() as session:
        first, second = session.scalars(select(Match).order_by(Match.id)).all()
    question = stack.emu.wait_for(
        lambda: [m for m in dm_messages(stack, *first.user_ids) if "Did you meet" in m["text"]],
        timeout=20,
    )[0]
    assert len(dm_messages(stack, *first.user_ids)) == 2  # the intro, then the question
    dm = first.conversation_id
    assert dm is not None

    outsider = second.user_ids[0]
    _, key = stack.driver.block_action(
        outsider, ids.ACTION_MET, str(first.id), channel_id=dm, message=question
    )
    refusal = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)
    assert "for the people in that coffee chat" in reply_text(refusal[-1])

    member = first.user_ids[1]
    stack.driver.block_action(
        member, ids.ACTION_MET, str(first.id), channel_id=dm, message=question
    )
    answered = stack.emu.wait_for(
        lambda: [m for m in stack.emu.messages(dm) if "You met" in reply_text(m)], timeout=10
    )
    assert f"<@{member}>" in reply_text(answered[0])
    with deps.sessions() as session:
        stored = session.get(Match, first.id)
        assert stored is not None
        assert (stored.outcome, stored.outcome_by) == ("met", member)

    # "Not yet" is asked again once, a few days later.
    question2 = [m for m in dm_messages(stack, *second.user_ids) if "Did you meet" in m["text"]]
    stack.driver.block_action(
        second.user_ids[0],
        ids.ACTION_NOT_YET,
        str(second.id),
        channel_id=second.conversation_id,
        message=question2[0],
    )
    stack.emu.wait_for(
        lambda: [m for m in dm_messages(stack, *second.user_ids) if "ask again" in reply_text(m)],
        timeout=10,
    )
    clock[0] += dt.timedelta(days=4)
    assert round_followup.send_due_followups(deps) == 1
    clock[0] += dt.timedelta(days=4)
    assert round_followup.send_due_followups(deps) == 0
    stack.emu.wait_for(
        lambda: [m for m in dm_messages(stack, *second.user_ids) if "once more" in m["text"]],
        timeout=20,
    )


# --- problems reach the admin -----------------------------------------------------------------


def test_a_member_removed_from_slack_is_skipped_and_the_admin_told(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = coffee_people(stack)[:2]
    join(stack, people)
    setup(stack)
    deps = stack.app.deps
    planned = rounds.plan_round(deps, "T0001", COFFEE, MONDAY_SLOT)
    assert planned.groups == 1
    stack.emu.update_user(people[1], deleted=True)
    deliver_pending(deps)
    notice = stack.emu.wait_for(lambda: dm_messages(stack, stack.sample.admin_id), timeout=20)
    assert "deactivated" in notice[-1]["text"] and f"<@{people[1]}>" in notice[-1]["text"]
    with deps.sessions() as session:
        intro = session.scalar(select(OutboundMessage).where(OutboundMessage.kind == "round_intro"))
        assert intro is not None and intro.status == "failed"
    deliver_pending(deps)
    assert len(dm_messages(stack, stack.sample.admin_id)) == 1  # told once, not retried


def test_when_mingle_is_removed_from_the_channel_the_admin_is_told(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    join(stack, coffee_people(stack)[:4])
    setup(stack)
    stack.emu.remove_channel_member(COFFEE, stack.emu.bot_user_id)
    deps = stack.app.deps
    with deps.sessions() as session:
        schedule_id = session.scalar(select(Schedule.id))
    assert schedule_id is not None
    clock[0] = MONDAY_SLOT
    assert rounds.scheduled_round(deps, schedule_id, MONDAY_SLOT) is None
    notice = stack.emu.wait_for(lambda: dm_messages(stack, stack.sample.admin_id), timeout=20)
    assert "/invite @Mingle" in notice[-1]["text"]
    assert count(stack, Round) == 0
    reply = stack.command(stack.sample.admin_id, "admin run-now")
    assert "/invite @Mingle" in reply_text(reply)
