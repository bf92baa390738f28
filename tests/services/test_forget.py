"""Forget me while a round's intros are still to go out, on SQLite and PostgreSQL: the partner
left alone joins another group of the round or is told plainly, a group that keeps two people
is introduced without them, the summary counts what is left, and a message whose admin was
forgotten tells the workspace's admins when it fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import outbox_keys
from bot.core.status import MemberStatus, OutboxKind, OutboxStatus
from bot.services import rounds
from bot.services.delivery import deliver_pending
from bot.services.deps import Deps
from bot.services.forget import forget_member
from bot.testing.emulator import SlackEmulator
from storage.models import ChannelConfig, Match, OutboundMessage, Round
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import rounds as rounds_repo
from tests.conftest import IdleWorker, MakeDeps, only_id

TEAM = "T0001"
CHANNEL = "C1"
PEOPLE = [f"U{i:02d}" for i in range(1, 8)]
NOW = dt.datetime(2032, 3, 1, 8, 0, tzinfo=dt.UTC)
SLOT = dt.datetime(2032, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}", real_name=f"Person Number{index}")
    emu.add_user("UADMIN", name="ada", is_admin=True)
    emu.add_channel(CHANNEL, name="coffee", members=[*PEOPLE, "UADMIN"])
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    return make_deps(clock=lambda: NOW, delivery=IdleWorker())


def set_up(deps: Deps, people: list[str], size: int = 2, by: str = "UADMIN") -> None:
    with deps.sessions.begin() as session:
        session.add(ChannelConfig(team_id=TEAM, channel_id=CHANNEL, group_size=size, created_by=by))
        for index, user_id in enumerate(people):
            member, _ = members_repo.get_or_create_member(session, TEAM, user_id)
            member.status = MemberStatus.ACTIVE
            member.display_name = f"Person{index}"
            member.real_name = f"Person Number{index}"
            members_repo.set_topics(session, member, "interest", ["chess", f"topic{index}"])


def groups(deps: Deps) -> list[list[str]]:
    with deps.sessions() as session:
        return [sorted(m.user_ids) for m in session.scalars(select(Match).order_by(Match.id))]


def rows(deps: Deps, kind: OutboxKind) -> list[OutboundMessage]:
    with deps.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.kind == kind)
                .order_by(OutboundMessage.id)
            )
        )


def pending_intros(deps: Deps) -> list[list[str]]:
    return sorted(
        sorted(row.user_ids)
        for row in rows(deps, OutboxKind.ROUND_INTRO)
        if row.status == OutboxStatus.PENDING
    )


def assert_no_trace(row: Any, user_id: str, name: str) -> None:
    text = f"{row.text} {row.blocks} {row.user_ids}"
    assert user_id not in text and name not in text


def test_a_partner_left_alone_joins_another_pending_group(deps: Deps) -> None:
    set_up(deps, PEOPLE[:4])
    planned = rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert planned.groups == 2
    gone, partner = groups(deps)[0]
    other = groups(deps)[1]

    done = forget_member(deps, TEAM, gone)

    assert done.regrouped == 1 and done.told_alone == 0
    assert groups(deps) == [sorted([*other, partner])]
    assert pending_intros(deps) == [sorted([*other, partner])]
    intro = next(r for r in rows(deps, OutboxKind.ROUND_INTRO) if r.status == "pending")
    assert f"<@{partner}>" in intro.text and "Icebreaker" in intro.text
    index = PEOPLE.index(gone)
    assert_no_trace(intro, gone, f"Person{index}")
    (summary,) = rows(deps, OutboxKind.ROUND_SUMMARY)
    assert summary.status == "pending"
    assert "1 group this round" in summary.text
    assert "3 people were matched" in str(summary.blocks)
    with deps.sessions() as session:
        round_ = session.scalar(select(Round))
        assert round_ is not None and round_.participant_count == 3
    assert not rows(deps, OutboxKind.ROUND_ALONE)


def test_a_partner_with_no_other_group_is_told_plainly(deps: Deps) -> None:
    set_up(deps, PEOPLE[:2])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    gone, partner = PEOPLE[0], PEOPLE[1]

    done = forget_member(deps, TEAM, gone)

    assert done.told_alone == 1
    assert groups(deps) == []  # the group never met: its intro never went out
    (note,) = rows(deps, OutboxKind.ROUND_ALONE)
    assert note.user_ids == [partner] and note.status == "pending"
    assert note.key == outbox_keys.round_alone(only_id(deps, Round.id), partner)
    assert "Your match" in note.text and "no longer on Mingle" in note.text
    assert "next round" in note.text
    assert_no_trace(note, gone, "Person0")
    with deps.sessions() as session:
        round_ = session.scalar(select(Round))
        assert round_ is not None and rounds_repo.alone_in(session, round_) == [partner]
    (intro,) = rows(deps, OutboxKind.ROUND_INTRO)
    assert intro.status == "skipped" and intro.text == "" and intro.user_ids == []
    (summary,) = rows(deps, OutboxKind.ROUND_SUMMARY)
    assert summary.status == "skipped"  # no group is left to announce


def test_a_group_that_keeps_two_people_is_introduced_without_them(deps: Deps) -> None:
    set_up(deps, PEOPLE[:3], size=3)
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert groups(deps) == [sorted(PEOPLE[:3])]

    done = forget_member(deps, TEAM, PEOPLE[1])

    assert done.reintroduced == 1
    assert groups(deps) == [[PEOPLE[0], PEOPLE[2]]]
    (intro,) = rows(deps, OutboxKind.ROUND_INTRO)
    assert intro.status == "pending" and sorted(intro.user_ids) == [PEOPLE[0], PEOPLE[2]]
    assert_no_trace(intro, PEOPLE[1], "Person1")
    with deps.sessions() as session:
        match = session.scalar(select(Match))
        assert match is not None and all("Person1" not in r for r in match.reasons)
    (summary,) = rows(deps, OutboxKind.ROUND_SUMMARY)
    assert "1 group this round" in summary.text and "2 people" in str(summary.blocks)


def test_a_sent_intro_is_left_as_sent(deps: Deps) -> None:
    set_up(deps, PEOPLE[:4])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    with deps.sessions.begin() as session:
        for row in session.scalars(select(OutboundMessage)):
            row.status = OutboxStatus.SENT
    gone, partner = groups(deps)[0]

    forget_member(deps, TEAM, gone)

    assert sorted(map(len, groups(deps))) == [1, 2]  # both groups still count
    assert not rows(deps, OutboxKind.ROUND_ALONE)


def test_when_the_admin_who_set_it_up_is_forgotten_the_workspace_admins_are_told(
    deps: Deps, emu: SlackEmulator
) -> None:
    set_up(deps, PEOPLE[:1], by=PEOPLE[6])
    with deps.sessions.begin() as session:
        outbox_repo.enqueue(
            session,
            team_id=TEAM,
            key="round:99:summary",
            kind=OutboxKind.ROUND_SUMMARY,
            text="1 group this round!",
            channel_id=CHANNEL,
            notify_user=PEOPLE[6],
            not_before=NOW,
        )
    forget_member(deps, TEAM, PEOPLE[6])
    with deps.sessions() as session:
        config = session.scalar(select(ChannelConfig))
        assert config is not None and config.created_by == ""
    emu.remove_channel_member(CHANNEL, emu.bot_user_id)

    deliver_pending(deps)

    notices = rows(deps, OutboxKind.ADMIN_NOTICE)
    assert [n.user_ids for n in notices] == [["UADMIN"]]
    assert "invite me back" in notices[0].text
