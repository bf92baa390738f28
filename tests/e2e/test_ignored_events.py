"""Events Mingle ignores cost no write; the events it acts on are still processed once.

The real app over HTTP against the emulator: every table's rows are counted before and after
a burst of workspace chatter (messages, replies in other threads, reactions to anything
but a kept answer, bot messages, joins).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from storage.models import Base, ProcessedEvent
from tests.e2e.conftest import Stack
from tests.e2e.test_prompts import SHARE, post_prompt, reactions_of, sharers, wait_answers


def rows(stack: Stack) -> dict[str, int]:
    """Rows in each table."""
    with stack.app.deps.sessions() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def processed(stack: Stack) -> set[str]:
    with stack.app.deps.sessions() as session:
        return set(session.scalars(select(ProcessedEvent.event_id)))


def chatter(stack: Stack, user_id: str, prompt_ts: str) -> list[dict[str, Any]]:
    """What a busy channel sends Mingle all day, none of it for Mingle."""
    ts = f"{time.time():.6f}"
    other = stack.emu.post_message(SHARE, user_id, "Lunch anyone?")
    return [
        {"type": "message", "channel": SHARE, "user": user_id, "text": "hi all", "ts": ts},
        {"type": "message", "channel": "C0COFFEE", "user": user_id, "text": "brb", "ts": ts},
        {  # a reply in someone else's thread
            "type": "message",
            "channel": SHARE,
            "user": user_id,
            "text": "me too",
            "ts": f"{time.time():.6f}",
            "thread_ts": other["ts"],
        },
        {  # someone joined: Slack's channel_join message
            "type": "message",
            "subtype": "channel_join",
            "channel": SHARE,
            "user": user_id,
            "text": "joined",
            "ts": ts,
        },
        {  # an edit and a deletion of a message that is not an answer
            "type": "message",
            "subtype": "message_changed",
            "channel": SHARE,
            "message": {"type": "message", "user": user_id, "text": "hello", "ts": other["ts"]},
            "ts": ts,
        },
        {"type": "message", "subtype": "message_deleted", "channel": SHARE, "deleted_ts": ts},
        {  # a reaction to an ordinary message, and to the prompt itself
            "type": "reaction_added",
            "user": user_id,
            "reaction": "tada",
            "item": {"type": "message", "channel": SHARE, "ts": other["ts"]},
        },
        {
            "type": "reaction_removed",
            "user": user_id,
            "reaction": "tada",
            "item": {"type": "message", "channel": SHARE, "ts": prompt_ts},
        },
        {"type": "app_home_opened", "user": user_id, "tab": "messages", "channel": "D1"},
    ]


def test_chatter_costs_no_write(stack: Stack) -> None:
    _, prompt = post_prompt(stack)
    people = sharers(stack)
    before = rows(stack)
    for round_ in range(20):
        for event in chatter(stack, people[round_ % len(people)], prompt["ts"]):
            assert stack.driver.event(event).status == 200
    assert rows(stack) == before


def test_events_mingle_acts_on_are_recorded_once(stack: Stack) -> None:
    _, prompt = post_prompt(stack)
    person, other = sharers(stack)[:2]
    posted = stack.emu.post_message(SHARE, person, "Use pipx for tools", thread_ts=prompt["ts"])
    answer = {
        "type": "message",
        "channel": SHARE,
        "user": person,
        "text": "Use pipx for tools",
        "ts": posted["ts"],
        "thread_ts": prompt["ts"],
    }
    stack.driver.event(answer, event_id="Ev1ANSWER")
    stack.driver.event(answer, event_id="Ev1ANSWER", retry_num=1)
    wait_answers(stack, 1)
    reaction = {
        "type": "reaction_added",
        "user": other,
        "reaction": "+1",
        "item": {"type": "message", "channel": SHARE, "ts": posted["ts"]},
    }
    stack.driver.event(reaction, event_id="Ev1REACT")
    stack.driver.event(reaction, event_id="Ev1REACT", retry_num=1)
    stack.emu.wait_for(lambda: reactions_of(stack, posted["ts"]) == 1)
    stack.home_event(person, event_id="Ev1HOME")
    assert {"Ev1ANSWER", "Ev1REACT", "Ev1HOME"} <= processed(stack)
