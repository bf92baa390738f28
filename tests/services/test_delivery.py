"""Delivery of the outbox against the Slack emulator, on SQLite and PostgreSQL.

Every test talks to a real `SlackEmulator` through a real `WebClient` (as the app builds it).
Crashes are simulated by leaving rows exactly as a killed worker would; the end-to-end crash
test with a real process lives in tests/e2e/test_delivery_crash.py.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest

from bot.core import outbox_keys
from bot.core.status import OutboxKind, OutboxStatus
from bot.services import delivery
from bot.services.delivery import DeliveryReport, DeliveryWorker, deliver_pending
from bot.services.deps import Deps
from bot.slack.pacing import Pacer, per_minute
from bot.testing.emulator import SlackEmulator
from storage.models import Match, OutboundMessage, Prompt, Round
from storage.repositories import outbox
from tests import seed
from tests.conftest import MakeDeps, posted_keys, run_at_once

TEAM = "T0001"


class FakeClock:
    """deps.clock: starts at the real time (Slack's ts are real), moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    emu.add_user("U1", name="alice", real_name="Alice Liddell")
    emu.add_user("U2", name="bob", real_name="Bob Builder")
    emu.add_user("U3", name="carol", real_name="Carol Danvers")
    emu.add_user("U4", name="dave", real_name="Dave Grohl")
    emu.add_user("UADMIN", name="ada", real_name="Ada Admin", is_admin=True)
    emu.add_user("UGONE", name="gone", real_name="Gone Person", deleted=True)
    emu.add_channel("C1", name="coffee", members=["U1", "U2", "U3", "U4", "UADMIN"])
    return emu


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def deps(make_deps: MakeDeps, clock: FakeClock) -> Deps:
    return make_deps(clock=clock)


def fast_pacer() -> Pacer:
    return Pacer(scale=1000)


def enqueue(deps: Deps, key: str, **kwargs: Any) -> int:
    kwargs.setdefault("kind", "round_intro")
    kwargs.setdefault("text", f"Hello from {key}")
    kwargs.setdefault("not_before", deps.clock())
    with deps.sessions.begin() as session:
        row = outbox.enqueue(session, team_id=TEAM, key=key, **kwargs)
        assert row is not None
        return row.id


def stored(deps: Deps, key: str) -> OutboundMessage:
    with deps.sessions() as session:
        row = outbox.get_by_key(session, key)
        assert row is not None
        return row


def deliver(deps: Deps, **kwargs: Any) -> DeliveryReport:
    kwargs.setdefault("pacer", fast_pacer())
    return deliver_pending(deps, **kwargs)


def make_match(deps: Deps, users: list[str]) -> int:
    with deps.sessions.begin() as session:
        return seed.add_match(session, TEAM, "C1", deps.clock(), users).id


SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*You three* should meet"}}


# -- the outbox repository --------------------------------------------------------------


def test_enqueue_is_idempotent_and_keeps_the_callers_transaction(deps: Deps) -> None:
    with deps.sessions.begin() as session:
        first = outbox.enqueue(
            session, team_id=TEAM, key="k", kind=OutboxKind.NUDGE, text="a", user_ids=["U1"]
        )
        round_ = Round(team_id=TEAM, channel_id="C1", scheduled_for=deps.clock())
        session.add(round_)
        again = outbox.enqueue(
            session, team_id=TEAM, key="k", kind=OutboxKind.NUDGE, text="b", user_ids=["U2"]
        )
    assert first is not None and again is None
    with deps.sessions() as session:
        assert session.query(Round).count() == 1
        rows = session.query(OutboundMessage).all()
    assert [(r.key, r.text, r.user_ids, r.status) for r in rows] == [("k", "a", ["U1"], "pending")]


@pytest.mark.parametrize(
    "audience",
    [
        {"channel_id": "C1", "user_ids": ["U1"]},
        {},
        {"user_ids": [f"U{i}" for i in range(9)]},
        {"user_ids": ["U1"], "ephemeral_user": "U1"},
    ],
)
def test_enqueue_rejects_a_bad_audience(deps: Deps, audience: dict[str, Any]) -> None:
    with deps.sessions.begin() as session, pytest.raises(ValueError):
        outbox.enqueue(
            session, team_id=TEAM, key="bad", kind=OutboxKind.NUDGE, text="x", **audience
        )


def test_claim_is_a_compare_and_set(deps: Deps) -> None:
    row_id = enqueue(deps, "once", user_ids=["U1"])
    now = deps.clock()
    with deps.sessions.begin() as session:
        assert outbox.claim(session, row_id, now)
    with deps.sessions.begin() as session:
        assert not outbox.claim(session, row_id, now)
        assert outbox.counts(session)[OutboxStatus.SENDING] == 1
        row = outbox.get(session, row_id)
        assert row is not None and row.attempts == 1
        # Writes fenced by an older claim do nothing.
        assert not outbox.mark_sent(session, row_id, 0, channel="D1", ts="1.0", now=now)
        assert outbox.mark_sent(session, row_id, 1, channel="D1", ts="1.0", now=now)


def test_due_and_stale_in_flight(deps: Deps, clock: FakeClock) -> None:
    later = enqueue(deps, "later", user_ids=["U1"], not_before=clock() + dt.timedelta(hours=1))
    now_id = enqueue(deps, "now", user_ids=["U1"])
    with deps.sessions.begin() as session:
        assert [r.id for r in outbox.due(session, clock(), 10)] == [now_id]
        assert outbox.next_due_at(session) == clock()
        outbox.claim(session, now_id, clock())
    clock.advance(60)
    with deps.sessions() as session:
        assert outbox.stale_in_flight(session, clock(), dt.timedelta(minutes=5)) == []
        assert [r.id for r in outbox.stale_in_flight(session, clock(), dt.timedelta(0))] == [now_id]
        assert later not in [r.id for r in outbox.due(session, clock(), 10)]


# -- sending ------------------------------------------------------------------------------


def test_group_dm_is_opened_and_posted_with_metadata(deps: Deps, emu: SlackEmulator) -> None:
    match_id = make_match(deps, ["U1", "U2", "U3"])
    enqueue(
        deps, "round:1:intro:1", user_ids=["U1", "U2", "U3"], blocks=[SECTION], match_id=match_id
    )

    report = deliver(deps)

    assert report.sent == 1 and report.failed == 0
    channel = emu.dm_channel("U1", "U2", "U3")
    assert channel is not None
    [message] = emu.messages(channel)
    assert message["metadata"] == {
        "event_type": "mingle_outbox",
        "event_payload": {"key": "round:1:intro:1"},
    }
    assert message["text"] == "Hello from round:1:intro:1"
    assert message["blocks"][0]["text"]["text"] == "*You three* should meet"
    assert message["has_text_fallback"]
    row = stored(deps, "round:1:intro:1")
    assert (row.status, row.sent_channel, row.sent_ts, row.attempts) == (
        "sent",
        channel,
        message["ts"],
        1,
    )
    assert row.sent_at is not None
    with deps.sessions() as session:
        match = session.get(Match, match_id)
        assert match is not None and match.conversation_id == channel
    [open_call] = emu.calls_to("conversations.open")
    assert set(open_call.args["users"].split(",")) == {"U1", "U2", "U3"}


def test_a_sent_prompt_knows_its_message(deps: Deps, emu: SlackEmulator) -> None:
    with deps.sessions.begin() as session:
        prompt = Prompt(
            team_id=TEAM, channel_id="C1", scheduled_for=deps.clock(), bank_key="b:0", text="?"
        )
        session.add(prompt)
        session.flush()
        prompt_id = prompt.id
    key = outbox_keys.prompt(prompt_id)
    enqueue(deps, key, kind=OutboxKind.PROMPT, channel_id="C1")

    assert deliver(deps).sent == 1

    [message] = emu.messages("C1")
    sent_at = stored(deps, key).sent_at
    with deps.sessions() as session:
        stored_prompt = session.get(Prompt, prompt_id)
        assert stored_prompt is not None
        assert (stored_prompt.message_ts, stored_prompt.posted_at) == (message["ts"], sent_at)


def test_channel_post_and_thread_reply(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "summary", kind="round_summary", channel_id="C1", text="Round is on")
    assert deliver(deps).sent == 1
    [summary] = emu.messages("C1")
    enqueue(deps, "reply", kind="round_summary", channel_id="C1", thread_ts=summary["ts"])
    assert deliver(deps).sent == 1

    reply = emu.messages("C1")[-1]
    assert reply["thread_ts"] == summary["ts"]
    assert reply["metadata"]["event_payload"] == {"key": "reply"}
    assert emu.calls_to("conversations.open") == []
    assert stored(deps, "summary").sent_channel == "C1"


def test_ephemeral_message(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "eph", kind="heads_up", channel_id="C1", ephemeral_user="U2", text="Psst")
    assert deliver(deps).sent == 1
    [ephemeral] = emu.ephemerals("C1", "U2")
    assert ephemeral["text"] == "Psst"
    assert emu.messages("C1") == []
    row = stored(deps, "eph")
    assert row.status == "sent" and row.sent_ts == ephemeral["message_ts"]


def test_single_user_dm(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "nudge", kind=OutboxKind.NUDGE, user_ids=["U4"])
    assert deliver(deps).sent == 1
    channel = emu.dm_channel("U4")
    assert channel is not None and len(emu.messages(channel)) == 1


# -- rate limits --------------------------------------------------------------------------


def test_429_is_retried_after_retry_after_and_sent_once(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "busy", channel_id="C1", kind="round_summary")
    emu.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    pacer_now = [100.0]
    pacer = Pacer(scale=1000, clock=lambda: pacer_now[0], sleep=lambda s: None)

    report = deliver(deps, pacer=pacer)

    assert report.sent == 1 and report.rate_limited == 1
    first, second = emu.calls_to("chat.postMessage")
    assert first.status == 429 and second.ok
    assert second.at - first.at >= 1.0  # Retry-After honoured
    assert posted_keys(emu) == Counter({"busy": 1})
    # The pacer was told, so other calls to this channel wait too.
    assert pacer.paused_for("chat.postMessage", "C1") == pytest.approx(1.0)


def test_persistent_429_releases_the_row_for_later(
    make_deps: MakeDeps, emu: SlackEmulator, clock: FakeClock
) -> None:
    deps = make_deps(clock=clock, max_rate_limit_retries=0)
    enqueue(deps, "later", user_ids=["U1", "U2"])
    emu.fail_next("conversations.open", error="ratelimited", retry_after=7)
    pacer = Pacer(scale=1000, clock=lambda: 0.0, sleep=lambda s: None)

    report = deliver(deps, pacer=pacer)

    assert report.rate_limited == 1 and report.sent == 0
    assert pacer.paused_for("conversations.open") == pytest.approx(7.0)
    row = stored(deps, "later")
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "ratelimited")
    assert row.not_before == clock() + dt.timedelta(seconds=7)
    assert deliver(deps).sent == 0  # not due yet

    clock.advance(7)
    assert deliver(deps).sent == 1
    assert posted_keys(emu) == Counter({"later": 1})


