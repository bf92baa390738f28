"""Answer-sharing prompts end to end: the real app over HTTP against the Slack emulator.

Admin commands, posting a prompt through the outbox, thread replies becoming answers (and
their edits, deletions and reactions), the "Share an answer" modal, the "Save as answer"
shortcut, `/mingle answers`, the digest on the next prompt, and bad input.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core import ids
from bot.core.prompts import BUILTIN_PROMPTS, MAX_ANSWER_CHARS
from bot.services.admins import REFUSAL
from bot.services.prompts import PromptService, post_prompt_now
from bot.slack.pacing import Pacer
from bot.testing.driver import text_input
from storage.models import Answer, AnswerTerm, Prompt, PromptTemplate, Schedule
from tests.e2e.conftest import Stack, assert_valid_message, reply_text

SHARE = "C0SHARE"
TEAM = "T0001"


# --- helpers --------------------------------------------------------------------------------


def sharers(stack: Stack) -> list[str]:
    """People in #til-and-answers who are not admins."""
    admins = {stack.sample.admin_id, stack.sample.owner_id}
    return [u for u in stack.sample.share_members if u.startswith("U0S") and u not in admins]


def admin(stack: Stack, text: str, channel: str = SHARE) -> dict[str, Any]:
    return stack.command(stack.sample.admin_id, f"admin prompts {text}", channel_id=channel)


def post_prompt(stack: Stack) -> tuple[int, dict[str, Any]]:
    """Post the channel's next prompt now; (prompt id, the message as stored in Slack)."""
    before = len(top_level(stack))
    prompt_id = post_prompt_now(stack.app.deps, TEAM, SHARE)
    assert prompt_id is not None
    stack.emu.wait_for(lambda: len(top_level(stack)) > before, message="the prompt message")
    return prompt_id, top_level(stack)[-1]


def top_level(stack: Stack) -> list[dict[str, Any]]:
    return stack.emu.messages(SHARE, include_replies=False)


def reply(stack: Stack, user_id: str, text: str, thread_ts: str, **extra: Any) -> str:
    """A person replies in a thread: the message lands in Slack and its event reaches Mingle."""
    message = stack.emu.post_message(SHARE, user_id, text, thread_ts=thread_ts)
    event = {
        "type": "message",
        "channel": SHARE,
        "user": user_id,
        "text": text,
        "ts": message["ts"],
        "thread_ts": thread_ts,
        "channel_type": "channel",
        "event_ts": message["ts"],
        **extra,
    }
    assert stack.driver.event(event).status == 200
    return str(message["ts"])


def answers(stack: Stack) -> list[Answer]:
    with stack.app.deps.sessions() as session:
        return list(session.scalars(select(Answer).order_by(Answer.id)))


def wait_answers(stack: Stack, count: int) -> list[Answer]:
    return stack.emu.wait_for(
        lambda: (found := answers(stack)) and len(found) == count and found,
        message=f"{count} answers",
    )


def terms_of(stack: Stack, answer_id: int) -> set[str]:
    with stack.app.deps.sessions() as session:
        return set(
            session.scalars(select(AnswerTerm.term).where(AnswerTerm.answer_id == answer_id))
        )


def edit(stack: Stack, user_id: str, ts: str, thread_ts: str | None, text: str) -> None:
    message = {"type": "message", "user": user_id, "text": text, "ts": ts, "edited": {}}
    if thread_ts:
        message["thread_ts"] = thread_ts
    event = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": SHARE,
        "message": message,
        "previous_message": {"type": "message", "user": user_id, "text": "old", "ts": ts},
        "ts": f"{time.time():.6f}",
        "event_ts": f"{time.time():.6f}",
    }
    assert stack.driver.event(event).status == 200


def delete(stack: Stack, ts: str, thread_ts: str | None) -> None:
    previous = {"type": "message", "text": "gone", "ts": ts}
    if thread_ts:
        previous["thread_ts"] = thread_ts
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": SHARE,
        "deleted_ts": ts,
        "previous_message": previous,
        "ts": f"{time.time():.6f}",
        "event_ts": f"{time.time():.6f}",
    }
    assert stack.driver.event(event).status == 200


