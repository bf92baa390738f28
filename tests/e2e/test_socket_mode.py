"""`mingle run` over Socket Mode, as a real process against the emulator's Socket Mode endpoint.

It answers slash commands pushed over the socket, comes back after every kind of broken
connection within 15 s, reports its state on `/healthz`, and stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from sqlalchemy import create_engine, func, select

from bot import runmode
from bot.config import load_settings
from bot.runmode import HealthServer, health_checks
from bot.services.deps import Delivery
from bot.testing.cli import MINGLE, ROOT, clean_environment, free_port, run_cli
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import build_sample_workspace
from storage.db import make_engine, make_session_factory
from storage.models import Base
from tests.conftest import IdleWorker
from tests.e2e.conftest import assert_resumes_at_once, enqueue_pair_intros
from tests.e2e.test_shutdown import child_of, ok_posts, pid1_available

RECONNECT_SECONDS = 15
EXIT_SECONDS = 10


class MingleRun:
    """`python -m bot.cli run` in a subprocess, pointed at the emulator."""

    def __init__(
        self,
        emu: SlackEmulator,
        database_url: str,
        log: Path,
        *,
        wrap: Sequence[str] = (),
        **env: str,
    ) -> None:
        self.health_port = free_port()
        environment = clean_environment(
            SLACK_BOT_TOKEN=emu.bot_token,
            SLACK_APP_TOKEN=emu.app_token,
            SLACK_API_URL=emu.api_url,
            MINGLE_DATABASE_URL=database_url,
            MINGLE_HEALTH_PORT=str(self.health_port),
            MINGLE_HEALTH_HOST="127.0.0.1",
            MINGLE_LOG_LEVEL="INFO",
            **env,
        )
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [*wrap, *MINGLE, "run"],  # `wrap`: e.g. unshare, to run Mingle as PID 1
            cwd=ROOT,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(errors="replace")

    def health(self) -> tuple[int, dict[str, Any]]:
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError:
            return 0, {}

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send `signum`; the exit code (the process must end within EXIT_SECONDS)."""
        self.process.send_signal(signum)
        started = time.monotonic()
        try:
            code = self.process.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"still running {EXIT_SECONDS}s after {signum!r}") from None
        finally:
            self._log_file.close()
        assert time.monotonic() - started < EXIT_SECONDS
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        build_sample_workspace(emulator)
        yield emulator


@pytest.fixture
def running(emu: SlackEmulator, sqlite_url: str, tmp_path: Path) -> Iterator[MingleRun]:
    run = MingleRun(emu, sqlite_url, tmp_path / "mingle-run.log")
    try:
        wait_connected(emu, run, emu.socket_mode.hello_count, timeout=60)
        yield run
    finally:
        run.kill()


def wait_connected(emu: SlackEmulator, run: MingleRun, hellos: int, timeout: float) -> None:
    def reconnected() -> bool:
        assert run.process.poll() is None, f"mingle run exited:\n{run.output()}"
        return emu.socket_mode.hello_count > hellos and emu.socket_mode.connected

    emu.wait_for(reconnected, timeout=timeout, message="mingle run to (re)connect")


@pytest.mark.slow
def test_a_slash_command_over_the_socket_is_acked_and_answered(
    emu: SlackEmulator, running: MingleRun
) -> None:
    key = "socket-help"
    envelope_id = emu.socket_mode.slash_command(
        "U0ALICE", "help", emu.response_url(key), channel_id="C0COFFEE", team_id=emu.team_id
    )
    emu.wait_for(lambda: emu.socket_mode.acks(envelope_id), timeout=10, message="the ack")
    replies = emu.wait_for(lambda: emu.responses(key), timeout=10, message="the reply")
    assert "/mingle" in json.dumps(replies[-1])
    assert running.stop() == 0
    assert "Traceback" not in running.output()


