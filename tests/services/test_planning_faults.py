"""Faults while planning a scheduled slot: a failure that may pass is tried again within the
grace period (the claim stays idempotent); when it doesn't pass, or can't, the admin who set
the schedule up (else the workspace's admins) gets a DM saying what failed and how to run it
now. Slack's errors come from the emulator (`fail_next`), told apart by type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot import scheduler as sched
from bot.core.status import OutboxKind
from bot.services.deps import Deps
from bot.testing.emulator import SlackEmulator
from storage.models import OutboundMessage
from tests.conftest import IdleWorker, MakeDeps
from tests.services.test_rounds import CHANNEL, PEOPLE, add_members
from tests.test_scheduler import SLOT, Clock, add_schedule, rounds_planned


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for index, user_id in enumerate(PEOPLE):
        emu.add_user(user_id, name=f"person{index}", tz="Europe/Berlin")
    emu.add_user("UADMIN", name="ada", is_admin=True)
    emu.add_user("UOWNER", name="olu", is_owner=True)
    emu.add_channel(CHANNEL, name="coffee", members=[*PEOPLE, "UADMIN"])
    return emu


@pytest.fixture
def clock() -> Clock:
    return Clock(SLOT + dt.timedelta(seconds=5))


@pytest.fixture
def deps(make_deps: MakeDeps, clock: Clock) -> Deps:
    deps = make_deps(clock=clock, delivery=IdleWorker())
    add_members(deps, PEOPLE[:6])
    return deps


@dataclass
class Retries:
    """Stands in for the scheduler's one-off retry jobs: records them, runs them on demand."""

    asked: list[tuple[int, dt.datetime, int, dt.datetime]] = field(default_factory=list)

    def __call__(
        self, schedule_id: int, slot: dt.datetime, attempt: int, when: dt.datetime
    ) -> None:
        self.asked.append((schedule_id, slot, attempt, when))

    def run_next(self, deps: Deps, clock: Clock) -> None:
        schedule_id, slot, attempt, when = self.asked.pop(0)
        clock.now = when
        sched.retry_slot(deps, schedule_id, slot, attempt, self)


def notes_to(deps: Deps, user_id: str) -> list[OutboundMessage]:
    with deps.sessions() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        return [
            row
            for row in rows
            if row.user_ids == [user_id]
            and row.kind in (OutboxKind.ROUND_PROBLEM, OutboxKind.ADMIN_NOTICE)
        ]


def test_one_internal_error_from_users_list_is_retried_and_the_round_runs(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps, created_by="UADMIN")
    emu.fail_next("users.list", "internal_error")
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    assert rounds_planned(deps) == 0  # the failed plan left no claim behind
    assert [(a, w - clock.now) for _, _, a, w in retries.asked] == [(2, dt.timedelta(minutes=1))]
    assert notes_to(deps, "UADMIN") == []
    retries.run_next(deps, clock)
    assert rounds_planned(deps) == 1
    assert retries.asked == [] and notes_to(deps, "UADMIN") == []
    sched.fire_slot(deps, schedule_id, retries)  # another instance firing late: nothing new
    assert rounds_planned(deps) == 1


def test_a_lasting_slack_outage_tells_the_admin_who_set_it_up_once(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps, created_by="UADMIN")
    emu.fail_next("conversations.members", "internal_error", times=50)
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    waits = []
    while retries.asked:
        waits.append(retries.asked[0][3] - clock.now)
        retries.run_next(deps, clock)
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert rounds_planned(deps) == 0
    [note] = notes_to(deps, "UADMIN")
    assert note.kind == OutboxKind.ROUND_PROBLEM
    assert "Slack had a temporary problem (internal_error)" in note.text
    assert "tried 6 times" in note.text
    assert f"<#{CHANNEL}>" in note.text and "/mingle admin run-now" in note.text
    sched.catch_up(deps)  # the slot failing again later tells nobody twice
    assert len(notes_to(deps, "UADMIN")) == 1


