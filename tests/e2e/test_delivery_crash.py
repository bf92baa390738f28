"""Kill the delivery worker at random points; every message must still arrive exactly once.

The emulator runs in this process with Slack's rate limits on (scaled, so a run takes a few
seconds); the worker runs in a real subprocess (tests/e2e/delivery_worker.py) on a SQLite
file. The test waits until the emulator has seen a chosen number of `conversations.open` or
`chat.postMessage` calls, then SIGKILLs the worker, so kills land right after a conversation
was opened or a message was posted (before the worker could record it), and restarts it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from bot.core.status import OutboxStatus
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine, make_session_factory
from storage.repositories import outbox
from tests.conftest import posted_keys
from tests.e2e.conftest import enqueue_pair_intros

WORKER = Path(__file__).with_name("delivery_worker.py")
TOKEN = "xoxb-test-token"
PAIRS = 50
SCALE = 10.0  # Slack's limits x10: conversations.open allows 500 calls a minute
KILLS = 6
SEED = 20261126


def ok_calls(emu: SlackEmulator, method: str) -> int:
    return sum(1 for call in emu.calls_to(method) if call.ok)


def reached(emu: SlackEmulator, method: str, target: int, worker: subprocess.Popen[str]) -> bool:
    """Whether `method` has succeeded `target` times, or the worker stopped on its own."""
    return ok_calls(emu, method) >= target or worker.poll() is not None


@pytest.mark.slow
def test_killed_worker_resumes_and_sends_each_message_exactly_once(sqlite_url: str) -> None:
    rng = random.Random(SEED)
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    with SlackEmulator(team_id="T0001", bot_token=TOKEN, bot_user_id="UBOT") as emu:
        keys = enqueue_pair_intros(emu, sessions, PAIRS)
        emu.set_rate_limits(True, scale=SCALE)

        kills = 0
        runs = 0
        reports = []
        while True:
            runs += 1
            assert runs <= KILLS + 5, "the worker keeps stopping without finishing"
            worker = subprocess.Popen(
                [sys.executable, str(WORKER), sqlite_url, emu.api_url, TOKEN, str(SCALE)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            if kills < KILLS:
                method = rng.choice(["conversations.open", "chat.postMessage"])
                target = ok_calls(emu, method) + rng.randint(1, 8)
                emu.wait_for(partial(reached, emu, method, target, worker), timeout=15)
                if worker.poll() is None:
                    os.kill(worker.pid, signal.SIGKILL)
                    kills += 1
            out, err = worker.communicate(timeout=30)
            if worker.returncode == 0:
                reports.append(json.loads(out))
            else:
                assert worker.returncode == -signal.SIGKILL, err
            with sessions() as session:
                counts = outbox.counts(session)
            if counts[OutboxStatus.SENT] == PAIRS:
                break

        assert kills >= KILLS - 1
        assert counts == {"pending": 0, "sending": 0, "sent": PAIRS, "failed": 0, "skipped": 0}
        assert posted_keys(emu) == Counter({key: 1 for key in keys})
        assert reports and all(report["failed"] == 0 for report in reports)
        # Recovery looked at history for rows that may have been posted before a kill.
        assert emu.calls_to("conversations.history")
    engine.dispose()
