"""`mingle run` over Socket Mode, as a real process against the emulator's Socket Mode endpoint.

It answers slash commands pushed over the socket, comes back after every kind of broken
connection within 15 s, reports its state on `/healthz`, and stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from sqlalchemy import create_engine

from bot.runmode import HealthServer, health_checks
from bot.testing.cli import MINGLE, ROOT, clean_environment, free_port, run_cli
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import build_sample_workspace
from storage.db import make_session_factory

RECONNECT_SECONDS = 15
EXIT_SECONDS = 10


class MingleRun:
    """`python -m bot.cli run` in a subprocess, pointed at the emulator."""

    def __init__(self, emu: SlackEmulator, database_url: str, log: Path, **env: str) -> None:
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
            [*MINGLE, "run"],
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
def test_sigterm_during_startup_still_exits_0(
    emu: SlackEmulator, sqlite_url: str, tmp_path: Path
) -> None:
    run = MingleRun(emu, sqlite_url, tmp_path / "early.log")
    try:
        emu.wait_for(lambda: emu.calls_to("auth.test"), timeout=60, message="startup")
        assert run.stop() == 0
    finally:
        run.kill()


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