# -- people and channels that went away ----------------------------------------------------


def test_deactivated_member_is_dropped_from_a_group(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "trio", user_ids=["U1", "UGONE", "U2"], notify_user="UADMIN")

    report = deliver(deps)

    assert report.sent == 1 and report.failed == 0
    channel = emu.dm_channel("U1", "U2")
    assert channel is not None
    assert [m["metadata"]["event_payload"]["key"] for m in emu.messages(channel)] == ["trio"]
    row = stored(deps, "trio")
    assert row.status == "sent" and row.sent_channel == channel
    assert row.last_error == "sent without UGONE (user_disabled)"
    assert emu.dm_channel("UADMIN") is None  # nothing to tell the admin


def test_pair_with_a_deactivated_member_fails_and_the_admin_is_told(
    deps: Deps, emu: SlackEmulator
) -> None:
    enqueue(deps, "pair", user_ids=["U1", "UGONE"], notify_user="UADMIN")

    report = deliver(deps)

    assert report.failed == 1 and report.sent == 1  # the admin notice went out
    row = stored(deps, "pair")
    assert (row.status, row.last_error) == ("failed", "user_disabled: UGONE")
    notice = stored(deps, "notice:pair")
    assert notice.status == "sent" and notice.kind == "admin_notice"
    admin_dm = emu.dm_channel("UADMIN")
    assert admin_dm is not None
    [message] = emu.messages(admin_dm)
    assert message["text"] == (
        "Couldn't send the coffee-chat intro to <@U1> and <@UGONE>: "
        "<@UGONE>'s account is deactivated."
    )
    assert deliver(deps).handled == 0  # failed rows are not tried again


