"""Forget me while a round's intros are still to go out, through Slack: `/mingle leave
--forget` over HTTP, then what the partner and the channel see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import rounds
from bot.services.delivery import deliver_pending
from bot.services.profiles import ProfileService
from storage.models import Match, Member
from tests.e2e.conftest import MONDAY_SLOT, Stack, reply_text

pytestmark = pytest.mark.both_databases  # its promises hold on both databases

COFFEE = "C0COFFEE"


def plan_with(stack: Stack, count: int) -> list[list[str]]:
    """`count` members of #coffee-chats join, a weekly round of pairs is set up and planned
    (its messages not delivered yet); the groups it made."""
    people = [u for u in stack.sample.coffee_members if u.startswith("U0S")]
    people = sorted(people, key=lambda u: stack.sample.person(u).is_admin)[:count]
    profiles = ProfileService(stack.app.deps)
    for user_id in people:
        profiles.join("T0001", user_id)
    stack.command(stack.sample.admin_id, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    planned = rounds.plan_round(stack.app.deps, "T0001", COFFEE, MONDAY_SLOT)
    assert planned.groups == count // 2
    with stack.app.deps.sessions() as session:
        return [sorted(m.user_ids) for m in session.scalars(select(Match).order_by(Match.id))]


def dm(stack: Stack, *user_ids: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(*user_ids)
    return stack.emu.messages(channel) if channel else []


def seen_by_anyone(stack: Stack, needle: str) -> bool:
    return any(
        needle in str(message)
        for conversation in stack.emu.conversations()
        for message in stack.emu.messages(conversation["id"])
    )


def test_a_partner_left_alone_joins_another_group_and_the_summary_counts_it(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    first, second = plan_with(stack, 4)
    gone, partner = first
    name = stack.sample.person(gone).real_name

    assert "deleted" in reply_text(stack.command(gone, "leave --forget"))
    deliver_pending(stack.app.deps)

    intro = dm(stack, partner, *second)
    assert len(intro) == 1 and "coffee chat" in intro[0]["text"]
    assert f"<@{partner}>" in intro[0]["text"]
    assert dm(stack, *first) == []  # the group that lost her was never introduced
    summary = stack.emu.messages(COFFEE)[-1]
    assert "1 group this round" in summary["text"]
    assert "3 people were matched" in str(summary["blocks"])
    assert not seen_by_anyone(stack, gone) and not seen_by_anyone(stack, name)
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(Member).where(Member.user_id == gone)) is None


def test_a_partner_with_no_other_group_is_told_plainly(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    ((gone, partner),) = plan_with(stack, 2)
    name = stack.sample.person(gone).real_name

    assert "deleted" in reply_text(stack.command(gone, "leave --forget"))
    deliver_pending(stack.app.deps)

    (note,) = dm(stack, partner)
    assert "Your match" in note["text"] and "no longer on Mingle" in note["text"]
    assert "matched next round" in note["text"]
    assert gone not in str(note) and name not in str(note)
    assert dm(stack, gone, partner) == []
    assert not any("this round!" in m["text"] for m in stack.emu.messages(COFFEE))
