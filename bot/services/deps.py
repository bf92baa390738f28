"""The dependencies every service receives, assembled once in `bot.app.build_deps`.

`Deps` is complete when built: nothing is attached to it afterwards. Its `delivery` is the
way to the outbox's delivery worker, which the scheduler starts through it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
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