def test_removed_from_channel_fails_and_the_admin_is_told(deps: Deps, emu: SlackEmulator) -> None:
    emu.remove_channel_member("C1", "UBOT")
    enqueue(deps, "summary", kind="round_summary", channel_id="C1", notify_user="UADMIN")

    report = deliver(deps)

    assert report.failed == 1
    assert stored(deps, "summary").last_error == "not_in_channel"
    admin_dm = emu.dm_channel("UADMIN")
    assert admin_dm is not None
    [message] = emu.messages(admin_dm)
    assert message["text"] == (
        "I was removed from <#C1>, so I couldn't post the round summary there: "
        "invite me back with `/invite @Mingle`."
    )
    # Enqueueing the notice again (a second failure report) changes nothing.
    with deps.sessions.begin() as session:
        again = outbox.enqueue(
            session,
            team_id=TEAM,
            key="notice:summary",
            kind=OutboxKind.ADMIN_NOTICE,
            text="x",
            user_ids=["UADMIN"],
        )
    assert again is None


def test_a_refused_token_pauses_delivery(deps: Deps, emu: SlackEmulator, clock: FakeClock) -> None:
    deps.slack.client.token = "xoxb-revoked"
    emu.clear_calls()
    enqueue(deps, "a", channel_id="C1")
    enqueue(deps, "b", channel_id="C1")

    report = deliver(deps)

    assert report.handled == 0
    assert len(emu.calls) == 1  # the pass stopped at the first refusal
    row = stored(deps, "a")
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "invalid_auth")
    assert row.not_before == clock() + dt.timedelta(minutes=5)
    assert stored(deps, "b").status == "pending"