def react(stack: Stack, user_id: str, ts: str, added: bool = True, name: str = "tada") -> None:
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user_id,
        "reaction": name,
        "item": {"type": "message", "channel": SHARE, "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }
    assert stack.driver.event(event).status == 200


def reactions_of(stack: Stack, ts: str) -> int:
    found = [a for a in answers(stack) if a.message_ts == ts]
    return found[0].reaction_count if found else -1


def search(stack: Stack, words: str, user_id: str | None = None) -> str:
    reply_ = stack.command(user_id or sharers(stack)[0], f"answers {words}", channel_id=SHARE)
    assert_valid_message(reply_)
    return reply_text(reply_)


def wait_ephemeral(stack: Stack, user_id: str, count: int = 1) -> list[dict[str, Any]]:
    return stack.emu.wait_for(
        lambda: (
            len(stack.emu.ephemerals(SHARE, user_id)) >= count
            and stack.emu.ephemerals(SHARE, user_id)
        ),
        message="an ephemeral message",
    )


# --- admin commands -------------------------------------------------------------------------


def test_prompts_on_with_defaults_stores_a_weekly_wednesday_schedule(stack: Stack) -> None:
    reply_ = admin(stack, "on")
    text = reply_text(reply_)
    assert_valid_message(reply_)
    assert "on in <#C0SHARE>" in text and "every week, Wednesdays at 10:00" in text
    admin_tz = stack.sample.person(stack.sample.admin_id).tz
    assert admin_tz in text
    with stack.app.deps.sessions() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.kind == "prompt"))
        assert schedule is not None and schedule.enabled
        assert (schedule.cadence, schedule.weekday, schedule.time_of_day) == ("weekly", 2, "10:00")
        assert (schedule.channel_id, schedule.timezone) == (SHARE, admin_tz)


def test_prompts_on_with_arguments_then_off(stack: Stack) -> None:
    text = reply_text(admin(stack, "on biweekly friday 15:30 America/New_York"))
    assert "every 2 weeks, Fridays at 15:30 (America/New_York)" in text
    with stack.app.deps.sessions() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.kind == "prompt"))
        assert schedule is not None
        assert (schedule.cadence, schedule.weekday, schedule.timezone) == (
            "biweekly",
            4,
            "America/New_York",
        )
        assert schedule.anchor_date is not None
    assert "Prompts are off" in reply_text(admin(stack, "off"))
    with stack.app.deps.sessions() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.kind == "prompt"))
        assert schedule is not None and not schedule.enabled
    assert "weren't on" in reply_text(admin(stack, "off"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("on blursday", "couldn't read `blursday`"),
        ("on monday tuesday", "two weekdays"),
        ("on 25:00", "not a time of day"),
        ("on Mars/Base", "not a timezone"),
        ("sideways", "I don't know `prompts sideways`"),
        ("", "prompts on"),
        ("remove", "Say which one"),
        ("remove abc", "Say which one"),
        ("remove 999", "no prompt #999"),
    ],
)
def test_bad_admin_arguments_are_explained(stack: Stack, args: str, expected: str) -> None:
    text = reply_text(admin(stack, args))
    assert expected in text
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_only_admins_manage_prompts(stack: Stack) -> None:
    person = sharers(stack)[0]
    reply_ = stack.command(person, "admin prompts on", channel_id=SHARE)
    assert REFUSAL in reply_text(reply_)
    reply_ = stack.command(person, "admin prompts add Sneaky?", channel_id=SHARE)
    assert REFUSAL in reply_text(reply_)
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Schedule)) == 0
        assert session.scalar(select(func.count()).select_from(PromptTemplate)) == 0


