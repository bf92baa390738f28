"""The `mingle` command line: help, clean errors, migrations, and `mingle serve` for real."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import build_parser
from bot.testing.cli import MINGLE, clean_environment, free_port, run_cli
from bot.testing.driver import SlackDriver
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import build_sample_workspace
from storage.db import make_engine, make_session_factory
from storage.models import Member

SECRET = "cli-test-signing-secret"


def subcommand_names() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return list(action.choices)  # type: ignore[arg-type]


def test_help_lists_every_command_with_help_text() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in subcommand_names():
        assert name in result.stdout
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    for choice in action._choices_actions:  # type: ignore[attr-defined]
        assert choice.help and len(choice.help) > 10, choice.dest


@pytest.mark.parametrize("name", ["run", "serve", "db", "match", "demo", "emulator", "export"])
def test_every_command_has_help(name: str) -> None:
    assert name in subcommand_names()
    result = run_cli(name, "--help")
    assert result.returncode == 0
    assert "usage: mingle " + name in result.stdout


def test_malformed_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "current",
        env={"MINGLE_ADMINS": "bob", "MINGLE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "mingle: MINGLE_ADMINS is malformed: 'bob' is not a Slack user ID (like U012AB3CD)"
    )
    result = run_cli("db", "current", env={"MINGLE_DATABASE_URL": "mysql://x"})
    assert result.returncode == 1 and "MINGLE_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("MINGLE_RETENTION_DAYS", "0", "'0' is not a number of days from 1 to 3650"),
        ("MINGLE_RETENTION_DAYS", "ninety", "'ninety' is not a number of days from 1 to 3650"),
        ("MINGLE_WORKER", "maybe", "'maybe' is not true or false"),
        ("MINGLE_SCHEDULER", "sometimes", "'sometimes' is not true or false"),
        (
            "MINGLE_HEALTH_HOST",
            "http://x",
            "must be a host name or IPv4 address, such as 0.0.0.0 or 127.0.0.1",
        ),
    ],
)
def test_a_bad_operations_setting_stops_startup_in_one_line(
    tmp_path: Path, name: str, value: str, problem: str
) -> None:
    env = {"MINGLE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", name: value}
    result = run_cli("db", "current", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == f"mingle: {name} is malformed: {problem}"


def test_missing_tokens_stop_startup_naming_the_setting(tmp_path: Path) -> None:
    env = {"MINGLE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = run_cli("run", env=env)
    assert result.returncode == 1 and "SLACK_BOT_TOKEN is missing" in result.stderr
    result = run_cli("run", env={**env, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 1 and "SLACK_APP_TOKEN is missing" in result.stderr
    result = run_cli("serve", env={**env, "SLACK_BOT_TOKEN": "oops"})
    assert result.returncode == 1 and "SLACK_BOT_TOKEN is malformed" in result.stderr
    result = run_cli("serve", env={**env, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 1 and "SLACK_SIGNING_SECRET is missing" in result.stderr
    assert "xoxb-1" not in result.stderr


def test_serve_refuses_an_out_of_date_schema_then_db_upgrade_fixes_it(tmp_path: Path) -> None:
    env = {
        "MINGLE_DATABASE_URL": f"sqlite:///{tmp_path}/m.db",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert "mingle db upgrade" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("db", "upgrade", env=env)
    assert result.returncode == 0 and "up to date" in result.stdout
    result = run_cli("db", "current", env=env)
    assert "up to date" in result.stdout


def wait_until_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"mingle serve exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise AssertionError("mingle serve did not become healthy")


def test_mingle_serve_answers_a_signed_join_within_three_seconds(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/serve.db"
    with SlackEmulator() as emu:
        sample = build_sample_workspace(emu)
        env = {
            "MINGLE_DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": emu.api_url,
            "MINGLE_SCHEDULER": "false",
        }
        assert run_cli("db", "upgrade", env=env).returncode == 0
        port = free_port()
        process = subprocess.Popen(
            [*MINGLE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=clean_environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process)
            driver = SlackDriver(url + "/slack/events", SECRET, emu, team_id=emu.team_id)
            user = sample.user_ids[0]
            result, key = driver.command(user, "join")
            assert result.status == 200
            assert result.elapsed < 3.0
            reply = emu.wait_for(lambda: emu.responses(key), timeout=10)[-1]
            assert "Welcome to Mingle" in str(reply)
            session = make_session_factory(make_engine(db_url))()
            stored = session.scalar(select(Member).where(Member.user_id == user))
            assert stored is not None and stored.status == "active"
            session.close()
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=15)
        assert emu.bot_token not in stderr
        assert SECRET not in stderr


def test_socket_mode_app_builds_without_a_signing_secret(sqlite_url: str) -> None:
    """`mingle run` wiring: the app and its Socket Mode handler build from the settings alone
    (connecting to Slack's websocket is the only step no test can take here)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app, build_deps
    from bot.config import load_settings

    with SlackEmulator() as emu:
        settings = load_settings(
            slack_bot_token=emu.bot_token,
            slack_app_token="xapp-1-A0001-socket",
            slack_api_url=emu.api_url,
            database_url=sqlite_url,
        )
        settings.require_slack("socket")
        deps = build_deps(settings)
        assert deps.team_id == emu.team_id
        app = build_app(settings, deps, socket_mode=True)
        handler = SocketModeHandler(app, "xapp-1-A0001-socket")
        assert handler.app is app
        handler.client.close()


@pytest.mark.parametrize(
    ("worker", "scheduler"), [("false", "true"), ("true", "false")], ids=["scheduler", "worker"]
)
def test_the_worker_and_the_scheduler_start_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str, worker: str, scheduler: str
) -> None:
    """As the README says: `MINGLE_WORKER=false` sends nothing here (another instance's
    worker does), even with the scheduler on; `MINGLE_SCHEDULER=false` still delivers."""
    from bot.cli import _start
    from bot.scheduler import stop_background
    from bot.services.delivery import deliver_now
    from tests.e2e.conftest import enqueue_pair_intros

    with SlackEmulator() as emu:
        env = clean_environment(
            SLACK_BOT_TOKEN=emu.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=emu.api_url,
            MINGLE_DATABASE_URL=sqlite_url,
            MINGLE_WORKER=worker,
            MINGLE_SCHEDULER=scheduler,
        )
        for name in [k for k in os.environ if k.startswith(("SLACK_", "MINGLE_"))]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)  # no .env
        monkeypatch.setattr("bot.logs.configure_logging", lambda level: None)  # pytest's
        _, deps, _, jobs = _start("http")
        try:
            assert deps.delivery.running is (worker == "true")
            assert (jobs is not None and jobs.running) is (scheduler == "true")
            enqueue_pair_intros(emu, deps.sessions, 1)
            deliver_now(deps)  # what a handler or a scheduled job does after enqueueing
            if worker == "true":
                emu.wait_for(lambda: emu.calls_to("chat.postMessage"), timeout=10)
            else:
                assert emu.calls_to("conversations.open") == []  # nothing sent in place
        finally:
            assert stop_background(deps, jobs)