def test_malformed_message_fails_without_retry(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "broken", channel_id="C1", blocks=[{"type": "nonsense"}])
    report = deliver(deps)
    assert report.failed == 1 and report.retried == 0
    assert stored(deps, "broken").last_error == "invalid_blocks"
    posts = [c for c in emu.calls_to("chat.postMessage") if c.args.get("channel") == "C1"]
    assert len(posts) == 1  # (the workspace's admins are told in their DMs: nobody set it up)


# -- transient errors -----------------------------------------------------------------------


def test_transient_error_on_open_is_retried_with_backoff(
    deps: Deps, emu: SlackEmulator, clock: FakeClock
) -> None:
    enqueue(deps, "flaky", user_ids=["U1", "U2"])
    emu.fail_next("conversations.open", error="internal_error")

    report = deliver(deps)

    assert report.retried == 1 and report.sent == 0
    row = stored(deps, "flaky")
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "internal_error")
    assert row.not_before == clock() + dt.timedelta(seconds=2)
    clock.advance(2)
    assert deliver(deps).sent == 1
    assert stored(deps, "flaky").attempts == 2
    assert posted_keys(emu) == Counter({"flaky": 1})


def test_uncertain_post_failure_is_checked_before_retrying(
    deps: Deps, emu: SlackEmulator, clock: FakeClock
) -> None:
    enqueue(deps, "maybe", channel_id="C1")
    emu.fail_next("chat.postMessage", error="internal_error")

    report = deliver(deps)

    assert report.retried == 1
    assert len(emu.calls_to("conversations.history")) == 1  # did it go out after all? no
    clock.advance(2)
    assert deliver(deps).sent == 1
    assert posted_keys(emu) == Counter({"maybe": 1})