def test_a_channel_without_the_bot_gets_the_invite_hint(stack: Stack) -> None:
    stack.emu.add_channel(
        "C0NOBOT", name="no-bot", members=stack.sample.user_ids[:5], bot_is_member=False
    )
    text = reply_text(admin(stack, "on", channel="C0NOBOT"))
    assert "/invite @Mingle" in text
    stack.emu.add_channel(
        "G0SECRET",
        name="secret",
        members=stack.sample.user_ids[:5],
        is_private=True,
        bot_is_member=False,
    )
    assert "/invite @Mingle" in reply_text(admin(stack, "on", channel="G0SECRET"))
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_add_list_and_remove_the_channels_own_prompts(stack: Stack) -> None:
    added = reply_text(admin(stack, "add What's a shortcut you use every day?"))
    assert "Added prompt `#1`" in added and "What's a shortcut you use every day?" in added
    admin(stack, "add   How do you   review a pull request?  ")
    listing = admin(stack, "list")
    assert_valid_message(listing)
    text = reply_text(listing)
    assert "`#1` What's a shortcut you use every day?" in text
    assert "`#2` How do you review a pull request?" in text
    assert f"Plus {len(BUILTIN_PROMPTS)} built-in prompts" in text
    assert "off (turn them on" in text
    assert "*Next prompt:* _What's a shortcut you use every day?_" in text
    assert "Removed prompt `#1`" in reply_text(admin(stack, "remove 1"))
    text = reply_text(admin(stack, "list"))
    assert "`#1`" not in text and "`#2`" in text
    assert "no prompt #1" in reply_text(admin(stack, "remove #1"))
    # Another channel's prompt can't be removed from here.
    assert "no prompt #2" in reply_text(admin(stack, "remove 2", channel="C0COFFEE"))


def test_empty_and_over_long_prompts_are_refused(stack: Stack) -> None:
    assert "Say what the prompt should ask" in reply_text(admin(stack, "add"))
    assert "Say what the prompt should ask" in reply_text(admin(stack, "add    "))
    text = reply_text(admin(stack, "add " + "why? " * 80))
    assert "keep it to 300" in text
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PromptTemplate)) == 0
    # Exactly 300 characters is fine.
    assert "Added prompt" in reply_text(admin(stack, "add " + "x" * 300))


def test_mentions_and_broadcasts_in_a_prompt_never_ping(stack: Stack) -> None:
    person = sharers(stack)[0]
    admin(
        stack,
        # Slack escapes &, < and > in what people typed, and sends mentions as markup.
        f"add Hey <!channel> and <!here>, ask <@{person}|sofia> &amp; <#C0COFFEE|coffee> "
        "&lt;b&gt;why&lt;/b&gt;?",
    )
    with stack.app.deps.sessions() as session:
        stored = session.scalar(select(PromptTemplate.text))
    assert stored == "Hey @channel and @here, ask @sofia & #coffee <b>why</b>?"
    _, message = post_prompt(stack)
    posted = reply_text(message)
    assert "<!channel>" not in posted and "<!here>" not in posted and f"<@{person}" not in posted
    assert "@channel" in posted and "&lt;b&gt;why&lt;/b&gt;" in posted and "&amp;" in posted
    assert_valid_message(message)


# --- posting --------------------------------------------------------------------------------


def test_a_prompt_is_posted_once_per_slot_with_a_share_button(stack: Stack) -> None:
    prompt_id, message = post_prompt(stack)
    assert_valid_message(message)
    text = reply_text(message)
    assert "Reply in the thread" in text
    buttons = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == ids.ACTION_SHARE_ANSWER
    ]
    assert len(buttons) == 1 and buttons[0]["value"] == str(prompt_id)
    with stack.app.deps.sessions() as session:
        prompt = session.get(Prompt, prompt_id)
        assert prompt is not None and prompt.text in BUILTIN_PROMPTS
        assert prompt.text in text
        slot = prompt.scheduled_for
    # The same slot again (a second scheduler, a retry): nothing new is posted.
    assert PromptService(stack.app.deps).post(TEAM, SHARE, slot) is None
    assert len(top_level(stack)) == 1


