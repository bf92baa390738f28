"""Shared pacing: workers of several instances together keep to Slack's rate limits.

Two instances are two `Deps` on the same database, each with its own engine and pacer, each
running a `DeliveryWorker`. The emulator enforces Slack's tier limits (scaled, so a "Slack
minute" lasts three seconds). Only the holder of the workspace's delivery lease sends, so the
pair sends as fast as one worker may and no faster.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.core.status import OutboxKind, OutboxStatus
from bot.services import delivery_lease
from bot.services.delivery import DeliveryWorker, deliver_pending
from bot.services.deps import Deps
from bot.slack.pacing import Pacer, per_minute
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine
from storage.repositories import delivery_lease as lease_repo
from storage.repositories import outbox
from tests.conftest import MakeDeps, posted_keys

TEAM = "T0001"
PAIRS = 80
SCALE = 20.0  # conversations.open: 50 a Slack minute = 3 s here


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for i in range(2 * PAIRS):
        emu.add_user(f"U{i:03d}", name=f"person{i}")
    return emu


def enqueue_round(deps: Deps) -> list[str]:
    keys = [f"round:1:intro:{i}" for i in range(PAIRS)]
    with deps.sessions.begin() as session:
        for i, key in enumerate(keys):
            outbox.enqueue(
                session,
                team_id=TEAM,
                key=key,
                kind=OutboxKind.ROUND_INTRO,
                text=f"Meet each other! (pair {i})",
                user_ids=[f"U{2 * i:03d}", f"U{2 * i + 1:03d}"],
                not_before=deps.clock(),
            )
    return keys


@pytest.fixture
def second_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_two_instances_draining_one_backlog_keep_to_the_limit(
    make_deps: MakeDeps, emu: SlackEmulator, second_engine: Engine
) -> None:
    first, second = make_deps(), make_deps(engine=second_engine)
    keys = enqueue_round(first)
    emu.set_rate_limits(True, scale=SCALE)
    workers = [
        DeliveryWorker(deps, pacer=Pacer(scale=SCALE), idle_wait=0.5) for deps in (first, second)
    ]
    for worker in workers:
        worker.start()
    try:
        emu.wait_for(
            lambda: sum(w.totals.sent for w in workers) == PAIRS,
            timeout=PAIRS / (per_minute("conversations.open") * SCALE / 60) * 3 + 10,
            message="every intro sent",
        )
    finally:
        for worker in workers:
            worker.stop()

    assert posted_keys(emu) == Counter({key: 1 for key in keys})  # no duplicates
    calls = emu.calls
    refused = sum(1 for call in calls if call.status == 429)
    assert refused <= 0.01 * len(calls), f"{refused} of {len(calls)} calls answered 429"
    # No window of a Slack minute holds more calls than Slack allows (refused ones count).
    limit, window = per_minute("conversations.open"), 60 / SCALE
    tried = sorted(call.at for call in calls if call.method == "conversations.open")
    busiest = max(bisect.bisect_right(tried, at + window) - i for i, at in enumerate(tried))
    assert busiest <= limit, f"{busiest} calls in one Slack minute; Slack allows {limit}"
    # Throughput against the bound is a speed figure: benchmarks/bench_delivery.py measures it
    # (a timed assertion here would fail on a loaded machine, not on a broken lease).
    with first.sessions() as session:
        assert outbox.counts(session)[OutboxStatus.SENT] == PAIRS
    # Both tried; the lease is free again once they are done.
    assert all(w.totals.sent + w.totals.busy > 0 for w in workers)
    assert delivery_lease.lease_holder(first) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_lease_left_by_a_killed_instance_is_taken_over_once_stale(
    make_deps: MakeDeps, emu: SlackEmulator, second_engine: Engine
) -> None:
    clock = FakeClock()
    deps = make_deps(clock=clock, engine=second_engine)
    keys = enqueue_round(deps)[:3]
    with deps.sessions.begin() as session:  # an instance took the lease and was killed
        assert lease_repo.take(session, TEAM, "killed:1:x", clock(), delivery_lease.LEASE_TTL)

    report = deliver_pending(deps, pacer=Pacer(scale=1000), limit=3)
    assert (report.sent, report.busy) == (0, 1)
    assert posted_keys(emu) == Counter()

    clock.now += delivery_lease.LEASE_TTL + dt.timedelta(seconds=1)
    report = deliver_pending(deps, pacer=Pacer(scale=1000), limit=3)
    assert (report.sent, report.busy) == (3, 0)
    assert posted_keys(emu) == Counter({key: 1 for key in keys})
    assert delivery_lease.lease_holder(deps) is None


def test_the_holder_keeps_its_lease_and_others_wait(make_deps: MakeDeps) -> None:
    clock = FakeClock()
    deps = make_deps(clock=clock)
    ttl = delivery_lease.LEASE_TTL
    with deps.sessions.begin() as session:
        assert lease_repo.take(session, TEAM, "a", clock(), ttl)
        assert lease_repo.take(session, TEAM, "a", clock(), ttl)  # its own: kept
        assert not lease_repo.take(session, TEAM, "b", clock(), ttl)
    clock.now += dt.timedelta(seconds=10)
    with deps.sessions.begin() as session:
        assert lease_repo.renew(session, TEAM, "a", clock())
    clock.now += dt.timedelta(seconds=10)  # 20 s after taking it, 10 s after renewing
    with deps.sessions.begin() as session:
        assert not lease_repo.take(session, TEAM, "b", clock(), ttl)
        lease_repo.give_up(session, TEAM, "a")
        assert lease_repo.take(session, TEAM, "b", clock(), ttl)
        assert not lease_repo.renew(session, TEAM, "a", clock())
