"""The dependencies every service receives, assembled once in `bot.app.build_deps`.

`Deps` is complete when built: nothing is attached to it afterwards. Its `delivery` is the
way to the outbox's delivery worker, which the scheduler starts through it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.config import Settings
from bot.core.blocks import Block
from bot.slack.gateway import SlackGateway
from bot.slack.pacing import Pacer
from storage.db import SessionFactory

# A provider of extra App Home sections (for example an admin's stats): (deps, team, user).
HomeSection = Callable[["Deps", str, str], list[Block]]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Worker(Protocol):
    """A thread that delivers the outbox (`bot.services.delivery.DeliveryWorker`)."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def wake(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


class Delivery:
    """The handle on this process's delivery worker, if one runs.

    Whoever enqueues calls `bot.services.delivery.deliver_now(deps)`, which wakes the worker
    (`wake`). When none runs here, it delivers in place only if `inline` (tests and the demo,
    which run no worker); `mingle run` and `mingle serve` build it with `inline=False`, so a
    request thread never sends the outbox: with `MINGLE_WORKER=false` another instance's
    worker does. `run` starts the worker and `stop` stops it (releasing the row in hand).
    """

    def __init__(self, *, inline: bool = True) -> None:
        self.inline = inline
        self._worker: Worker | None = None
        self._lock = threading.Lock()

    def run(self, worker: Worker) -> None:
        """Start `worker`; from now on `wake` wakes it."""
        worker.start()
        with self._lock:
            self._worker = worker

    def stop(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    @property
    def running(self) -> bool:
        """Whether a delivery worker runs in this process."""
        with self._lock:
            worker = self._worker
        return worker is not None and worker.running

    def wake(self) -> bool:
        """Wake the worker, if one runs in this process; True when one was woken."""
        with self._lock:
            worker = self._worker
        if worker is None or not worker.running:
            return False
        worker.wake()
        return True


class Workspaces(Protocol):
    """Which token serves a workspace (`bot.services.workspaces`): one lookup for both
    modes."""

    multi: bool

    def gateway(self, team_id: str, enterprise_id: str | None = None) -> SlackGateway: ...

    def bot_user_id(self, team_id: str) -> str: ...

    def is_installed(self, team_id: str | None, enterprise_id: str | None) -> bool: ...

    def knows(self, team_id: str | None, enterprise_id: str | None) -> bool: ...

    def teams(self) -> list[str | None]: ...

    def forget(self, team_id: str | None, enterprise_id: str | None = None) -> None: ...


@dataclass
class Deps:
    settings: Settings
    sessions: SessionFactory
    slack: SlackGateway
    team_id: str = ""
    bot_user_id: str = ""
    clock: Callable[[], dt.datetime] = utcnow
    home_sections: tuple[HomeSection, ...] = ()
    # One budget per process for Slack's rate limits, shared by every delivery pass.
    pacer: Pacer = field(default_factory=Pacer)
    delivery: Delivery = field(default_factory=Delivery)
    # Which token serves which workspace (`bot.services.workspaces`); None: `slack` serves
    # every workspace (tests that build Deps by hand).
    workspaces: Workspaces | None = None

    def for_team(self, team_id: str, enterprise_id: str | None = None) -> Deps:
        """These dependencies bound to one workspace: `slack` holds that workspace's token,
        `team_id` and `bot_user_id` are its own. Requests are bound by `bot.app`, scheduled
        jobs per schedule, the delivery worker per workspace. Raises `WorkspaceNotInstalled`
        for a workspace Mingle does not serve."""
        if self.workspaces is None or not self.workspaces.multi:
            return self  # one token, one workspace (the boundary refuses the others)
        gateway = self.workspaces.gateway(team_id, enterprise_id)
        return replace(
            self,
            slack=gateway,
            team_id=team_id,
            bot_user_id=self.workspaces.bot_user_id(team_id) or self.bot_user_id,
        )