def test_transient_errors_give_up_after_max_attempts(
    deps: Deps, emu: SlackEmulator, clock: FakeClock
) -> None:
    enqueue(deps, "doomed", user_ids=["U1", "U2"], notify_user="UADMIN")
    emu.fail_next("conversations.open", error="fatal_error", times=3)

    for _ in range(3):
        deliver(deps, max_attempts=3)
        clock.advance(60)

    row = stored(deps, "doomed")
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "gave_up:fatal_error")
    assert stored(deps, "notice:doomed").text == (
        "Couldn't send the coffee-chat intro to <@U1> and <@U2>: "
        "Slack kept failing (fatal_error) after 3 tries."
    )


# -- several workers ---------------------------------------------------------------------------


def test_two_workers_racing_send_each_message_once(deps: Deps, emu: SlackEmulator) -> None:
    keys = [f"race:{i}" for i in range(24)]
    for i, key in enumerate(keys):
        if i % 3 == 0:
            enqueue(deps, key, channel_id="C1", kind="round_summary")
        else:
            enqueue(deps, key, user_ids=["U1", f"U{2 + i % 3}"])
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def work() -> None:
        start.wait()
        reports.append(deliver(deps))

    run_at_once([work, work])

    assert posted_keys(emu) == Counter({key: 1 for key in keys})
    assert sum(r.sent for r in reports) == len(keys)
    with deps.sessions() as session:
        assert outbox.counts(session)[OutboxStatus.SENT] == len(keys)