def test_the_admin_is_told_when_a_prompt_cannot_be_posted(stack: Stack) -> None:
    admin(stack, "on")
    stack.emu.remove_channel_member(SHARE, stack.emu.bot_user_id)  # someone removed Mingle
    assert post_prompt_now(stack.app.deps, TEAM, SHARE) is not None
    dm = stack.emu.wait_for(lambda: stack.emu.dm_channel(stack.sample.admin_id))
    notice = stack.emu.wait_for(lambda: stack.emu.messages(dm))[-1]
    assert "couldn't post the prompt" in reply_text(notice)
    assert "/invite @Mingle" in reply_text(notice)
    assert top_level(stack) == []


def test_prompts_rotate_without_repeats_until_the_bank_is_used(stack: Stack) -> None:
    admin(stack, "add Our own question first?")
    # A year of weekly prompts in one go: lift the pacing (one post a second per channel).
    stack.app.deps.pacer = Pacer(scale=1000)
    service = PromptService(stack.app.deps)
    base = stack.app.deps.clock()
    total = len(BUILTIN_PROMPTS) + 1
    for week in range(total + 2):
        service.post(TEAM, SHARE, base + dt.timedelta(weeks=week))
    with stack.app.deps.sessions() as session:
        texts = list(session.scalars(select(Prompt.text).order_by(Prompt.scheduled_for)))
    assert texts[0] == "Our own question first?"
    assert len(set(texts[:total])) == total  # every prompt once before any repeats
    assert texts[total] != texts[total - 1]


# --- capture ------------------------------------------------------------------------------


def test_thread_replies_become_answers_and_other_messages_are_ignored(stack: Stack) -> None:
    _, message = post_prompt(stack)
    prompt_ts = message["ts"]
    alice, bob = sharers(stack)[:2]
    ts = reply(
        stack, alice, "Use `kubectl rollout undo` to roll back a bad Kubernetes deploy.", prompt_ts
    )
    found = wait_answers(stack, 1)[0]
    assert (found.user_id, found.channel_id, found.message_ts, found.source) == (
        alice,
        SHARE,
        ts,
        "thread",
    )
    assert found.permalink.endswith(f"p{ts.replace('.', '')}?thread_ts={prompt_ts}&cid={SHARE}")
    assert {"kubectl", "kubernet", "deploy", "rollout"} <= terms_of(stack, found.id)
    # A top-level message, a reply in another thread and a bot's reply are not answers.
    other = stack.emu.post_message(SHARE, bob, "Lunch anyone?")
    stack.driver.event(
        {
            "type": "message",
            "channel": SHARE,
            "user": bob,
            "text": "Lunch anyone?",
            "ts": other["ts"],
        }
    )
    reply(stack, bob, "Count me in", other["ts"])
    stack.driver.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0OTHER",
            "channel": SHARE,
            "text": "beep",
            "ts": f"{time.time():.6f}",
            "thread_ts": prompt_ts,
        }
    )
    reply(stack, bob, "Second real answer about python packaging", prompt_ts)
    both = wait_answers(stack, 2)
    assert [a.user_id for a in both] == [alice, bob]


def test_duplicate_events_are_processed_once(stack: Stack) -> None:
    _, message = post_prompt(stack)
    person = sharers(stack)[0]
    posted = stack.emu.post_message(SHARE, person, "Retry-safe answer", thread_ts=message["ts"])
    event = {
        "type": "message",
        "channel": SHARE,
        "user": person,
        "text": "Retry-safe answer",
        "ts": posted["ts"],
        "thread_ts": message["ts"],
    }
    stack.driver.event(event, event_id="Ev0DUP")
    stack.driver.event(event, event_id="Ev0DUP", retry_num=1)  # Slack's retry
    stack.driver.event(event, event_id="Ev0OTHER")  # the same message under a new event id
    wait_answers(stack, 1)
    # The reaction counted once, though its event arrived twice.
    react_event = {
        "type": "reaction_added",
        "user": sharers(stack)[1],
        "reaction": "+1",
        "item": {"type": "message", "channel": SHARE, "ts": posted["ts"]},
    }
    stack.driver.event(react_event, event_id="Ev0REACT")
    stack.driver.event(react_event, event_id="Ev0REACT", retry_num=1)
    stack.emu.wait_for(lambda: reactions_of(stack, posted["ts"]) == 1)
    # A new reaction afterwards is a barrier: once it counts, a wrongly processed retry
    # (handed to the listeners before it) would have counted too.
    barrier = {**react_event, "user": sharers(stack)[2]}
    stack.driver.event(barrier, event_id="Ev0BARRIER")
    stack.emu.wait_for(lambda: reactions_of(stack, posted["ts"]) >= 2)
    assert reactions_of(stack, posted["ts"]) == 2
    assert len(answers(stack)) == 1


