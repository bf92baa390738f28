"""The scheduler: slot triggers (DST-safe), syncing jobs with stored schedules, catch-up,
and two schedulers racing for one slot. No test sleeps: triggers and jobs are called
directly, with a controlled clock."""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import scheduler as sched
from bot.core.schedule import Cadence, next_run
from bot.services.deps import Deps
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.models import Member, OutboundMessage, Round, Schedule
from tests import seed
from tests.conftest import IdleWorker, MakeDeps, run_at_once
from tests.services.test_rounds import CHANNEL, PEOPLE, TEAM, add_members

UTC = dt.UTC
BERLIN_MONDAYS = Cadence("weekly", 0, dt.time(10), "Europe/Berlin")
# Monday 1 March 2032, 10:00 in Berlin (CET, UTC+1).
SLOT = dt.datetime(2032, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}", tz="Europe/Berlin")
    emu.add_user("UADMIN", name="ada", is_admin=True)
    emu.add_channel(CHANNEL, name="coffee", members=[*PEOPLE, "UADMIN"])
    return emu


@pytest.fixture
def clock() -> Clock:
    return Clock(SLOT - dt.timedelta(days=3))


@pytest.fixture
def deps(make_deps: MakeDeps, clock: Clock) -> Deps:
    deps = make_deps(clock=clock, delivery=IdleWorker())
    add_members(deps, PEOPLE[:6])
    return deps


