"""What a person just asked for jumps a round's backlog; request threads never drain the
outbox when the worker runs elsewhere (`MINGLE_WORKER=false`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from bot.core.status import OutboxKind, OutboxStatus
from bot.services.delivery import DeliveryWorker, deliver_now
from bot.services.deps import Delivery, Deps
from bot.slack.pacing import Pacer
from bot.testing.emulator import SlackEmulator
from storage.repositories import outbox
from tests.conftest import MakeDeps

BACKLOG = 300
INTRO_KEY = "intro:T0001:1"


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for i in range(BACKLOG):
        emu.add_user(f"U{i:04d}", name=f"person{i}")
    emu.add_user("UANA", name="ana")
    emu.add_user("UBEN", name="ben")
    return emu


def enqueue_backlog(deps: Deps) -> None:
    now = dt.datetime.now(dt.UTC)
    with deps.sessions.begin() as session:
        for i in range(BACKLOG):
            outbox.enqueue(
                session,
                team_id="T0001",
                key=f"round:1:alone:U{i:04d}",
                kind=OutboxKind.ROUND_ALONE,
                text=f"No group this round, person {i}.",
                user_ids=[f"U{i:04d}"],
                not_before=now,
            )


def enqueue_intro(deps: Deps) -> None:
    with deps.sessions.begin() as session:
        outbox.enqueue(
            session,
            team_id="T0001",
            key=INTRO_KEY,
            kind=OutboxKind.INTRO,
            text="Ana, meet Ben!",
            user_ids=["UANA", "UBEN"],
            not_before=dt.datetime.now(dt.UTC),
        )


def posted(emu: SlackEmulator) -> list[str]:
    """The outbox keys of the messages posted so far, in order."""
    return [
        str(call.args["metadata"]["event_payload"]["key"])
        for call in emu.calls_to("chat.postMessage")
        if call.ok and call.args.get("metadata")
    ]


@pytest.mark.parametrize("woken", [True, False], ids=["this-instance", "another-instance"])
def test_an_intro_asked_for_mid_round_goes_before_the_backlog(
    make_deps: MakeDeps, emu: SlackEmulator, woken: bool
) -> None:
    """`woken`: asked for through this instance (which wakes its worker); else enqueued by
    another instance (MINGLE_WORKER=false there), which only the database tells about."""
    deps = make_deps()
    enqueue_backlog(deps)
    worker = DeliveryWorker(deps, pacer=Pacer(scale=10.0))
    deps.delivery.run(worker)
    try:
        emu.wait_for(lambda: len(posted(emu)) >= 20, timeout=60, message="20 posts")
        enqueue_intro(deps)
        asked_at, sent_before = time.monotonic(), len(posted(emu))
        if woken:
            deliver_now(deps)
        keys = emu.wait_for(
            lambda: (keys := posted(emu)) and INTRO_KEY in keys and keys, timeout=30
        )
        took = time.monotonic() - asked_at
    finally:
        deps.delivery.stop()
    position = keys.index(INTRO_KEY) - sent_before  # rows sent in between
    assert position <= 2, f"{position} backlog posts went first"
    assert took < 5.0
    assert len(keys) < BACKLOG  # the backlog was still draining
    with deps.sessions() as session:
        assert outbox.get_by_key(session, INTRO_KEY).status == OutboxStatus.SENT  # type: ignore[union-attr]


def test_without_a_worker_here_nothing_is_sent_from_the_request_thread(
    make_deps: MakeDeps, emu: SlackEmulator
) -> None:
    deps = dataclasses.replace(make_deps(), delivery=Delivery(inline=False))
    enqueue_intro(deps)
    emu.clear_calls()
    deliver_now(deps)  # what a handler calls after enqueueing
    assert emu.calls == []
    with deps.sessions() as session:
        assert outbox.counts(session)[OutboxStatus.PENDING] == 1


@pytest.mark.parametrize(
    "kind",
    [
        OutboxKind.INTRO,
        OutboxKind.SLOT_OFFER,  # "None of these work"
        OutboxKind.SLOT_AGREED,  # the confirmation of a time
        OutboxKind.SLOT_INVITE,
        OutboxKind.THANK_YOU,
    ],
)
def test_what_a_person_just_asked_for_is_sent_next(make_deps: MakeDeps, kind: OutboxKind) -> None:
    deps = make_deps()
    enqueue_backlog(deps)
    now = dt.datetime.now(dt.UTC)
    with deps.sessions.begin() as session:
        outbox.enqueue(
            session,
            team_id="T0001",
            key=f"asked:{kind}",
            kind=kind,
            text="Something Ana just asked for",
            user_ids=["UANA", "UBEN"],
            not_before=now,
        )
    with deps.sessions() as session:
        [first] = outbox.due(session, now + dt.timedelta(seconds=1), 1, team_id="T0001")
        assert first.kind == kind, f"{first.kind} goes before {kind}"
