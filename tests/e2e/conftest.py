"""End-to-end fixtures: the real app over HTTP, on the emulator with the sample workspace."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.app import build_deps
from bot.config import load_settings
from bot.core.status import OutboxKind, OutboxStatus
from bot.services.delivery import DEFAULT_LEASE, deliver_pending
from bot.slack.pacing import Pacer
from bot.testing.app_runner import RunningApp
from bot.testing.blockkit import readable_texts, validate_blocks
from bot.testing.driver import SlackDriver
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import SampleWorkspace
from storage.db import SessionFactory, make_session_factory
from storage.repositories import outbox
from tests.conftest import posted_keys

# A Sunday noon in UTC: the next "monday 10:00 Europe/Berlin" slot is 21 hours away. It is
# in the future, so rows the outbox dates by the real clock are due by the app's clock too.
SUNDAY = dt.datetime(2032, 2, 29, 12, 0, tzinfo=dt.UTC)
MONDAY_SLOT = dt.datetime(2032, 3, 1, 9, 0, tzinfo=dt.UTC)  # that slot


@dataclass
class Stack:
    emu: SlackEmulator
    app: RunningApp
    driver: SlackDriver
    sample: SampleWorkspace

    def command(self, user_id: str, text: str, channel_id: str = "C0COFFEE") -> dict[str, Any]:
        """Run `/mingle text` and return the (last) ephemeral reply the user got."""
        result, key = self.driver.command(user_id, text, channel_id=channel_id)
        assert result.status == 200, result
        responses = self.emu.wait_for(lambda: self.emu.responses(key), timeout=10)
        return responses[-1]

    def home_event(self, user_id: str, event_id: str | None = None) -> None:
        self.driver.event(
            {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D1"},
            event_id=event_id,
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_databases` runs its `stack` on SQLite, and again on PostgreSQL
    when it is configured (the others run on SQLite only, to keep the suite quick)."""
    if "stack" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("stack_database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def stack_database_url(request: pytest.FixtureRequest) -> str:
    """The database the app of `stack` uses (SQLite unless the test is `both_databases`)."""
    kind = getattr(request, "param", "sqlite")
    return str(request.getfixturevalue("sqlite_url" if kind == "sqlite" else "postgres_url"))


@pytest.fixture
def stack(emu: SlackEmulator, sample: SampleWorkspace, stack_database_url: str) -> Iterator[Stack]:
    with RunningApp(emu, stack_database_url, admins=sample.admin_id) as running:
        yield Stack(emu, running, running.driver(), sample)


@pytest.fixture
def clock(stack: Stack) -> list[dt.datetime]:
    """A controllable clock for the app, at SUNDAY until a test sets `clock[0]`."""
    now = [SUNDAY]
    stack.app.deps.clock = lambda: now[0]
    return now


def reply_text(reply: dict[str, Any]) -> str:
    """Everything a person can read in a reply: fallback text and every text in its blocks."""
    return "\n".join([str(reply.get("text", "")), *readable_texts(reply.get("blocks") or [])])


def assert_valid_message(reply: dict[str, Any]) -> None:
    assert str(reply.get("text", "")).strip(), f"no text fallback: {reply}"
    if reply.get("blocks"):
        assert validate_blocks(reply["blocks"]) == []


def enqueue_pair_intros(emu: SlackEmulator, sessions: SessionFactory, pairs: int) -> list[str]:
    """`2 * pairs` people in `emu` (team T0001) and, in the outbox, an intro due now for each
    pair (U000 and U001, U002 and U003, …), as a round would enqueue them; their outbox keys."""
    keys = [f"round:1:intro:{i}" for i in range(pairs)]
    for i in range(2 * pairs):
        emu.add_user(f"U{i:03d}", name=f"person{i}")
    with sessions.begin() as session:
        for i, key in enumerate(keys):
            outbox.enqueue(
                session,
                team_id="T0001",
                key=key,
                kind=OutboxKind.ROUND_INTRO,
                text=f"Meet each other! (pair {i})",
                user_ids=[f"U{2 * i:03d}", f"U{2 * i + 1:03d}"],
                not_before=dt.datetime.now(dt.UTC),
            )
    return keys


def assert_resumes_at_once(
    emu: SlackEmulator, engine: Engine, database_url: str, keys: Sequence[str], output: str = ""
) -> None:
    """After a process was stopped while the intros `keys` went out: no row is left
    "sending", some but not all were sent, and a fresh delivery pass (with the default
    5-minute lease) sends the rest at once, each exactly once. `output`: the stopped
    process's log, shown when a check fails."""
    sessions = make_session_factory(engine)
    with sessions() as session:
        counts = outbox.counts(session)
    assert counts[OutboxStatus.SENDING] == 0, (counts, output)  # finished or given back
    assert 0 < counts[OutboxStatus.SENT] < len(keys), counts

    settings = load_settings(
        slack_bot_token=emu.bot_token, slack_api_url=emu.api_url, database_url=database_url
    )
    began = time.monotonic()
    report = deliver_pending(
        build_deps(settings, engine=engine), pacer=Pacer(scale=50.0), lease=DEFAULT_LEASE
    )
    assert time.monotonic() - began < 30
    with sessions() as session:
        assert outbox.counts(session)[OutboxStatus.SENT] == len(keys)
    assert report.recovered == 0
    assert posted_keys(emu) == Counter({key: 1 for key in keys})