def test_edits_update_and_deletes_remove_answers(stack: Stack) -> None:
    _, message = post_prompt(stack)
    person = sharers(stack)[0]
    ts = reply(stack, person, "Terraform plan before apply", message["ts"])
    answer = wait_answers(stack, 1)[0]
    assert "terraform" in terms_of(stack, answer.id)
    edit(stack, person, ts, message["ts"], "Always run grafana dashboards review before releases")
    stack.emu.wait_for(lambda: "grafana" in answers(stack)[0].text)
    assert "terraform" not in terms_of(stack, answer.id)
    assert "grafana" in terms_of(stack, answer.id)
    assert "Terraform" not in search(stack, "terraform")
    assert "grafana" in search(stack, "grafana").lower()
    delete(stack, ts, message["ts"])
    stack.emu.wait_for(lambda: answers(stack) == [])
    assert terms_of(stack, answer.id) == set()
    assert "No answers match" in search(stack, "grafana")


def test_empty_and_over_long_replies_get_a_friendly_note(stack: Stack) -> None:
    _, message = post_prompt(stack)
    person = sharers(stack)[0]
    reply(stack, person, "   ", message["ts"])
    notes = wait_ephemeral(stack, person)
    assert "empty" in reply_text(notes[-1]) and notes[-1]["thread_ts"] == message["ts"]
    long_ts = reply(stack, person, "x" * (MAX_ANSWER_CHARS + 1), message["ts"])
    notes = wait_ephemeral(stack, person, 2)
    assert f"{MAX_ANSWER_CHARS:,} characters" in reply_text(notes[-1])
    reply(stack, person, "", message["ts"], subtype="file_share", files=[{"id": "F1"}])
    notes = wait_ephemeral(stack, person, 3)
    assert "add a sentence" in reply_text(notes[-1]).lower()
    assert answers(stack) == []
    # Edited down to a fine length, the long reply becomes an answer.
    edit(stack, person, long_ts, message["ts"], "Shorter now: use feature flags")
    assert wait_answers(stack, 1)[0].text == "Shorter now: use feature flags"


def test_reactions_adjust_the_count(stack: Stack) -> None:
    _, message = post_prompt(stack)
    alice, bob, carol = sharers(stack)[:3]
    ts = reply(stack, alice, "Use a runbook", message["ts"])
    wait_answers(stack, 1)
    react(stack, bob, ts)
    react(stack, carol, ts, name="heart")
    stack.emu.wait_for(lambda: reactions_of(stack, ts) == 2)
    react(stack, carol, ts, added=False, name="heart")
    stack.emu.wait_for(lambda: reactions_of(stack, ts) == 1)
    react(stack, bob, ts, added=False)
    react(stack, bob, ts, added=False)  # never below zero
    stack.emu.wait_for(lambda: reactions_of(stack, ts) == 0)
    react(stack, bob, message["ts"])  # a reaction on the prompt itself is not an answer's
    react(stack, carol, ts)  # a barrier: handled after the reaction on the prompt
    stack.emu.wait_for(lambda: reactions_of(stack, ts) == 1)
    assert reactions_of(stack, ts) == 1
    assert len(answers(stack)) == 1


# --- the modal --------------------------------------------------------------------------------


