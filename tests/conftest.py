"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), the Slack emulator,
and `make_deps`, the one way tests build the services' dependencies.

A test module that needs particular people or channels overrides `emu` with a fixture of the
same name that takes the shared one and adds them (pytest's documented override); `sample`
gives the realistic sample workspace instead.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.app import build_deps
from bot.config import load_settings
from bot.services.deps import Deps, Worker, utcnow
from bot.slack.client import make_web_client
from bot.testing.emulator import SlackEmulator
from bot.testing.outbox import posted_keys as posted_keys  # the tests import it from here
from bot.testing.sample import SampleWorkspace, build_sample_workspace
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("MINGLE_TEST_POSTGRES_URL", "")
POSTGRES_SKIP = "PostgreSQL tests skipped: set MINGLE_TEST_POSTGRES_URL (CI sets it)"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "mingle.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "mingle.db"
    shutil.copy(sqlite_template, target)
    for suffix in ("-wal", "-shm"):
        extra = sqlite_template.with_name(sqlite_template.name + suffix)
        if extra.exists():
            shutil.copy(extra, target.with_name(target.name + suffix))
    return f"sqlite:///{target}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema of its own, dropped after the test."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    schema = f"mingle_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test on SQLite, and again on PostgreSQL when it is configured."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: SessionFactory) -> Iterator[Session]:
    """One transaction for the whole test, committed at its end."""
    with sessions.begin() as s:
        yield s


def only_id(deps: Deps, column: InstrumentedAttribute[int]) -> int:
    """The id (`column`, like `Round.id`) of the one row the test made in that table."""
    with deps.sessions() as session:
        found = session.scalar(select(column))
    assert found is not None
    return int(found)


# --- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    """A running emulator: team T0001, bot UBOT, token xoxb-test-token, nobody else yet."""
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def sample(emu: SlackEmulator) -> SampleWorkspace:
    """The realistic sample workspace (the demo's), in `emu`."""
    return build_sample_workspace(emu)


def run_at_once(calls: Sequence[Callable[[], object]], *, timeout: float = 60.0) -> None:
    """Run each call in a thread of its own, all started together, and wait for them (at most
    `timeout` seconds each, so a stuck call fails the test's checks instead of hanging it)."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


# --- the services' dependencies ----------------------------------------------------------------


class IdleWorker:
    """Stands in for the delivery worker (`make_deps(delivery=IdleWorker())`): planning and the
    jobs wake it, it counts the wakes, and nothing is sent."""

    running = True

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 10.0) -> None:
        pass


class MakeDeps(Protocol):
    def __call__(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        engine: Engine | None = None,
        delivery: Worker | None = None,
        max_rate_limit_retries: int = 3,
    ) -> Deps: ...


@pytest.fixture
def make_deps(emu: SlackEmulator, engine: Engine, database_url: str) -> MakeDeps:
    """Build `Deps` as the app does (`bot.app.build_deps`: auth.test, features installed),
    talking to `emu` through a real WebClient and stored in the test's database.

    `clock` replaces the real time; `engine` gives a second instance its own connections;
    `delivery` stands in for the running delivery worker (started through `deps.delivery`).
    """
    default_engine = engine

    def make(
        *,
        clock: Callable[[], dt.datetime] | None = None,
        engine: Engine | None = None,
        delivery: Worker | None = None,
        max_rate_limit_retries: int = 3,
    ) -> Deps:
        settings = load_settings(
            slack_bot_token=emu.bot_token, slack_api_url=emu.api_url, database_url=database_url
        )
        client = make_web_client(
            emu.bot_token, emu.api_url, max_rate_limit_retries=max_rate_limit_retries
        )
        deps = build_deps(
            settings,
            engine=engine or default_engine,
            client=client,
            clock=clock or utcnow,
        )
        if delivery is not None:
            deps.delivery.run(delivery)
        return deps

    return make