def test_no_retry_past_the_grace_period(deps: Deps, emu: SlackEmulator, clock: Clock) -> None:
    schedule_id = add_schedule(deps, created_by="UADMIN")
    clock.now = SLOT + sched.GRACE_PERIOD - dt.timedelta(seconds=30)
    emu.fail_next("users.list", "ratelimited", retry_after=0, times=10)
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    assert retries.asked == []
    [note] = notes_to(deps, "UADMIN")
    assert "Slack kept asking me to slow down" in note.text


def test_mingle_removed_from_the_channel_is_reported_at_once(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps, created_by="UADMIN")
    emu.remove_channel_member(CHANNEL, emu.bot_user_id)
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    assert retries.asked == []  # waiting won't fix it
    [note] = notes_to(deps, "UADMIN")
    assert "/invite @Mingle" in note.text


def test_without_a_known_admin_the_workspace_admins_are_told(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps)  # set up before Mingle recorded who did it
    emu.remove_channel_member(CHANNEL, emu.bot_user_id)
    sched.fire_slot(deps, schedule_id, Retries())
    assert len(notes_to(deps, "UADMIN")) == 1 and len(notes_to(deps, "UOWNER")) == 1
    assert notes_to(deps, PEOPLE[0]) == []


def test_a_prompt_slot_is_retried_then_reported_the_same_way(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps, kind="prompt", created_by="UADMIN")
    emu.fail_next("conversations.info", "internal_error", times=50)
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    assert len(retries.asked) == 1
    while retries.asked:
        retries.run_next(deps, clock)
    [note] = notes_to(deps, "UADMIN")
    assert "couldn't post the prompt" in note.text
    assert "Slack had a temporary problem" in note.text
    with deps.sessions() as session:
        assert (
            session.scalar(select(OutboundMessage.id).where(OutboundMessage.kind == "prompt"))
            is None
        )


def test_the_scheduler_turns_a_retry_into_a_one_off_job(deps: Deps, emu: SlackEmulator) -> None:
    schedule_id = add_schedule(deps, created_by="UADMIN")
    emu.fail_next("users.list", "internal_error")
    scheduler = sched.build_scheduler(deps)  # not started: its jobs are only listed
    scheduler.schedule_jobs.sync()
    sched.fire_slot(deps, schedule_id, scheduler.schedule_jobs.retry)
    job = scheduler.get_job(f"retry:{schedule_id}:20320301T0900Z")
    assert job is not None and job.func is sched.retry_slot
    assert job.args[3] == 2


def run_out_of_retries(deps: Deps, schedule_id: int, clock: Clock) -> None:
    retries = Retries()
    sched.fire_slot(deps, schedule_id, retries)
    while retries.asked:
        retries.run_next(deps, clock)
    assert rounds_planned(deps) == 0


def test_a_lasting_outage_with_nobody_on_record_tells_the_workspace_admins(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    schedule_id = add_schedule(deps)  # whoever set it up was forgotten (or never recorded)
    emu.fail_next("conversations.members", "internal_error", times=50)
    run_out_of_retries(deps, schedule_id, clock)
    assert len(notes_to(deps, "UADMIN")) == 1 and len(notes_to(deps, "UOWNER")) == 1
    assert notes_to(deps, PEOPLE[0]) == []


def test_when_slack_cannot_list_the_admins_those_who_set_up_other_channels_are_told(
    deps: Deps, emu: SlackEmulator, clock: Clock
) -> None:
    """users.list is down for the whole grace period, so Slack can't say who the admins
    are: the admins Mingle knows from setting up its other channels hear of it."""
    schedule_id = add_schedule(deps)
    add_schedule(deps, channel_id="C0OTHER", created_by="UOWNER")
    emu.fail_next("users.list", "internal_error", times=50)
    run_out_of_retries(deps, schedule_id, clock)
    [note] = notes_to(deps, "UOWNER")
    assert "Slack had a temporary problem (internal_error)" in note.text
    assert notes_to(deps, "UADMIN") == []