def open_share_modal(
    stack: Stack, user_id: str, message: dict[str, Any], value: str
) -> dict[str, Any]:
    before = len(stack.emu.open_views())
    stack.driver.block_action(
        user_id, ids.ACTION_SHARE_ANSWER, value, channel_id=SHARE, message=message
    )
    views = stack.emu.wait_for(
        lambda: len(stack.emu.open_views()) > before and stack.emu.open_views()
    )
    return dict(views[-1])


def submit_share(
    stack: Stack, user_id: str, view: dict[str, Any], answer: str, topic: str = ""
) -> Any:
    values = {"answer": {"answer": text_input(answer)}, "topic": {"topic": text_input(topic)}}
    return stack.driver.view_submission(user_id, view, values)


def test_the_share_button_opens_a_modal_whose_answer_is_posted_in_the_thread(stack: Stack) -> None:
    prompt_id, message = post_prompt(stack)
    person = sharers(stack)[0]
    view = open_share_modal(stack, person, message, str(prompt_id))
    assert view["callback_id"] == ids.VIEW_SHARE_ANSWER
    assert message["text"].split("Prompt: ")[1][:20] in reply_text(view)
    result = submit_share(
        stack,
        person,
        view,
        "Pair on the first incident <!channel> & review it",
        "incident response",
    )
    assert result.status == 200 and result.body in ("", "null")
    answer = wait_answers(stack, 1)[0]
    assert (answer.user_id, answer.source, answer.topic, answer.prompt_id) == (
        person,
        "modal",
        "incident response",
        prompt_id,
    )
    thread = stack.emu.wait_for(
        lambda: [
            m
            for m in stack.emu.messages(SHARE)
            if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]
        ]
    )
    posted = thread[-1]
    assert_valid_message(posted)
    assert "<!channel>" not in reply_text(posted) and "&lt;!channel&gt;" in reply_text(posted)
    assert stack.sample.person(person).display_name in reply_text(posted)
    stack.emu.wait_for(lambda: answers(stack)[0].message_ts == posted["ts"])
    assert answers(stack)[0].permalink.endswith(
        f"p{posted['ts'].replace('.', '')}?thread_ts={message['ts']}&cid={SHARE}"
    )
    # Reactions on Mingle's post of the answer count for the answer.
    react(stack, sharers(stack)[1], posted["ts"])
    stack.emu.wait_for(lambda: reactions_of(stack, posted["ts"]) == 1)
    assert "incident" in search(stack, "incident").lower()


def test_the_modal_refuses_empty_and_over_long_answers(stack: Stack) -> None:
    prompt_id, message = post_prompt(stack)
    person = sharers(stack)[0]
    view = open_share_modal(stack, person, message, str(prompt_id))
    result = submit_share(stack, person, view, "   ")
    assert result.json()["response_action"] == "errors"
    assert "empty" in result.json()["errors"]["answer"]
    result = submit_share(stack, person, view, "y" * (MAX_ANSWER_CHARS + 1))
    assert "4,000" in result.json()["errors"]["answer"]
    result = submit_share(stack, person, view, "fine", "t" * 81)
    assert "topic" in result.json()["errors"]
    assert answers(stack) == []


def test_the_share_button_of_a_missing_prompt_says_so(stack: Stack) -> None:
    _, message = post_prompt(stack)
    person = sharers(stack)[0]
    result, key = stack.driver.block_action(
        person, ids.ACTION_SHARE_ANSWER, "9999", channel_id=SHARE, message=message
    )
    assert result.status == 200
    responses = stack.emu.wait_for(lambda: stack.emu.responses(key))
    assert "This has moved on" in reply_text(responses[-1])


# --- the shortcut -----------------------------------------------------------------------------


