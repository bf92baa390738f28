"""Demo step: an admin turns answer-sharing prompts on in #til-and-answers; a prompt is
posted, three people answer in its thread, one answer gets reactions, someone searches the
answers, and the next prompt opens with a digest of the first."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.demo.context import DemoContext
from bot.services.prompts import PromptService, post_prompt_now
from bot.testing.sample import SHARE_CHANNEL
from storage.models import Answer

ANSWERS = (
    "For Kubernetes upgrades: drain one node at a time and watch the pods come back "
    "before moving on. `kubectl drain --ignore-daemonsets` is your friend.",
    "I keep a glossary of our team's acronyms in the wiki. New people love it.",
    "Terraform tip: always run `plan` in CI and paste it in the PR, then nobody is surprised "
    "by an upgrade.",
)


def _top_level(ctx: DemoContext) -> list[dict[str, Any]]:
    return list(ctx.emu.messages(SHARE_CHANNEL, include_replies=False))


def _reply(ctx: DemoContext, user_id: str, text: str, thread_ts: str) -> str:
    """`user_id` writes in the thread: the message is in Slack, and Slack tells Mingle."""
    message = ctx.emu.post_message(SHARE_CHANNEL, user_id, text, thread_ts=thread_ts)
    ctx.driver.event(
        {
            "type": "message",
            "channel": SHARE_CHANNEL,
            "channel_type": "channel",
            "user": user_id,
            "text": text,
            "ts": message["ts"],
            "thread_ts": thread_ts,
        }
    )
    ctx.out(f"\n@{ctx.name(user_id)} replies in the thread: {text}")
    return str(message["ts"])


def _react(ctx: DemoContext, user_id: str, ts: str, name: str) -> None:
    client = WebClient(base_url=ctx.emu.api_url, token=ctx.emu.user_token(user_id))
    client.reactions_add(channel=SHARE_CHANNEL, timestamp=ts, name=name)
    ctx.driver.event(
        {
            "type": "reaction_added",
            "user": user_id,
            "reaction": name,
            "item": {"type": "message", "channel": SHARE_CHANNEL, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
    )
    ctx.out(f"@{ctx.name(user_id)} reacts :{name}: to that answer.")


def run(ctx: DemoContext) -> None:
    sample, emu, deps = ctx.sample, ctx.emu, ctx.app.deps
    admin = sample.admin_id
    people = [u for u in sample.share_members if u not in (admin, sample.owner_id)]
    ctx.step("Prompts: an admin turns on answer-sharing prompts in #til-and-answers")
    ctx.command(admin, "admin prompts on", channel_id=SHARE_CHANNEL)
    ctx.command(
        admin,
        "admin prompts add What's a question you answered this week that others could use?",
        channel_id=SHARE_CHANNEL,
    )

    ctx.step("Wednesday, 10:00: the prompt is posted")
    post_prompt_now(deps, deps.team_id, SHARE_CHANNEL)
    prompt = emu.wait_for(lambda: _top_level(ctx), timeout=30)[-1]
    ctx.show("Everyone in #til-and-answers", "the channel", prompt.get("blocks"), prompt["text"])

    answered = [
        _reply(ctx, user, text, prompt["ts"]) for user, text in zip(people, ANSWERS, strict=False)
    ]
    _react(ctx, people[3], answered[0], "raised_hands")
    _react(ctx, people[4], answered[0], "bulb")
    ctx.emu.wait_for(lambda: _counted(ctx) == (3, 2), timeout=15)

    ctx.step("Finding answers later")
    ctx.command(people[5], "answers kubernetes upgrade", channel_id=SHARE_CHANNEL)
    first = people[0]
    ctx.command(
        people[5], f"answers <@{first}|{sample.person(first).name}>", channel_id=SHARE_CHANNEL
    )

    ctx.step("A week later: the next prompt opens with a digest of the last one")
    PromptService(deps).post(deps.team_id, SHARE_CHANNEL, deps.clock() + dt.timedelta(days=7))
    following = emu.wait_for(lambda: len(_top_level(ctx)) > 1 and _top_level(ctx), timeout=30)
    latest = following[-1]
    ctx.show("Everyone in #til-and-answers", "the channel", latest.get("blocks"), latest["text"])
    ctx.note(
        "Prompts: a prompt in #til-and-answers, 3 thread answers kept and searchable, "
        "a digest of the best ones on the next prompt."
    )


def _counted(ctx: DemoContext) -> tuple[int, int]:
    """(answers kept, reactions counted) so far."""
    with ctx.app.deps.sessions() as session:
        count, reactions = session.execute(
            select(func.count(), func.coalesce(func.sum(Answer.reaction_count), 0))
        ).one()
    return int(count), int(reactions)