def add_schedule(deps: Deps, **fields: Any) -> int:
    """The id of a schedule (`tests.seed.add_schedule`) of this module's channel, set up a
    month before `SLOT` unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "updated_at": SLOT - dt.timedelta(days=30),
        **fields,
    }
    with deps.sessions.begin() as session:
        return int(seed.add_schedule(session, **values).id)


def rounds_planned(deps: Deps) -> int:
    with deps.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Round)) or 0)


# --- the trigger ------------------------------------------------------------------------------


def test_slot_trigger_fires_at_local_wall_clock_time_across_dst() -> None:
    trigger = sched.SlotTrigger(BERLIN_MONDAYS)
    saturday = dt.datetime(2026, 3, 21, 12, tzinfo=UTC)
    first = trigger.get_next_fire_time(None, saturday)
    assert first == dt.datetime(2026, 3, 23, 9, tzinfo=UTC)  # 10:00 CET
    second = trigger.get_next_fire_time(first, first)
    assert second == dt.datetime(2026, 3, 30, 8, tzinfo=UTC)  # 10:00 CEST
    autumn = trigger.get_next_fire_time(None, dt.datetime(2026, 10, 24, tzinfo=UTC))
    assert autumn == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)  # back to CET
    # a slot exactly at "now" still fires; the one after follows a previous fire time
    assert trigger.get_next_fire_time(None, first) == first
    assert trigger.get_next_fire_time(first - dt.timedelta(days=7), first) == first


def test_slot_trigger_agrees_with_next_run_for_every_cadence() -> None:
    cadences = [
        Cadence("weekly", 6, dt.time(23, 30), "Pacific/Auckland"),
        Cadence("biweekly", 2, dt.time(2, 30), "America/New_York", dt.date(2026, 1, 7)),
        Cadence("monthly", 4, dt.time(9), "Asia/Kolkata"),
    ]
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    for cadence in cadences:
        trigger = sched.SlotTrigger(cadence)
        fire = trigger.get_next_fire_time(None, start)
        expected = next_run(cadence, start)
        for _ in range(30):
            assert fire == expected
            fire = trigger.get_next_fire_time(fire, fire)
            expected = next_run(cadence, expected)


def test_heads_up_trigger_fires_a_day_before_each_slot() -> None:
    trigger = sched.SlotTrigger(BERLIN_MONDAYS, -dt.timedelta(days=1))
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 3, 21, tzinfo=UTC))
    assert fire == dt.datetime(2026, 3, 22, 9, tzinfo=UTC)
    assert trigger.get_next_fire_time(fire, fire) == dt.datetime(2026, 3, 29, 8, tzinfo=UTC)


def test_slot_due_only_within_the_grace_period() -> None:
    assert sched.slot_due(BERLIN_MONDAYS, SLOT) == SLOT
    assert sched.slot_due(BERLIN_MONDAYS, SLOT + sched.GRACE_PERIOD) == SLOT
    late = SLOT + sched.GRACE_PERIOD + dt.timedelta(minutes=1)
    assert sched.slot_due(BERLIN_MONDAYS, late) is None


# --- jobs from stored schedules -------------------------------------------------------------


def test_each_schedule_gets_a_job_that_fires_at_its_slot(deps: Deps, clock: Clock) -> None:
    schedule_id = add_schedule(deps)
    scheduler = sched.build_scheduler(deps)
    scheduler.start(paused=True)
    try:
        scheduler.schedule_jobs.sync()
        job = scheduler.get_job(f"schedule:{schedule_id}")
        heads_up = scheduler.get_job(f"heads-up:{schedule_id}")
        assert job is not None and heads_up is not None
        now = dt.datetime.now(UTC)
        assert job.next_run_time == next_run(BERLIN_MONDAYS, now)
        assert heads_up.next_run_time == next_run(BERLIN_MONDAYS, now + dt.timedelta(days=1)) - (
            dt.timedelta(days=1)
        )
        # The job's trigger names SLOT as the fire time once the week before has passed...
        assert job.trigger.get_next_fire_time(None, SLOT - dt.timedelta(days=6)) == SLOT
        assert job.trigger.get_next_fire_time(SLOT - dt.timedelta(days=7), SLOT) == SLOT
        # ...and running the job at that time plans the round, once.
        clock.now = SLOT + dt.timedelta(seconds=30)
        job.func(*job.args)
        job.func(*job.args)
        assert rounds_planned(deps) == 1
    finally:
        scheduler.shutdown(wait=False)


def test_sync_follows_schedule_changes(deps: Deps) -> None:
    schedule_id = add_schedule(deps)
    add_schedule(deps, channel_id="C2", kind="unknown-kind")
    scheduler = sched.build_scheduler(deps)
    scheduler.start(paused=True)
    try:
        jobs = scheduler.schedule_jobs
        jobs.sync()
        assert set(jobs.known) == {schedule_id}
        first = scheduler.get_job(f"schedule:{schedule_id}")
        assert first is not None and first.next_run_time.hour in (8, 9)
        with deps.sessions.begin() as session:
            stored = session.get(Schedule, schedule_id)
            assert stored is not None
            stored.time_of_day = "15:45"
        jobs.sync()
        moved = scheduler.get_job(f"schedule:{schedule_id}")
        assert moved is not None and moved.next_run_time.minute == 45
        with deps.sessions.begin() as session:
            stored = session.get(Schedule, schedule_id)
            assert stored is not None
            stored.enabled = False
        jobs.sync()
        assert scheduler.get_job(f"schedule:{schedule_id}") is None
        assert scheduler.get_job(f"heads-up:{schedule_id}") is None
        assert jobs.known == {}
    finally:
        scheduler.shutdown(wait=False)


def test_a_late_job_does_not_run_an_old_slot(deps: Deps, clock: Clock) -> None:
    schedule_id = add_schedule(deps)
    clock.now = SLOT + sched.GRACE_PERIOD + dt.timedelta(minutes=5)
    sched.fire_slot(deps, schedule_id)
    assert rounds_planned(deps) == 0
    clock.now = SLOT + dt.timedelta(minutes=5)
    sched.fire_slot(deps, schedule_id)
    assert rounds_planned(deps) == 1


def test_heads_up_job_queues_the_heads_ups(deps: Deps, clock: Clock) -> None:
    schedule_id = add_schedule(deps)
    clock.now = SLOT - dt.timedelta(days=2)
    sched.fire_heads_up(deps, schedule_id)  # too early: nothing
    clock.now = SLOT - dt.timedelta(days=1)
    sched.fire_heads_up(deps, schedule_id)
    with deps.sessions() as session:
        kinds = list(session.scalars(select(OutboundMessage.kind)))
    assert kinds == ["heads_up"] * 6


# --- catch-up and races -----------------------------------------------------------------------


def test_catch_up_runs_a_missed_slot_within_grace(deps: Deps, clock: Clock) -> None:
    add_schedule(deps)
    clock.now = SLOT + dt.timedelta(hours=2)  # the app was down at 10:00
    assert sched.catch_up(deps) == 1
    assert rounds_planned(deps) == 1
    assert sched.catch_up(deps) == 1  # runs again, plans nothing new
    assert rounds_planned(deps) == 1


def test_catch_up_leaves_old_slots_and_slots_before_the_setup(deps: Deps, clock: Clock) -> None:
    add_schedule(deps)
    add_schedule(deps, channel_id="C2", updated_at=SLOT + dt.timedelta(minutes=30))
    clock.now = SLOT + sched.GRACE_PERIOD + dt.timedelta(hours=1)
    assert sched.catch_up(deps) == 0
    clock.now = SLOT + dt.timedelta(hours=1)
    assert sched.catch_up(deps) == 1  # C1 only: C2 was set up after its 10:00 slot
    assert rounds_planned(deps) == 1


def test_two_schedulers_firing_the_same_slot_plan_one_round(
    make_deps: MakeDeps, deps: Deps, database_url: str, clock: Clock
) -> None:
    schedule_id = add_schedule(deps)
    clock.now = SLOT + dt.timedelta(seconds=5)
    engines = [make_engine(database_url) for _ in range(2)]
    instances = [make_deps(clock=clock, engine=e, delivery=IdleWorker()) for e in engines]
    start = threading.Barrier(2)

    def fire(instance: Deps) -> None:
        start.wait(timeout=10)
        sched.fire_slot(instance, schedule_id)

    try:
        run_at_once([partial(fire, i) for i in instances])
    finally:
        for engine in engines:
            engine.dispose()
    assert rounds_planned(deps) == 1
    with deps.sessions() as session:
        intros = session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.kind == "round_intro")
        )
    assert intros == 3


# --- the rest of the wiring -------------------------------------------------------------------


def test_expired_pauses_are_resumed(deps: Deps, clock: Clock) -> None:
    add_members(deps, [PEOPLE[6]], status="paused", paused_until=clock.now.date())
    add_members(deps, [PEOPLE[7]], status="paused", paused_until=SLOT.date())
    sched.resume_expired_pauses(deps)
    with deps.sessions() as session:
        status = dict(session.execute(select(Member.user_id, Member.status)).all())
    assert status[PEOPLE[6]] == "active" and status[PEOPLE[7]] == "paused"


def test_start_scheduler_runs_every_job_and_the_delivery_worker(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    jobs = [*sched.PERIODIC_JOBS, ("test-job", lambda d: calls.append("ran"), 3600)]
    monkeypatch.setattr(sched, "PERIODIC_JOBS", jobs)
    schedule_id = add_schedule(deps)
    prompt_id = add_schedule(deps, kind="prompt")
    scheduler = sched.start_scheduler(deps)
    try:
        assert isinstance(scheduler, sched.MingleScheduler)
        ids = {job.id for job in scheduler.get_jobs()}
        assert {
            "sync-schedules",
            "round-followups",
            "resume-pauses",
            "reconnect-nudges",
            "test-job",
        } <= ids
        assert {f"schedule:{schedule_id}", f"heads-up:{schedule_id}"} <= ids
        assert f"schedule:{prompt_id}" in ids and f"heads-up:{prompt_id}" not in ids
        assert deps.delivery.running
        assert str(scheduler.timezone) == "UTC"
    finally:
        scheduler.shutdown(wait=True)
    assert not deps.delivery.running