def table_rows(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.mark.slow
def test_events_mingle_ignores_cost_no_write_over_the_socket(
    emu: SlackEmulator, running: MingleRun, sqlite_url: str
) -> None:
    def event(body: dict[str, Any], event_id: str) -> str:
        payload = {
            "token": "deprecated-verification-token",
            "team_id": emu.team_id,
            "api_app_id": emu.socket_mode.app_id,
            "event": body,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        return emu.socket_mode.push("events_api", payload)

    before = table_rows(sqlite_url)
    chatter = []
    for i in range(30):
        ts = f"{time.time():.6f}"
        message = {"type": "message", "channel": "C0COFFEE", "user": "U0ALICE", "ts": ts}
        chatter.append(event({**message, "text": f"chatter {i}"}, f"EvCHAT{i:03d}"))
    for envelope_id in chatter:
        emu.wait_for(partial(emu.socket_mode.acks, envelope_id), timeout=10)
    assert table_rows(sqlite_url) == before
    home = {"type": "app_home_opened", "user": "U0ALICE", "tab": "home", "channel": "D1"}
    emu.wait_for(lambda: emu.socket_mode.acks(event(home, "EvHOME001")), timeout=10)
    emu.wait_for(  # what Mingle acts on is still recorded, once
        lambda: table_rows(sqlite_url)["processed_event"] == before["processed_event"] + 1,
        timeout=10,
    )
    assert running.stop() == 0


@pytest.mark.slow
def test_reconnects_within_15_s_after_every_kind_of_break(
    emu: SlackEmulator, running: MingleRun
) -> None:
    server = emu.socket_mode
    breaks = {
        "TCP reset, no close frame": lambda: server.drop("reset"),
        "TCP FIN, no close frame": lambda: server.drop("fin"),
        "close frame": server.close,
        "disconnect message": server.disconnect,
        "silent connection": server.stall,
    }
    for name, do_break in breaks.items():
        hellos = server.hello_count
        started = time.monotonic()
        do_break()
        try:
            wait_connected(emu, running, hellos, timeout=RECONNECT_SECONDS)
        except AssertionError as exc:
            raise AssertionError(f"no reconnect after a {name}: {exc}") from None
        print(f"{name}: back after {time.monotonic() - started:.2f}s")
    key = "after-breaks"
    server.slash_command("U0ALICE", "help", emu.response_url(key), team_id=emu.team_id)
    emu.wait_for(lambda: emu.responses(key), timeout=10)
    assert running.stop() == 0
    assert "BrokenPipeError" not in running.output()


@pytest.mark.slow
def test_health_reflects_the_socket_connection(emu: SlackEmulator, running: MingleRun) -> None:
    status, body = running.health()
    assert (status, body["ok"], body["socket"], body["database"]) == (
        200,
        True,
        "connected",
        "ok",
    )
    emu.socket_mode.stop()  # Slack's endpoint is down: connections are refused
    status, body = emu.wait_for(lambda: (s := running.health())[0] == 503 and s, timeout=15)
    assert body["socket"] == "disconnected"
    assert body["detail"] == "socket: disconnected"
    hellos = emu.socket_mode.hello_count
    emu.socket_mode.start()
    wait_connected(emu, running, hellos, timeout=RECONNECT_SECONDS)
    assert emu.wait_for(lambda: running.health()[0] == 200, timeout=5)
    assert running.stop(signal.SIGINT) == 0


@pytest.mark.slow
def test_a_slack_outage_at_startup_is_waited_out(
    emu: SlackEmulator, sqlite_url: str, tmp_path: Path
) -> None:
    """Slack failing `apps.connections.open` for a while (its bad day) is not a refused
    token: `mingle run` keeps trying and connects once Slack answers."""
    emu.fail_next("apps.connections.open", "internal_error", times=2)
    run = MingleRun(emu, sqlite_url, tmp_path / "outage.log")
    try:
        wait_connected(emu, run, 0, timeout=30)
        assert run.health()[0] == 200
        assert run.stop() == 0
    finally:
        run.kill()
    assert "was refused" not in run.output()
    assert "Traceback" not in run.output()


@pytest.mark.slow
def test_a_refused_app_token_stops_startup_in_one_line(emu: SlackEmulator, sqlite_url: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": emu.bot_token,
        "SLACK_APP_TOKEN": "xapp-1-not-the-apps-token",
        "SLACK_API_URL": emu.api_url,
        "MINGLE_DATABASE_URL": sqlite_url,
        "MINGLE_LOG_LEVEL": "ERROR",
    }
    result = run_cli("run", env=env)
    assert result.returncode == 1
    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_sigterm_during_startup_still_exits_0(
    emu: SlackEmulator, sqlite_url: str, tmp_path: Path
) -> None:
    run = MingleRun(emu, sqlite_url, tmp_path / "early.log")
    try:
        emu.wait_for(lambda: emu.calls_to("auth.test"), timeout=60, message="startup")
        assert run.stop() == 0
    finally:
        run.kill()


@pytest.mark.slow
@pytest.mark.parametrize("as_pid1", [False, True], ids=["sigterm", "sigterm-as-pid-1"])
def test_run_stops_mid_round_and_a_restart_resumes_at_once(
    emu: SlackEmulator, sqlite_url: str, tmp_path: Path, as_pid1: bool
) -> None:
    """SIGTERM while a round's intros go out: exit 0 within 10 s, no row left "sending",
    and the next process sends the rest at once (not after the 5-minute lease), each once."""
    if as_pid1 and not pid1_available():
        pytest.skip("unshare can't start a PID namespace here")
    pairs = 40  # paced at Slack's limits, so the round is still going out at the signal
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    keys = enqueue_pair_intros(emu, sessions, pairs)
    wrap = ["unshare", "--user", "--map-root-user", "--pid", "--fork"] if as_pid1 else []
    run = MingleRun(emu, sqlite_url, tmp_path / "mingle-run.log", wrap=wrap)
    try:
        wait_connected(emu, run, 0, timeout=60)
        emu.wait_for(lambda: ok_posts(emu) >= 3, timeout=30, message="3 intros posted")
        os.kill(child_of(run.process.pid) if as_pid1 else run.process.pid, signal.SIGTERM)
        started = time.monotonic()
        code = run.process.wait(timeout=EXIT_SECONDS + 5)
        took = time.monotonic() - started
    finally:
        run.kill()
    output = run.output()
    assert code == 0, output
    assert took < EXIT_SECONDS, f"took {took:.1f} s\n{output}"
    assert "Traceback" not in output, output
    assert_resumes_at_once(emu, engine, sqlite_url, keys, output)
    engine.dispose()


def test_a_socket_slow_to_close_still_leaves_time_to_stop_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """websocket-client's `close()` sometimes takes 9 s (its reader waits in `select`);
    shutdown must still stop the delivery worker well within its budget."""
    released = threading.Event()

    class SlowToClose:
        client = SimpleNamespace(current_session=None)

        def close(self) -> None:
            released.wait(30)

    class Worker(IdleWorker):
        def __init__(self) -> None:
            super().__init__()
            self.stopped_after: float | None = None

        def stop(self, timeout: float = 10.0) -> None:
            self.stopped_after = time.monotonic() - started

    monkeypatch.setattr(runmode, "build_socket_handler", lambda app, token: SlowToClose())
    monkeypatch.setattr(runmode, "_exit_now", lambda code: None)  # the budget running out
    worker = Worker()
    delivery = Delivery(inline=False)
    delivery.run(worker)
    app: Any = SimpleNamespace(
        listener_runner=SimpleNamespace(
            listener_executor=SimpleNamespace(shutdown=lambda wait: None)
        )
    )
    deps: Any = SimpleNamespace(delivery=delivery)
    settings = load_settings(slack_app_token="xapp-1-slow", slack_bot_token="xoxb-slow")
    stop = threading.Event()
    stop.set()  # a SIGTERM during startup
    started = time.monotonic()
    try:
        assert runmode.run_socket_mode(settings, deps, app, None, stop) == 0
    finally:
        released.set()
    assert worker.stopped_after is not None, "the delivery worker was never stopped"
    assert worker.stopped_after < runmode.SHUTDOWN_SECONDS - 4  # time left to post or release


def test_health_names_a_database_that_does_not_answer(emu: SlackEmulator) -> None:
    web = WebClient(base_url=emu.api_url, token=emu.bot_token)
    client = SocketModeClient(emu.app_token, web_client=web)
    broken = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    deps: Any = SimpleNamespace(sessions=make_session_factory(broken))
    health = HealthServer("127.0.0.1", 0, health_checks(client, deps)).start()
    try:
        client.connect()
        emu.wait_for(lambda: emu.socket_mode.connected and client.is_connected())
        status, body = health.answer()
        assert status == 503
        assert body["socket"] == "connected"
        assert body["detail"].startswith("database: OperationalError")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://127.0.0.1:{health.port}/healthz", timeout=5)
        assert error.value.code == 503
        error.value.close()
    finally:
        client.close()
        health.stop()
        broken.dispose()


@pytest.mark.parametrize("value", ["0", "70000", "health", "-1"])
def test_a_bad_health_port_stops_startup_in_one_line(tmp_path: Path, value: str) -> None:
    env = {"MINGLE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "MINGLE_HEALTH_PORT": value}
    result = run_cli("db", "current", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"mingle: MINGLE_HEALTH_PORT is malformed: {value!r} is not a port number from 1 to 65535"
    )


@pytest.mark.slow
def test_a_health_port_in_use_stops_run_in_one_line(emu: SlackEmulator, sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_APP_TOKEN": emu.app_token,
            "SLACK_API_URL": emu.api_url,
            "MINGLE_DATABASE_URL": sqlite_url,
            "MINGLE_HEALTH_PORT": str(port),
            "MINGLE_HEALTH_HOST": "127.0.0.1",
            "MINGLE_LOG_LEVEL": "ERROR",
        }
        result = run_cli("run", env=env)
    assert result.returncode == 1
    assert f"MINGLE_HEALTH_PORT {port} cannot be used on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
