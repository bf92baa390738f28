"""Keeping the database small: the daily prune, and facts matching needs kept on the round.

On SQLite and PostgreSQL, against the Slack emulator.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text, update

from bot.core import outbox_keys
from bot.core.status import MemberStatus, OutboxKind, OutboxStatus
from bot.services import retention, rounds
from bot.services.deps import Deps
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.migrate import alembic_config, downgrade, upgrade
from storage.models import ChannelConfig, OutboundMessage, ProcessedEvent, RoundAlone
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import retention as retention_repo
from tests.conftest import IdleWorker, MakeDeps

TEAM = "T0001"
CHANNEL = "C1"
PEOPLE = ["U01", "U02", "U03", "U04"]
NOW = dt.datetime(2032, 3, 1, 8, 0, tzinfo=dt.UTC)
SLOT = dt.datetime(2032, 3, 1, 9, 0, tzinfo=dt.UTC)
REVISION = "20261130_0008"  # round_alone, filled from the outbox


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}")
    emu.add_channel(CHANNEL, name="coffee", members=PEOPLE)
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    deps = make_deps(clock=lambda: NOW, delivery=IdleWorker())
    with deps.sessions.begin() as session:
        session.add(ChannelConfig(team_id=TEAM, channel_id=CHANNEL, created_by="U01"))
    return deps


def join(deps: Deps, user_ids: list[str]) -> None:
    with deps.sessions.begin() as session:
        for user_id in user_ids:
            member, _ = members_repo.get_or_create_member(session, TEAM, user_id)
            member.status = MemberStatus.ACTIVE


def at(deps: Deps, when: dt.datetime) -> Deps:
    return dataclasses.replace(deps, clock=lambda: when)


def count(deps: Deps, model: type) -> int:
    with deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def mark_all_sent(deps: Deps, when: dt.datetime) -> None:
    with deps.sessions.begin() as session:
        session.execute(
            update(OutboundMessage).values(
                status=OutboxStatus.SENT, sent_at=when, sent_channel="D1", sent_ts="1.000001"
            )
        )


def test_pruning_every_outbox_row_keeps_the_left_out_boost(deps: Deps) -> None:
    join(deps, ["U01"])
    rounds.plan_round(deps, TEAM, CHANNEL, SLOT)  # U01 is alone
    join(deps, PEOPLE[1:])
    mark_all_sent(deps, NOW)

    later = NOW + dt.timedelta(days=deps.settings.retention_days + 1)
    pruned = retention.prune(at(deps, later))
    assert pruned.messages >= 1
    assert count(deps, OutboundMessage) == 0

    roster = rounds.gather(deps, TEAM, CHANNEL, SLOT + dt.timedelta(days=7))
    assert {p.id for p in roster.participants if p.boost > 0} == {"U01"}


def test_prune_keeps_what_is_recent_or_not_done(deps: Deps) -> None:
    retention_days = deps.settings.retention_days
    old, recent = NOW - dt.timedelta(days=retention_days + 1), NOW - dt.timedelta(days=1)
    with deps.sessions.begin() as session:
        for key, status, when in [
            ("old-sent", OutboxStatus.SENT, old),
            ("old-failed", OutboxStatus.FAILED, old),
            ("old-skipped", OutboxStatus.SKIPPED, old),
            ("old-pending", OutboxStatus.PENDING, old),
            ("old-sending", OutboxStatus.SENDING, old),
            ("recent-sent", OutboxStatus.SENT, recent),
        ]:
            row = outbox.enqueue(
                session,
                team_id=TEAM,
                key=key,
                kind=OutboxKind.NUDGE,
                text="hi",
                user_ids=["U01"],
                not_before=when,
            )
            assert row is not None
            row.status, row.created_at = status, when
            row.sent_at = when if status == OutboxStatus.SENT else None
        for event_id, when in [("Ev-old", NOW - dt.timedelta(hours=25)), ("Ev-new", NOW)]:
            session.add(ProcessedEvent(team_id=TEAM, event_id=event_id, processed_at=when))

    pruned = retention.prune(deps)

    assert (pruned.events, pruned.messages) == (1, 3)
    with deps.sessions() as session:
        keys = set(session.scalars(select(OutboundMessage.key)))
        events = set(session.scalars(select(ProcessedEvent.event_id)))
    assert keys == {"old-pending", "old-sending", "recent-sent"}
    assert events == {"Ev-new"}
    assert retention.prune(deps) == retention.Pruned(0, 0)


def test_prune_works_in_batches(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention_repo, "BATCH", 2)
    with deps.sessions.begin() as session:
        for i in range(5):
            session.add(
                ProcessedEvent(
                    team_id=TEAM, event_id=f"Ev{i}", processed_at=NOW - dt.timedelta(days=2)
                )
            )
    assert retention.prune(deps).events == 5
    assert count(deps, ProcessedEvent) == 0


def test_the_prune_job_is_scheduled_daily() -> None:
    from bot.scheduler import PERIODIC_JOBS

    assert ("prune", retention.run_prune, 24 * 3600) in PERIODIC_JOBS


def test_migration_fills_who_was_alone_from_outbox_keys(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        url = engine.url.render_as_string(hide_password=False)
        before = ScriptDirectory.from_config(alembic_config(url)).get_revision(REVISION)
        assert before is not None and isinstance(before.down_revision, str)
        downgrade(engine, before.down_revision)  # the tests' database is at head
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO round (id, team_id, channel_id, scheduled_for, status,"
                    " participant_count, total_score, upper_bound, created_at)"
                    " VALUES (7, :team, :channel, :at, 'planned', 3, 0, 0, :at)"
                ),
                {"team": TEAM, "channel": CHANNEL, "at": NOW},
            )
            for key, kind in [
                (outbox_keys.round_alone(7, "U03"), "round_alone"),
                (outbox_keys.round_alone(99, "U04"), "round_alone"),  # round gone
                (outbox_keys.round_intro(7, 1), "round_intro"),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO outbound_message (team_id, key, kind, user_ids, text,"
                        " status, attempts, not_before, created_at, priority)"
                        " VALUES (:team, :key, :kind, '[]', '', 'sent', 1, :at, :at, 10)"
                    ),
                    {"team": TEAM, "key": key, "kind": kind, "at": NOW},
                )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(RoundAlone.round_id, RoundAlone.user_id)).all()
        assert [tuple(row) for row in rows] == [(7, "U03")]
    finally:
        engine.dispose()
