"""Planning rounds against the Slack emulator, on SQLite and PostgreSQL.

Members are stored directly (joining is the profiles feature's business); Slack is the
real emulator through a real WebClient.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core import outbox_keys
from bot.core.matching import common_ground
from bot.core.messages import rounds as messages
from bot.core.status import MatchOutcome, MemberStatus, OutboxStatus
from bot.errors import InvalidInputError, NotAllowedError, NotFoundError
from bot.services import round_followup, rounds
from bot.services.deps import Deps
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.models import (
    ChannelConfig,
    Match,
    Member,
    OutboundMessage,
    Round,
    RoundSkip,
    Schedule,
)
from storage.repositories import answers as answers_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import rounds as rounds_repo
from tests import seed
from tests.conftest import IdleWorker, MakeDeps, run_at_once

TEAM = "T0001"
CHANNEL = "C1"
PEOPLE = [f"U{i:02d}" for i in range(1, 11)]
NOW = dt.datetime(2032, 3, 1, 8, 0, tzinfo=dt.UTC)
SLOT = dt.datetime(2032, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 in Berlin
INTERESTS = ["chess", "climbing", "jazz", "baking", "rust", "go"]


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}", tz="Europe/Berlin")
    emu.add_user("UADMIN", name="ada", is_admin=True)
    emu.add_user("UROBOT", name="robot", is_bot=True)
    emu.add_user("UGONE", name="gone", deleted=True)
    emu.add_channel(CHANNEL, name="coffee", members=[*PEOPLE, "UADMIN", "UROBOT", "UGONE"])
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    deps = make_deps(clock=lambda: NOW, delivery=IdleWorker())
    with deps.sessions.begin() as session:
        session.add(ChannelConfig(team_id=TEAM, channel_id=CHANNEL, created_by="UADMIN"))
        seed.add_schedule(session, TEAM, CHANNEL, updated_at=NOW - dt.timedelta(days=7))
    return deps


def add_members(deps: Deps, user_ids: list[str], status: str = "active", **fields: Any) -> None:
    with deps.sessions.begin() as session:
        for index, user_id in enumerate(user_ids):
            member, _ = members_repo.get_or_create_member(session, TEAM, user_id)
            member.status = MemberStatus(status)
            member.display_name = f"Person {user_id}"
            member.team_name = ["Platform", "Data", "Sales"][index % 3]
            for key, value in fields.items():
                setattr(member, key, value)
            topics = [INTERESTS[index % 6], INTERESTS[(index + 1) % 6]]
            members_repo.set_topics(session, member, "interest", topics)


def count(deps: Deps, model: Any, *where: Any) -> int:
    with deps.sessions() as session:
        stmt = select(func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int(session.scalar(stmt) or 0)


def matched(deps: Deps) -> list[list[str]]:
    with deps.sessions() as session:
        return [sorted(m.user_ids) for m in session.scalars(select(Match).order_by(Match.id))]


def heads_up_sent(deps: Deps, user_id: str) -> tuple[str, str]:
    """Queue the slot's heads-ups and mark `user_id`'s as sent (the idle worker sends
    nothing); returns where it was "posted"."""
    with deps.sessions() as session:
        schedule = session.scalar(select(Schedule))
    assert schedule is not None
    round_followup.send_heads_up(deps, schedule, SLOT)
    where = (f"D{user_id}", "1700000000.000100")
    with deps.sessions.begin() as session:
        row = outbox_repo.get_by_key(session, outbox_keys.heads_up(TEAM, CHANNEL, SLOT, user_id))
        assert row is not None
        row.status = OutboxStatus.SENT
        row.sent_channel, row.sent_ts = where
    return where


# --- who takes part -------------------------------------------------------------------------


def test_everyone_is_matched_once_and_every_message_is_queued(deps: Deps) -> None:
    add_members(deps, PEOPLE)
    planned = rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert planned.created and planned.people == 10 and planned.groups == 5
    groups = matched(deps)
    assert sorted(u for g in groups for u in g) == PEOPLE
    with deps.sessions() as session:
        round_ = session.scalar(select(Round))
        assert round_ is not None
        assert (round_.status, round_.participant_count) == ("planned", 10)
        assert round_.scheduled_for == SLOT
        assert round_.followup_at == SLOT + dt.timedelta(days=3, hours=12)
        assert 0 < round_.total_score <= round_.upper_bound + 1e-6
        rows = list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
    intros = [r for r in rows if r.kind == "round_intro"]
    assert len(intros) == 5 and all(r.notify_user == "UADMIN" for r in rows)
    assert sorted(sorted(r.user_ids) for r in intros) == sorted(groups)
    assert all(r.match_id is not None and "Icebreaker" in r.text for r in intros)
    summary = [r for r in rows if r.kind == "round_summary"]
    assert len(summary) == 1 and summary[0].channel_id == CHANNEL
    assert "5 groups this round" in summary[0].text


def test_paused_left_skipped_and_not_joined_people_are_left_out(deps: Deps) -> None:
    add_members(deps, PEOPLE[:5])
    add_members(deps, [PEOPLE[5]], status="paused", paused_until=dt.date(2032, 4, 1))
    add_members(deps, [PEOPLE[6]], status="paused", paused_until=dt.date(2032, 3, 1))  # over
    add_members(deps, [PEOPLE[7]], status="left")
    add_members(deps, ["UROBOT", "UGONE"])  # a bot and a deactivated account
    with deps.sessions.begin() as session:
        rounds_repo.add_skip(session, TEAM, CHANNEL, SLOT, PEOPLE[0], NOW)
    # PEOPLE[8] and [9] are in the channel but never joined.
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    taking_part = {u for g in matched(deps) for u in g}
    assert taking_part == {*PEOPLE[1:5], PEOPLE[6]}


def test_a_single_participant_is_told_there_was_nobody_to_match(deps: Deps) -> None:
    add_members(deps, [PEOPLE[0]])
    planned = rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert planned.created and planned.groups == 0 and planned.alone == (PEOPLE[0],)
    assert matched(deps) == []
    with deps.sessions() as session:
        rows = list(session.scalars(select(OutboundMessage)))
    assert [(r.kind, r.user_ids) for r in rows] == [("round_alone", [PEOPLE[0]])]
    assert "nobody else to match" in rows[0].text


def test_a_round_without_participants_is_claimed_but_sends_nothing(deps: Deps) -> None:
    planned = rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert planned.created and planned.people == 0
    with deps.sessions() as session:
        assert session.scalar(select(Round.status)) == "empty"
    assert count(deps, OutboundMessage) == 0


# --- exactly once -----------------------------------------------------------------------------


def test_planning_the_same_slot_twice_does_nothing(deps: Deps) -> None:
    add_members(deps, PEOPLE)
    assert rounds.plan_round(deps, TEAM, CHANNEL, SLOT).created
    before = (count(deps, Round), count(deps, Match), count(deps, OutboundMessage))
    again = rounds.plan_round(deps, TEAM, CHANNEL, SLOT + dt.timedelta(seconds=20))
    assert not again.created
    assert (count(deps, Round), count(deps, Match), count(deps, OutboundMessage)) == before


def test_two_planners_at_the_same_time_make_one_round(
    make_deps: MakeDeps, deps: Deps, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_members(deps, PEOPLE)
    engines = [make_engine(database_url) for _ in range(2)]
    planners = [make_deps(clock=lambda: NOW, engine=engine) for engine in engines]
    barrier = threading.Barrier(2)
    results: list[rounds.PlannedRound] = []

    real_claim = rounds_repo.claim_round

    def claim_together(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=10)  # both have matched; now both try to claim
        return real_claim(*args, **kwargs)

    def plan(planner: Deps) -> None:
        results.append(rounds.plan_round(planner, TEAM, CHANNEL, SLOT))

    monkeypatch.setattr(rounds_repo, "claim_round", claim_together)
    try:
        run_at_once([partial(plan, p) for p in planners], timeout=30)
    finally:
        for engine in engines:
            engine.dispose()
    assert sorted(r.created for r in results) == [False, True]
    assert count(deps, Round) == 1 and count(deps, Match) == 5
    assert count(deps, OutboundMessage, OutboundMessage.kind == "round_intro") == 5


def test_the_round_and_its_messages_are_written_in_one_transaction(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_members(deps, PEOPLE)

    def broken(groups: int, people: int) -> Any:
        raise RuntimeError("summary failed")

    monkeypatch.setattr(messages, "summary_message", broken)
    with pytest.raises(RuntimeError):
        rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert count(deps, Round) == 0 and count(deps, Match) == 0
    assert count(deps, OutboundMessage) == 0
    monkeypatch.undo()
    assert rounds.plan_round(deps, TEAM, CHANNEL, SLOT).created  # the slot is still free


# --- what planning reads ----------------------------------------------------------------------


def test_timezones_come_from_one_users_list_call(deps: Deps, emu: SlackEmulator) -> None:
    add_members(deps, PEOPLE[:4], tz="UTC")
    emu.update_user(PEOPLE[0], tz="Asia/Kolkata")
    emu.clear_calls()
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert len(emu.calls_to("users.list")) == 1
    assert emu.calls_to("users.info") == []
    with deps.sessions() as session:
        tzs = {m.user_id: m.tz for m in session.scalars(select(Member))}
    assert tzs[PEOPLE[0]] == "Asia/Kolkata" and tzs[PEOPLE[1]] == "Europe/Berlin"


def test_channel_members_are_read_page_by_page(deps: Deps, emu: SlackEmulator) -> None:
    extra = [f"UX{i:03d}" for i in range(250)]
    for user_id in extra:
        emu.add_user(user_id, name=user_id.lower())
        emu.add_channel_member(CHANNEL, user_id)
    add_members(deps, extra)
    emu.clear_calls()
    planned = rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    assert planned.people == 250 and planned.groups == 125
    assert len(emu.calls_to("conversations.members")) >= 2


def test_what_people_answered_about_counts_as_help_they_can_give(deps: Deps) -> None:
    add_members(deps, PEOPLE[:6])
    with deps.sessions.begin() as session:
        learner = members_repo.get_member(session, TEAM, PEOPLE[0])
        assert learner is not None
        members_repo.set_topics(session, learner, "learn", ["kubernetes"])
        answers_repo.save_answer(
            session,
            team_id=TEAM,
            channel_id="C0SHARE",
            message_ts="1700000000.000100",
            user_id=PEOPLE[3],
            text="Drain the node first, then upgrade the kubelet.",
            search_text="Drain the node first, then upgrade the kubelet.",
            now=NOW,
            topic="Kubernetes",
        )
    roster = rounds.gather(deps, TEAM, CHANNEL, SLOT)
    helper = next(p for p in roster.participants if p.id == PEOPLE[3])
    assert "kubernetes" in helper.can_help
    learner_p = next(p for p in roster.participants if p.id == PEOPLE[0])
    reasons = common_ground(learner_p, helper, on=SLOT)
    assert any(r.kind == "learn_help" and "kubernetes" in r.text for r in reasons)
    others = [p for p in roster.participants if p.id not in (PEOPLE[0], PEOPLE[3])]
    assert all("kubernetes" not in p.can_help for p in others)


def test_recent_partners_are_not_matched_again(deps: Deps) -> None:
    add_members(deps, PEOPLE[:4])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    first = {tuple(g) for g in matched(deps)}
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT + dt.timedelta(days=7))
    second = {tuple(g) for g in matched(deps)} - first
    assert len(second) == 2 and not second & first


def test_people_left_out_last_time_get_a_boost(deps: Deps) -> None:
    add_members(deps, [PEOPLE[0]])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)  # alone
    add_members(deps, PEOPLE[1:4])
    next_week = SLOT + dt.timedelta(days=7)
    rounds.plan_round(deps, TEAM, CHANNEL, next_week)
    with deps.sessions.begin() as session:
        couldnt = session.scalars(select(Match).order_by(Match.id)).first()
        assert couldnt is not None
        couldnt.outcome = MatchOutcome.COULD_NOT
        sad = set(couldnt.user_ids)
    roster = rounds.gather(deps, TEAM, CHANNEL, SLOT + dt.timedelta(days=14))
    boosted = {p.id for p in roster.participants if p.boost > 0}
    assert boosted == sad
    roster = rounds.gather(deps, TEAM, CHANNEL, next_week)
    assert {p.id for p in roster.participants if p.boost > 0} == {PEOPLE[0]}


# --- scheduled rounds -------------------------------------------------------------------------


def change_schedule(deps: Deps, **columns: object) -> int:
    """Set `columns` on the channel's round schedule; its id."""
    with deps.sessions.begin() as session:
        schedule = session.scalar(select(Schedule))
        assert schedule is not None
        for name, value in columns.items():
            setattr(schedule, name, value)
        return schedule.id


