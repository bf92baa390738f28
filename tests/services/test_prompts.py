"""Prompt and answer services against the Slack emulator, on SQLite and PostgreSQL.

Slack is the real emulator through a real WebClient; the scheduler's entry point is the one
the prompts feature registers.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import scheduler
from bot.errors import NotAllowedError, NotFoundError
from bot.services.answers import AnswerService, SharedAnswer
from bot.services.deps import Deps
from bot.services.prompts import PromptService, post_prompt_now, post_scheduled_prompt
from bot.testing.emulator import SlackEmulator
from storage.models import Answer, OutboundMessage, Prompt
from storage.repositories import members as members_repo
from tests import seed
from tests.conftest import MakeDeps, run_at_once

TEAM = "T0001"
CHANNEL = "C1"
PEOPLE = ["UA", "UB", "UC"]
# In the future, so outbox rows (dated by the real clock) are due by the app's clock.
SLOT = dt.datetime(2033, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Wednesday, 10:00 in Berlin


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for user_id in PEOPLE:
        emu.add_user(user_id, name=user_id.lower(), display_name=f"Person {user_id}")
    emu.add_channel(CHANNEL, name="til", members=PEOPLE)
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    return make_deps(clock=lambda: SLOT + dt.timedelta(minutes=1))


def count(deps: Deps, model: type) -> int:
    with deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def top_level(emu: SlackEmulator) -> list[dict]:
    return emu.messages(CHANNEL, include_replies=False)


def test_the_scheduler_runs_prompt_schedules(deps: Deps, emu: SlackEmulator) -> None:
    assert scheduler.SCHEDULED_KINDS["prompt"] is post_scheduled_prompt
    with deps.sessions.begin() as session:
        schedule = seed.add_schedule(
            session, TEAM, CHANNEL, kind="prompt", weekday=2, updated_at=SLOT - dt.timedelta(days=3)
        )
    scheduler.fire_slot(deps, schedule.id)
    scheduler.fire_slot(deps, schedule.id)  # a second instance firing the same slot
    posted = emu.wait_for(lambda: top_level(emu))
    assert len(posted) == 1 and posted[0]["text"].startswith("Prompt: ")
    with deps.sessions() as session:
        prompt = session.scalar(select(Prompt))
        assert prompt is not None and prompt.scheduled_for == SLOT
        row = session.scalar(select(OutboundMessage))
        assert row is not None
        assert (row.kind, row.key, row.status) == ("prompt", f"prompt:{prompt.id}", "sent")
    assert scheduler.catch_up(deps) == 1  # catching up finds the slot already claimed
    assert len(top_level(emu)) == 1


def test_racing_posts_for_one_slot_post_once(deps: Deps, emu: SlackEmulator) -> None:
    results: list[int | None] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        results.append(PromptService(deps).post(TEAM, CHANNEL, SLOT))

    run_at_once([post] * 4)
    assert len([r for r in results if r is not None]) == 1
    assert count(deps, Prompt) == 1 and count(deps, OutboundMessage) == 1
    emu.wait_for(lambda: top_level(emu))
    assert len(top_level(emu)) == 1


def thread_reply(
    deps: Deps, emu: SlackEmulator, user: str, text: str, thread_ts: str
) -> tuple[str, str]:
    message = emu.post_message(CHANNEL, user, text, thread_ts=thread_ts)
    event = {"type": "message", "channel": CHANNEL, "user": user, "text": text}
    outcome = AnswerService(deps).on_message(
        TEAM, {**event, "ts": message["ts"], "thread_ts": thread_ts}
    )
    return str(message["ts"]), outcome


def test_capture_outcomes(deps: Deps, emu: SlackEmulator) -> None:
    post_prompt_now(deps, TEAM, CHANNEL)
    prompt_ts = emu.wait_for(lambda: top_level(emu))[0]["ts"]
    service = AnswerService(deps)
    ts, outcome = thread_reply(deps, emu, "UA", "Keep a changelog", prompt_ts)
    assert outcome == "captured"
    again = {"type": "message", "channel": CHANNEL, "user": "UA", "text": "Keep a changelog"}
    assert service.on_message(TEAM, {**again, "ts": ts, "thread_ts": prompt_ts}) == "duplicate"
    assert thread_reply(deps, emu, "UB", "Unrelated", "1.000001")[1] == "ignored"
    bot = {**again, "ts": "2.1", "thread_ts": prompt_ts, "bot_id": "B1"}
    assert service.on_message(TEAM, bot) == "ignored"
    mine = {**again, "user": "UBOT", "ts": "2.2", "thread_ts": prompt_ts}
    assert service.on_message(TEAM, mine) == "ignored"
    joined = {**again, "ts": "2.3", "thread_ts": prompt_ts, "subtype": "channel_join"}
    assert service.on_message(TEAM, joined) == "ignored"
    top = {**again, "ts": "2.4"}
    assert service.on_message(TEAM, top) == "ignored"
    assert service.on_message(TEAM, {"type": "message", "subtype": "message_deleted"}) == "ignored"
    broadcast = {**again, "ts": "2.5", "thread_ts": prompt_ts, "subtype": "thread_broadcast"}
    assert service.on_message(TEAM, broadcast) == "captured"
    assert count(deps, Answer) == 2


def test_a_reply_before_the_prompt_was_delivered_is_not_an_answer(deps: Deps) -> None:
    # A prompt claimed but not sent yet: its message ts is unknown, so no thread matches.
    with deps.sessions.begin() as session:
        session.add(
            Prompt(
                team_id=TEAM,
                channel_id=CHANNEL,
                scheduled_for=SLOT,
                bank_key="builtin:0",
                text="Q?",
            )
        )
    event = {"type": "message", "channel": CHANNEL, "user": "UA", "text": "hi"}
    outcome = AnswerService(deps).on_message(TEAM, {**event, "ts": "5.2", "thread_ts": "5.1"})
    assert outcome == "ignored"
    assert count(deps, Answer) == 0


def test_a_modal_answer_for_an_undelivered_prompt_is_kept_without_a_post(
    deps: Deps, emu: SlackEmulator
) -> None:
    with deps.sessions.begin() as session:
        prompt = Prompt(
            team_id=TEAM, channel_id=CHANNEL, scheduled_for=SLOT, bank_key="builtin:0", text="Q?"
        )
        session.add(prompt)
    service = AnswerService(deps)
    shared = SharedAnswer(prompt.id, "Use the staging cluster", "staging", "V1")
    answer = service.share(TEAM, "UA", shared)
    assert answer is not None and answer.message_ts == "modal:V1" and answer.source == "modal"
    assert service.share(TEAM, "UA", shared) is not None  # the same submission again
    assert count(deps, Answer) == 1
    assert emu.messages(CHANNEL) == []
    with pytest.raises(NotFoundError, match="moved on"):  # another workspace's prompt
        service.share("T0OTHER", "UA", shared)
    assert count(deps, Answer) == 1


def test_only_people_in_the_prompts_channel_see_it_or_answer_it(
    deps: Deps, emu: SlackEmulator
) -> None:
    emu.add_channel("G1", name="secret", members=["UB"], is_private=True)
    with deps.sessions.begin() as session:
        prompt = Prompt(
            team_id=TEAM, channel_id="G1", scheduled_for=SLOT, bank_key="builtin:0", text="Q?"
        )
        session.add(prompt)
    service = AnswerService(deps)
    shared = SharedAnswer(prompt.id, "Use the staging cluster", "staging", "V1")
    with pytest.raises(NotAllowedError, match="in that prompt's channel"):
        service.open_share_modal(TEAM, "UA", prompt.id, "1337.1")
    with pytest.raises(NotAllowedError, match="in that prompt's channel"):
        service.share(TEAM, "UA", shared)
    assert count(deps, Answer) == 0 and emu.open_views() == []
    assert service.share(TEAM, "UB", shared) is not None


def test_the_digest_names_people_without_mentioning_them(deps: Deps, emu: SlackEmulator) -> None:
    with deps.sessions.begin() as session:
        member, _ = members_repo.get_or_create_member(session, TEAM, "UA")
        member.display_name = "Ana from Mingle"
    post_prompt_now(deps, TEAM, CHANNEL)
    prompt_ts = emu.wait_for(lambda: top_level(emu))[0]["ts"]
    a, _ = thread_reply(deps, emu, "UA", "Answer one <!channel>", prompt_ts)
    b, _ = thread_reply(deps, emu, "UB", "Answer two", prompt_ts)
    service = AnswerService(deps)
    for user in ("UB", "UC"):
        reaction: dict[str, Any] = {
            "type": "reaction_added",
            "user": user,
            "item": {"type": "message"},
        }
        reaction["item"] |= {"channel": CHANNEL, "ts": b}
        assert service.on_reaction(TEAM, reaction, +1) == "counted"
    own: dict[str, Any] = {"type": "reaction_added", "user": "UBOT", "item": {"type": "message"}}
    own["item"] |= {"channel": CHANNEL, "ts": a}
    assert service.on_reaction(TEAM, own, +1) == "ignored"  # Mingle's own reactions
    file_reaction = {"type": "reaction_added", "user": "UC", "item": {"type": "file"}}
    assert service.on_reaction(TEAM, file_reaction, +1) == "ignored"
    with deps.sessions() as session:
        prompt = session.scalar(select(Prompt))
        assert prompt is not None
    names = PromptService(deps).digest_names(TEAM, prompt.id)  # Slack, with no session open
    with deps.sessions() as session:
        digest = PromptService(deps).digest(session, prompt, names)
    assert (digest.people, digest.answers) == (2, 2)
    assert [(v.author, v.reactions) for v in digest.top] == [
        ("Person UB", 2),
        ("Ana from Mingle", 0),
    ]
    assert digest.top[1].text == "Answer one @channel"
