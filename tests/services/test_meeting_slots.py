"""Meeting times and working hours against the database, on SQLite and PostgreSQL: the last
members of a group picking the same time at once confirm it exactly once, and working hours
are stored and read back as the slots need them.

The end-to-end tests (tests/e2e/test_meeting_times.py) cover what people see on SQLite.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.core.status import OutboxKind
from bot.services import meeting_slots, preferences
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.models import MeetingSlot, Member, OutboundMessage, SlotPick
from storage.repositories import meeting_slots as repo
from tests import seed
from tests.conftest import IdleWorker, MakeDeps, run_at_once

TEAM = "T0001"
NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)  # a Monday
PEOPLE = ("U1", "U2", "U3")


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for user_id in PEOPLE:
        emu.add_user(user_id, name=user_id.lower(), tz="Europe/Berlin")
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    return make_deps(clock=lambda: NOW, delivery=IdleWorker())


def a_trio_with_a_time(deps: Deps) -> tuple[int, int]:
    """A group of three in the channel's latest round, offered one time; (group, slot)."""
    with deps.sessions.begin() as session:
        match = seed.add_match(session, TEAM, "C1", NOW - dt.timedelta(hours=1), list(PEOPLE))
        (slot,) = repo.add_slots(session, TEAM, match.id, [NOW + dt.timedelta(days=1)], 1, NOW)
        return match.id, slot.id


def count(deps: Deps, query: Any) -> int:
    with deps.sessions() as session:
        return int(session.scalar(query) or 0)


def test_the_last_two_picking_at_once_confirm_exactly_once(
    make_deps: MakeDeps, deps: Deps, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    match_id, slot_id = a_trio_with_a_time(deps)
    meeting_slots.pick(deps, TEAM, "U1", str(slot_id))
    engines: list[Engine] = [make_engine(database_url) for _ in range(2)]
    instances = [make_deps(clock=lambda: NOW, engine=e, delivery=IdleWorker()) for e in engines]
    # Each press waits (up to 2 s) for the other just before counting who picked: without
    # the group's lock both would count before either commits, and neither would confirm.
    barrier = threading.Barrier(2, timeout=2)
    real_pickers = repo.pickers

    def count_together(*args: Any, **kwargs: Any) -> Any:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other press is waiting for the lock this one holds
        return real_pickers(*args, **kwargs)

    answers: list[str] = []

    def press(instance: Deps, user_id: str) -> None:
        answers.append(str(meeting_slots.pick(instance, TEAM, user_id, str(slot_id)).text))

    monkeypatch.setattr(repo, "pickers", count_together)
    try:
        run_at_once([partial(press, instances[0], "U2"), partial(press, instances[1], "U3")])
    finally:
        for engine in engines:
            engine.dispose()
    assert len(answers) == 2  # neither press failed
    kinds = select(OutboundMessage.kind).where(OutboundMessage.match_id == match_id)
    with deps.sessions() as session:
        sent = sorted(session.scalars(kinds))
        slot = session.get(MeetingSlot, slot_id)
        assert slot is not None and slot.agreed_at == NOW
    assert sent == sorted([OutboxKind.SLOT_AGREED, OutboxKind.SLOT_INVITE])
    assert count(deps, select(func.count()).select_from(SlotPick)) == 3


def test_working_hours_are_stored_and_offered_within(deps: Deps) -> None:
    ProfileService(deps).join(TEAM, "U1")
    preferences.hours(deps, TEAM, "U1", "08:30-16:30 mon-thu")
    preferences.hours(deps, TEAM, "U2", "13:00-21:00 thu")  # a newcomer: a profile is made
    with deps.sessions() as session:
        stored = {
            m.user_id: (m.work_start, m.work_end, m.work_days)
            for m in session.scalars(select(Member).order_by(Member.user_id))
        }
        people = meeting_slots.availability(session, TEAM, ["U1", "U2", "U3"])
    assert stored["U1"][:2] == (dt.time(8, 30), dt.time(16, 30))
    assert stored["U2"][:2] == (dt.time(13), dt.time(21))
    assert stored["U1"][2] != stored["U2"][2]
    assert [(p.start, p.end) for p in people] == [
        (dt.time(8, 30), dt.time(16, 30)),
        (dt.time(13), dt.time(21)),
        (dt.time(9), dt.time(17)),  # no profile: the defaults
    ]
    assert people[0].tz == "Europe/Berlin"