def test_save_as_answer_keeps_any_message_with_an_optional_topic(stack: Stack) -> None:
    saver, author = sharers(stack)[:2]
    message = stack.emu.post_message(
        "C0COFFEE", author, "To expense a conference ticket, file it under Learning."
    )
    result, _ = stack.driver.message_shortcut(saver, ids.SHORTCUT_SAVE_ANSWER, "C0COFFEE", message)
    assert result.status == 200
    views = stack.emu.wait_for(lambda: stack.emu.open_views())
    view = views[-1]
    assert view["callback_id"] == ids.VIEW_SAVE_ANSWER and "Saved as an answer" in reply_text(view)
    answer = wait_answers(stack, 1)[0]
    assert (answer.user_id, answer.saved_by, answer.source, answer.channel_id) == (
        author,
        saver,
        "shortcut",
        "C0COFFEE",
    )
    assert answer.permalink.endswith(f"/archives/C0COFFEE/p{message['ts'].replace('.', '')}")
    result = stack.driver.view_submission(saver, view, {"topic": {"topic": text_input("Expenses")}})
    assert result.status == 200
    stack.emu.wait_for(lambda: answers(stack)[0].topic == "Expenses")
    assert "expens" in terms_of(stack, answer.id)
    text = search(stack, "expenses conference")
    assert "conference" in text and "Expenses" in text
    # Saving the same message again doesn't duplicate it; the modal says so.
    stack.driver.message_shortcut(sharers(stack)[2], ids.SHORTCUT_SAVE_ANSWER, "C0COFFEE", message)
    again = stack.emu.wait_for(
        lambda: len(stack.emu.open_views()) > len(views) and stack.emu.open_views()
    )
    assert "already saved" in reply_text(again[-1])
    assert len(answers(stack)) == 1
    # An edit of the original updates the saved answer; deleting it removes it.
    edit_event = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C0COFFEE",
        "message": {
            "type": "message",
            "user": author,
            "text": "File conference tickets under Learning & Development.",
            "ts": message["ts"],
        },
        "ts": f"{time.time():.6f}",
    }
    stack.driver.event(edit_event)
    stack.emu.wait_for(lambda: "Development" in answers(stack)[0].text)
    stack.driver.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C0COFFEE",
            "deleted_ts": message["ts"],
            "ts": f"{time.time():.6f}",
        }
    )
    stack.emu.wait_for(lambda: answers(stack) == [])


def test_save_as_answer_refuses_empty_long_and_mingles_own_messages(stack: Stack) -> None:
    saver = sharers(stack)[0]
    empty = stack.emu.post_message(SHARE, saver, "", blocks=[{"type": "divider"}])
    _, key = stack.driver.message_shortcut(saver, ids.SHORTCUT_SAVE_ANSWER, SHARE, empty)
    assert "empty" in reply_text(stack.emu.wait_for(lambda: stack.emu.responses(key))[-1])
    long = stack.emu.post_message(SHARE, saver, "z" * (MAX_ANSWER_CHARS + 1))
    _, key = stack.driver.message_shortcut(saver, ids.SHORTCUT_SAVE_ANSWER, SHARE, long)
    assert "4,000" in reply_text(stack.emu.wait_for(lambda: stack.emu.responses(key))[-1])
    _, prompt = post_prompt(stack)
    _, key = stack.driver.message_shortcut(saver, ids.SHORTCUT_SAVE_ANSWER, SHARE, prompt)
    assert "Mingle's own messages" in reply_text(
        stack.emu.wait_for(lambda: stack.emu.responses(key))[-1]
    )
    assert answers(stack) == []
    assert stack.emu.open_views() == []


# --- search -------------------------------------------------------------------------------


def test_search_ranks_answers_and_shows_excerpts_with_links(stack: Stack) -> None:
    _, message = post_prompt(stack)
    alice, bob, carol = sharers(stack)[:3]
    reply(
        stack,
        alice,
        "For Kubernetes upgrades, drain nodes one at a time and watch the pods.",
        message["ts"],
    )
    reply(stack, bob, "Kubernetes tip: kubectl explain shows every field.", message["ts"])
    reply(stack, carol, "Our sourdough starter needs feeding twice a day.", message["ts"])
    wait_answers(stack, 3)
    result = stack.command(carol, "answers kubernetes upgrade", channel_id=SHARE)
    assert_valid_message(result)
    text = reply_text(result)
    assert "Best 2 answers for “kubernetes upgrade”" in text
    assert text.index(f"<@{alice}>") < text.index(f"<@{bob}>")  # both words beat one
    assert "*Kubernetes* *upgrades*" in text
    assert "sourdough" not in text
    assert "Open in Slack" in text and "/archives/C0SHARE/p" in text
    assert "No answers match “quantum”" in search(stack, "quantum")
    assert "too short or too common" in search(stack, "the and of")


