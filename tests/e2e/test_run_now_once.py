"""`/mingle admin run-now` runs one round however it is sent: twice in a row, or from two
instances half a second apart across a minute boundary (the database decides); a second
run-now says when the round started and how to force another (`run-now again`)."""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from bot.core.blocks import Reply
from bot.core.status import OutboxKind, OutboxStatus
from bot.services import rounds
from bot.services.deps import Deps
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.models import OutboundMessage, Round
from tests.conftest import IdleWorker, MakeDeps, run_at_once
from tests.e2e.conftest import Stack, reply_text
from tests.e2e.test_rounds import coffee_people, join, setup
from tests.services.test_rounds import CHANNEL, PEOPLE, TEAM, add_members
from tests.test_scheduler import Clock, add_schedule

# 13:59:59.8 and 14:00:00.3 UTC: two requests half a second apart, in two different minutes.
BEFORE = dt.datetime(2032, 3, 1, 13, 59, 59, 800000, tzinfo=dt.UTC)
AFTER = BEFORE + dt.timedelta(seconds=0.5)


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}", tz="UTC")
    emu.add_channel(CHANNEL, name="coffee", members=PEOPLE)
    return emu


def rounds_in(deps: Deps) -> int:
    with deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Round)) or 0)


def intros(deps: Deps) -> int:
    with deps.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.kind == OutboxKind.ROUND_INTRO)
            )
            or 0
        )


def text(reply: Reply) -> str:
    return reply.text + " " + str(reply.blocks)


def test_two_instances_half_a_second_apart_across_a_minute_make_one_round(
    make_deps: MakeDeps, database_url: str
) -> None:
    clocks = [Clock(BEFORE), Clock(AFTER)]
    engines = [make_engine(database_url) for _ in clocks]
    instances = [
        make_deps(clock=c, engine=e, delivery=IdleWorker())
        for c, e in zip(clocks, engines, strict=True)
    ]
    add_members(instances[0], PEOPLE[:8])
    add_schedule(instances[0], timezone="UTC")
    replies: list[str] = []
    start = threading.Barrier(2)

    def run_now(deps: Deps) -> None:
        start.wait(timeout=10)
        reply, _ = rounds.run_now(deps, TEAM, CHANNEL)
        replies.append(text(reply))

    try:
        run_at_once([partial(run_now, d) for d in instances])
        assert rounds_in(instances[0]) == 1
        assert intros(instances[0]) == 4  # everyone introduced once
    finally:
        for engine in engines:
            engine.dispose()
    assert len(replies) == 2
    assert sum("Round started" in r for r in replies) == 1
    assert sum("A round started here at" in r and "just now" in r for r in replies) == 1


def test_a_second_run_now_says_when_the_round_started_and_again_forces_one(
    make_deps: MakeDeps,
) -> None:
    clock = Clock(BEFORE)
    deps = make_deps(clock=clock, delivery=IdleWorker())
    add_members(deps, PEOPLE[:8])
    add_schedule(deps, timezone="Europe/Berlin")
    first, planned = rounds.run_now(deps, TEAM, CHANNEL)
    assert planned.created and "Round started" in text(first)
    clock.now = BEFORE + dt.timedelta(minutes=3)
    second, planned = rounds.run_now(deps, TEAM, CHANNEL)
    assert not planned.created
    assert "A round started here at 14:59 (3 minutes ago)" in text(second)  # Berlin time
    assert "still on their way" in text(second)  # nothing was sent yet
    assert "/mingle admin run-now again" in text(second)
    assert rounds_in(deps) == 1
    forced, planned = rounds.run_now(deps, TEAM, CHANNEL, again=True)
    assert planned.created and "Round started" in text(forced)
    assert rounds_in(deps) == 2


def test_an_hour_later_a_delivered_round_no_longer_blocks_run_now(make_deps: MakeDeps) -> None:
    clock = Clock(BEFORE)
    deps = make_deps(clock=clock, delivery=IdleWorker())
    add_members(deps, PEOPLE[:8])
    add_schedule(deps, timezone="UTC")
    rounds.run_now(deps, TEAM, CHANNEL)
    clock.now = BEFORE + dt.timedelta(hours=2)
    still, planned = rounds.run_now(deps, TEAM, CHANNEL)  # its messages are still pending
    assert not planned.created and "still on their way" in text(still)
    with deps.sessions.begin() as session:
        for row in session.scalars(select(OutboundMessage)):
            row.status = OutboxStatus.SENT
    again, planned = rounds.run_now(deps, TEAM, CHANNEL)
    assert planned.created and "Round started" in text(again)


def test_run_now_again_over_slack(stack: Stack, clock: list[dt.datetime]) -> None:
    join(stack, coffee_people(stack)[:6])
    setup(stack)
    admin = stack.sample.admin_id
    assert "Round started" in reply_text(stack.command(admin, "admin run-now"))
    clock[0] += dt.timedelta(minutes=3)
    second = reply_text(stack.command(admin, "admin run-now"))
    assert "A round started here at" in second and "(3 minutes ago)" in second
    assert "run-now again" in second
    assert "Round started" in reply_text(stack.command(admin, "admin run-now again"))
    assert "takes nothing, or `again`" in reply_text(stack.command(admin, "admin run-now twice"))
    with stack.app.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 2