def test_skip_next_skips_exactly_one_slot(deps: Deps) -> None:
    add_members(deps, PEOPLE[:4])
    schedule_id = change_schedule(deps, skip_next=True)
    assert rounds.scheduled_round(deps, schedule_id, SLOT) is None
    with deps.sessions() as session:
        assert session.scalar(select(Round.status)) == "skipped"
        assert session.scalar(select(Schedule.skip_next)) is False
    assert count(deps, OutboundMessage) == 0
    planned = rounds.scheduled_round(deps, schedule_id, SLOT + dt.timedelta(days=7))
    assert planned is not None and planned.groups == 2


def test_a_paused_schedule_plans_nothing(deps: Deps) -> None:
    add_members(deps, PEOPLE[:4])
    assert rounds.scheduled_round(deps, change_schedule(deps, enabled=False), SLOT) is None
    assert count(deps, Round) == 0


def test_skipping_after_the_round_started_is_refused(deps: Deps) -> None:
    add_members(deps, PEOPLE[:4])
    where = heads_up_sent(deps, PEOPLE[0])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)
    with pytest.raises(InvalidInputError, match="already started"):
        round_followup.skip_round(deps, TEAM, PEOPLE[0], CHANNEL, SLOT, where)
    assert count(deps, RoundSkip) == 0