def test_search_by_person_lists_their_answers(stack: Stack) -> None:
    _, message = post_prompt(stack)
    alice, bob = sharers(stack)[:2]
    reply(stack, alice, "First tip from Alice about onboarding docs", message["ts"])
    reply(stack, alice, "Second tip from Alice about budgets", message["ts"])
    reply(stack, bob, "Bob's only answer", message["ts"])
    wait_answers(stack, 3)
    name = stack.sample.person(alice).name
    text = search(stack, f"<@{alice}|{name}>")
    assert f"*Answers by <@{alice}>* (2)" in text
    assert text.index("Second tip") < text.index("First tip")  # newest first
    assert "Bob's only answer" not in text
    carol = sharers(stack)[2]
    assert "hasn't shared any answers yet" in search(stack, f"<@{carol}|c>")
    assert "can't find that person" in search(stack, "<@U0NOBODY|ghost>")


def test_search_escapes_what_people_wrote(stack: Stack) -> None:
    _, message = post_prompt(stack)
    person = sharers(stack)[0]
    # As Slack sends it: &, < and > escaped, the broadcast as markup.
    text = "Ünïcode résumé tips <!channel> &amp; &lt;script&gt;alert&lt;/script&gt;"
    reply(stack, person, text, message["ts"])
    wait_answers(stack, 1)
    result = stack.command(person, "answers resume unicode", channel_id=SHARE)
    text = reply_text(result)
    assert "*résumé*" in text and "*Ünïcode*" in text
    assert "<!channel>" not in text and "<script>" not in text and "&lt;script&gt;" in text


# --- the digest ---------------------------------------------------------------------------------


def test_the_next_prompt_starts_with_a_digest_of_the_previous_one(stack: Stack) -> None:
    _, first = post_prompt(stack)
    alice, bob, carol, dave = sharers(stack)[:4]
    a = reply(stack, alice, "Write the runbook while the incident is fresh.", first["ts"])
    b = reply(stack, bob, "Keep a glossary of team acronyms <!here>.", first["ts"])
    reply(stack, carol, "Record short screen videos for onboarding.", first["ts"])
    reply(stack, alice, "Also: link the runbook from the alert.", first["ts"])
    wait_answers(stack, 4)
    for person in (carol, dave):
        react(stack, person, b)
    react(stack, dave, a)
    stack.emu.wait_for(lambda: reactions_of(stack, b) == 2 and reactions_of(stack, a) == 1)
    PromptService(stack.app.deps).post(TEAM, SHARE, stack.app.deps.clock() + dt.timedelta(days=7))
    second = stack.emu.wait_for(lambda: len(top_level(stack)) == 2 and top_level(stack))[-1]
    assert_valid_message(second)
    text = reply_text(second)
    assert "3 people shared 4 answers" in text
    assert "Most appreciated" in text
    names = {p: stack.sample.person(p).display_name for p in (alice, bob, carol)}
    assert text.index(names[bob]) < text.index(names[alice])  # most reactions first
    assert ":sparkles: 2 reactions" in text and "/archives/C0SHARE/p" in text
    assert "<!here>" not in text and f"<@{bob}>" not in text  # the digest never pings
    assert first["text"].split("Prompt: ")[1].split(" Reply in")[0][:30] in text
    assert "3 people shared 4 answers" in second["text"]


def test_a_digest_of_a_prompt_nobody_answered(stack: Stack) -> None:
    post_prompt(stack)
    PromptService(stack.app.deps).post(TEAM, SHARE, stack.app.deps.clock() + dt.timedelta(days=7))
    second = stack.emu.wait_for(lambda: len(top_level(stack)) == 2 and top_level(stack))[-1]
    assert "Nobody answered" in reply_text(second)