def test_delivery_worker_threads_wake_and_deliver(make_deps: MakeDeps, emu: SlackEmulator) -> None:
    deps = make_deps()
    workers = [DeliveryWorker(deps, pacer=fast_pacer(), idle_wait=30) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        keys = [f"w:{i}" for i in range(10)]
        for key in keys:
            enqueue(deps, key, user_ids=["U1", "U3"])
        for worker in workers:
            worker.wake()
        emu.wait_for(lambda: sum(posted_keys(emu).values()) >= len(keys), timeout=10)
        emu.wait_for(lambda: sum(w.totals.sent for w in workers) == len(keys), timeout=10)
    finally:
        for worker in workers:
            worker.stop()
    assert not any(worker.running for worker in workers)
    assert posted_keys(emu) == Counter({key: 1 for key in keys})


# -- recovery after a crash ---------------------------------------------------------------------


class Killed(Exception):
    """Stands in for SIGKILL: the worker stops between two steps."""


def test_recovery_finds_a_message_that_was_posted(
    deps: Deps, emu: SlackEmulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue(deps, "posted", user_ids=["U1", "U2"])

    def killed(*args: Any, **kwargs: Any) -> bool:
        raise Killed()

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", killed)
        with pytest.raises(Killed):
            deliver(deps)
    assert stored(deps, "posted").status == "sending"
    assert posted_keys(emu) == Counter({"posted": 1})

    assert deliver(deps).sent == 0  # the lease (5 minutes) hasn't expired
    clock.advance(301)
    report = deliver(deps)

    assert report.recovered == 1 and report.duplicates_avoided == 1 and report.sent == 1
    channel = emu.dm_channel("U1", "U2")
    assert channel is not None
    [message] = emu.messages(channel)
    row = stored(deps, "posted")
    assert (row.status, row.sent_ts) == ("sent", message["ts"])
    assert len(emu.calls_to("chat.postMessage")) == 1
    [history] = emu.calls_to("conversations.history")
    assert history.args["channel"] == channel


def test_recovery_resends_a_message_that_was_not_posted(deps: Deps, emu: SlackEmulator) -> None:
    row_id = enqueue(deps, "unposted", user_ids=["U1", "U2"])
    # A worker claimed the row, opened the conversation, recorded it, then died.
    channel = deps.slack.client.conversations_open(users=["U1", "U2"])["channel"]["id"]
    with deps.sessions.begin() as session:
        assert outbox.claim(session, row_id, deps.clock())
        assert outbox.prepare_post(session, row_id, 1, channel=channel, now=deps.clock())

    report = deliver(deps, lease=dt.timedelta(0))

    assert report.recovered == 1 and report.sent == 1 and report.duplicates_avoided == 0
    assert len(emu.calls_to("conversations.history")) == 1
    assert posted_keys(emu) == Counter({"unposted": 1})
    row = stored(deps, "unposted")
    assert (row.status, row.sent_channel, row.attempts) == ("sent", channel, 2)


def test_recovery_of_a_row_that_never_reached_slack(deps: Deps, emu: SlackEmulator) -> None:
    row_id = enqueue(deps, "claimed", channel_id="C1")
    with deps.sessions.begin() as session:
        assert outbox.claim(session, row_id, deps.clock())

    report = deliver(deps, lease=dt.timedelta(0))

    assert report.recovered == 1 and report.sent == 1
    assert emu.calls_to("conversations.history") == []  # nothing could have been posted
    assert posted_keys(emu) == Counter({"claimed": 1})


def test_recovery_in_a_thread_searches_the_replies(deps: Deps, emu: SlackEmulator) -> None:
    parent = emu.post_message("C1", "UBOT", "Round is on")
    row_id = enqueue(deps, "threaded", channel_id="C1", thread_ts=parent["ts"])
    with deps.sessions.begin() as session:
        assert outbox.claim(session, row_id, deps.clock())
        assert outbox.prepare_post(session, row_id, 1, channel="C1", now=deps.clock())
    deps.slack.client.chat_postMessage(
        channel="C1",
        thread_ts=parent["ts"],
        text="reply",
        metadata={"event_type": "mingle_outbox", "event_payload": {"key": "threaded"}},
    )

    report = deliver(deps, lease=dt.timedelta(0))

    assert report.duplicates_avoided == 1 and report.sent == 1
    assert emu.calls_to("conversations.replies")
    assert posted_keys(emu) == Counter({"threaded": 1})


def test_recovered_ephemeral_is_skipped_at_most_once(deps: Deps, emu: SlackEmulator) -> None:
    row_id = enqueue(deps, "eph", channel_id="C1", ephemeral_user="U1")
    with deps.sessions.begin() as session:
        assert outbox.claim(session, row_id, deps.clock())
        assert outbox.prepare_post(session, row_id, 1, channel="C1", now=deps.clock())

    report = deliver(deps, lease=dt.timedelta(0))

    assert report.skipped == 1
    assert stored(deps, "eph").status == "skipped"
    assert emu.ephemerals() == []


def test_stop_event_ends_a_pass_early(deps: Deps, emu: SlackEmulator) -> None:
    enqueue(deps, "a", channel_id="C1")
    stop = threading.Event()
    stop.set()
    assert deliver(deps, stop_event=stop).handled == 0
    assert stored(deps, "a").status == "pending"


def test_limit_sends_at_most_that_many(deps: Deps, emu: SlackEmulator) -> None:
    for i in range(3):
        enqueue(deps, f"l{i}", channel_id="C1")
    assert deliver(deps, limit=2).sent == 2
    assert deliver(deps).sent == 1


# -- wording ------------------------------------------------------------------------------------


def job(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "id": 1,
        "key": "k",
        "kind": "round_intro",
        "team_id": TEAM,
        "attempt": 1,
        "channel_id": None,
        "user_ids": [],
        "thread_ts": None,
        "text": "",
        "blocks": None,
        "ephemeral_user": None,
        "notify_user": "UADMIN",
        "sent_channel": None,
        "not_before": dt.datetime.now(dt.UTC),
    }
    values.update(overrides)
    return delivery._Job(**values)


@pytest.mark.parametrize(
    ("overrides", "code", "gone", "expected"),
    [
        (
            {"user_ids": ["U1", "U2", "U3"]},
            "user_not_found",
            {"U3": "user_not_found", "U2": "cannot_dm_bot"},
            "Couldn't send the coffee-chat intro to <@U1>, <@U2> and <@U3>: <@U3> is no longer "
            "in this workspace; <@U2> is a bot, and I can't message bots.",
        ),
        (
            {"channel_id": "C9", "kind": "prompt"},
            "is_archived",
            {},
            "<#C9> is archived, so I couldn't post the prompt there.",
        ),
        (
            {"channel_id": "C9", "kind": "heads_up", "ephemeral_user": "U1"},
            "user_not_in_channel",
            {},
            "Couldn't send the heads-up to <@U1> in <#C9>: <@U1> isn't in that channel any more.",
        ),
        (
            {"channel_id": "C9", "kind": "round_summary"},
            "msg_too_long",
            {},
            "Couldn't send the round summary in <#C9>: Slack rejected the message itself "
            "(msg_too_long), which is a bug in Mingle.",
        ),
    ],
)
def test_undeliverable_notice_wording(
    overrides: dict[str, Any], code: str, gone: dict[str, str], expected: str
) -> None:
    assert delivery.undeliverable_notice(job(**overrides), code, gone) == expected


def test_notice_key_stays_within_the_column() -> None:
    assert outbox_keys.notice("round:1") == "notice:round:1"
    assert len(outbox_keys.notice("x" * 120)) <= 120


def test_every_kind_of_message_has_words_for_admins() -> None:
    assert set(delivery.WHAT) == set(OutboxKind)


# -- pacing ---------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock and a sleep that advances it, for the pacer."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def call_times(pacer: Pacer, time: FakeTime, method: str, n: int, channel: str | None = None):
    times = []
    for _ in range(n):
        pacer.wait(method, channel)
        times.append(time.now)
    return times


def max_in_window(times: list[float], window: float) -> int:
    """The most calls in any half-open window (t - window, t] (how Slack counts)."""
    return max(sum(1 for u in times if t - window < u <= t) for t in times)


@pytest.mark.parametrize("method", ["conversations.open", "chat.postEphemeral", "users.info"])
def test_pacer_keeps_tier_methods_under_the_limit_at_95_percent(method: str) -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    limit = per_minute(method)
    times = call_times(pacer, time, method, 4 * limit)
    assert max_in_window(times, 60.0) < limit
    rate = (len(times) - 1) / (times[-1] - times[0]) * 60
    assert rate == pytest.approx(0.95 * limit, rel=0.02)


def test_pacer_paces_post_message_per_channel_with_a_small_burst() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    times = call_times(pacer, time, "chat.postMessage", 6, channel="C1")
    assert times[:2] == [1000.0, 1000.0]  # a burst of two
    gaps = [b - a for a, b in zip(times[1:], times[2:], strict=False)]
    assert gaps == pytest.approx([1 / 0.95] * 4)
    # Another channel has its own budget.
    assert call_times(pacer, time, "chat.postMessage", 1, channel="C2") == [time.now]


def test_pacer_scale_multiplies_the_rates() -> None:
    time = FakeTime()
    pacer = Pacer(scale=60, clock=time.clock, sleep=time.sleep)
    times = call_times(pacer, time, "conversations.open", 101)
    assert times[-1] - times[0] == pytest.approx(100 * 60 / (50 * 0.95 * 60))


def test_pacer_backoff_holds_a_method() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    pacer.backoff("conversations.open", 30)
    assert pacer.paused_for("conversations.open") == 30
    assert pacer.paused_for("users.info") == 0
    pacer.wait("conversations.open")
    assert time.now == 1030.0
    pacer.wait("users.info")
    assert time.now == 1030.0


def test_pacer_shares_one_budget_between_threads() -> None:
    frozen = FakeTime()
    pacer = Pacer(clock=frozen.clock, sleep=frozen.sleep)
    delays: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        for _ in range(10):
            delay = pacer.reserve("conversations.open")
            with lock:
                delays.append(delay)

    run_at_once([book] * 4)
    interval = 60 / (50 * 0.95)
    assert sorted(delays) == pytest.approx([i * interval for i in range(40)])


def test_pacer_wait_can_be_cancelled() -> None:
    pacer = Pacer()
    pacer.backoff("conversations.open", 60)
    cancel = threading.Event()
    cancel.set()
    assert pacer.wait("conversations.open", cancel=cancel) is False