def test_a_skip_is_kept_only_from_the_persons_own_heads_up(deps: Deps) -> None:
    add_members(deps, PEOPLE[:4])
    where = heads_up_sent(deps, PEOPLE[0])
    other = heads_up_sent(deps, PEOPLE[1])
    # Someone else's heads-up, a message Mingle never sent, another channel or slot: refused.
    for user_id, channel, slot, pressed in [
        (PEOPLE[0], CHANNEL, SLOT, other),
        (PEOPLE[0], CHANNEL, SLOT, ("C1", "1700000000.000100")),
        (PEOPLE[0], CHANNEL, SLOT, None),
        (PEOPLE[0], "C2", SLOT, where),
        (PEOPLE[0], CHANNEL, SLOT + dt.timedelta(days=7), where),
        (PEOPLE[2], CHANNEL, SLOT, where),
    ]:
        with pytest.raises(NotFoundError, match="moved on"):
            round_followup.skip_round(deps, TEAM, user_id, channel, slot, pressed)
    assert count(deps, RoundSkip) == 0
    # Someone who left Mingle, or the channel, since the heads-up can't skip either.
    with deps.sessions.begin() as session:
        member = members_repo.get_member(session, TEAM, PEOPLE[1])
        assert member is not None
        member.status = MemberStatus.LEFT
    with pytest.raises(NotAllowedError, match="not taking part"):
        round_followup.skip_round(deps, TEAM, PEOPLE[1], CHANNEL, SLOT, other)
    assert count(deps, RoundSkip) == 0
    reply, _ = round_followup.skip_round(deps, TEAM, PEOPLE[0], CHANNEL, SLOT, where)
    assert "skipping this round" in reply.text
    assert count(deps, RoundSkip) == 1


def test_heads_up_is_queued_once_per_person_and_slot(deps: Deps) -> None:
    add_members(deps, PEOPLE[:3])
    add_members(deps, [PEOPLE[3]], status="left")
    with deps.sessions() as session:
        schedule = session.scalar(select(Schedule))
    assert schedule is not None
    assert round_followup.send_heads_up(deps, schedule, SLOT) == 3
    assert round_followup.send_heads_up(deps, schedule, SLOT) == 0
    with deps.sessions() as session:
        rows = list(session.scalars(select(OutboundMessage)))
    assert sorted(r.user_ids[0] for r in rows) == PEOPLE[:3]
    assert all(r.kind == "heads_up" and "Skip this round" in str(r.blocks) for r in rows)
