"""`mingle serve` stops cleanly on SIGTERM and SIGINT, in a real subprocess, also as PID 1.

The emulator runs in this process; `mingle serve` runs against it on a SQLite file, with a
round's worth of intros in its outbox, so messages are in flight when the signal comes (the
worker paces `conversations.open` at Slack's limit). The process must exit 0 within 10 s,
leave no row "sending", and a fresh delivery pass must then send every remaining message
at once (none waits for the 5-minute lease), each exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.testing.cli import free_port
from bot.testing.emulator import SlackEmulator
from storage.db import make_engine, make_session_factory
from tests.e2e.conftest import assert_resumes_at_once, enqueue_pair_intros

MINGLE = Path(sys.executable).with_name("mingle")
TOKEN = "xoxb-test-token"
PAIRS = 40
SHUTDOWN_LIMIT = 10.0


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def ok_posts(emu: SlackEmulator) -> int:
    return sum(1 for call in emu.calls_to("chat.postMessage") if call.ok)


def pid1_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--pid", "--fork", "sh", "-c", "echo $$"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "1"


def child_of(pid: int, timeout: float = 10.0) -> int:
    """The process `pid` forked (`unshare --fork` runs Mingle as its child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    return int(entry.name)
        time.sleep(0.05)
    raise AssertionError(f"process {pid} started no child")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "as_pid1"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["sigterm", "sigint", "sigterm-as-pid-1"],
)
def test_serve_stops_within_10_s_and_a_restart_resumes_at_once(
    sqlite_url: str, tmp_path: Path, signum: int, as_pid1: bool
) -> None:
    if as_pid1 and not pid1_available():
        pytest.skip("unshare can't start a PID namespace here")
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    with SlackEmulator(team_id="T0001", bot_token=TOKEN, bot_user_id="UBOT") as emu:
        keys = enqueue_pair_intros(emu, sessions, PAIRS)
        port = free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": "shutdown-test-secret",
            "SLACK_API_URL": emu.api_url,
            "MINGLE_DATABASE_URL": sqlite_url,
            "MINGLE_LOG_LEVEL": "INFO",
        }
        command = [str(MINGLE), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if as_pid1:
            command = ["unshare", "--user", "--map-root-user", "--pid", "--fork", *command]
        log = (tmp_path / "mingle.log").open("w+")
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env
        )
        try:
            target = child_of(server.pid) if as_pid1 else server.pid
            emu.wait_for(lambda: healthy(port) or server.poll() is not None, timeout=30)
            assert server.poll() is None, (tmp_path / "mingle.log").read_text()
            emu.wait_for(lambda: ok_posts(emu) >= 3, timeout=30, message="3 intros posted")
            os.kill(target, signum)
            started = time.monotonic()
            code = server.wait(timeout=SHUTDOWN_LIMIT + 5)
            took = time.monotonic() - started
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            log.close()
        output = (tmp_path / "mingle.log").read_text()
        assert code == 0, output
        assert took < SHUTDOWN_LIMIT, f"took {took:.1f} s\n{output}"
        assert "Traceback" not in output, output
        # A fresh process resumes at once: the default 5-minute lease never comes into it.
        assert_resumes_at_once(emu, engine, sqlite_url, keys, output)
    engine.dispose()
