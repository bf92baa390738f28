"""Shared pacing: one instance at a time sends a workspace's outbox.

Each process paces its calls to 95% of Slack's limits (`bot.slack.pacing.Pacer`), but two
instances pacing on their own would together go over. So a delivery pass first takes the
workspace's *delivery lease* in the database (`storage.repositories.delivery_lease`), keeps
it renewed while it sends (a heartbeat thread, every `RENEW_EVERY`), and lets it go when it is
done. Another instance that finds the lease taken sends nothing and tries again shortly; the
one holding it sends every due row, including those the others enqueued. A holder that stops
renewing (killed, frozen, cut off from the database) loses the lease after `LEASE_TTL`.

A lease rather than a shared token budget: it is exact (only one pacer ever paces a
workspace, so Slack's sliding windows are never shared), needs one write every few seconds
instead of one per call, and one instance can send at the full rate anyway. The holder is
the pacer (`Pacer.holder`), so threads of one process that share a pacer share the lease.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.services.deps import Deps
from storage.repositories import delivery_lease as repo

log = logging.getLogger(__name__)

#: A holder that has not renewed its lease for this long is taken to be gone.
LEASE_TTL = dt.timedelta(seconds=15)
#: How often the holder renews it (a third of the TTL: two renewals may fail in a row).
RENEW_EVERY = LEASE_TTL.total_seconds() / 3
#: How soon an instance that found the lease taken tries again.
RETRY_EVERY = 2.0
_POLL = 0.1  # how quickly a stop of the worker reaches the pass


def scope_of(deps: Deps) -> str:
    """The lease's scope: the worker's workspace, or "*" when it serves every workspace."""
    return deps.team_id or "*"


@contextmanager
def delivery_turn(
    deps: Deps,
    holder: str,
    *,
    stale_after: dt.timedelta = LEASE_TTL,
    stop: threading.Event | None = None,
) -> Iterator[threading.Event | None]:
    """Hold the workspace's delivery lease for the `with` block.

    Yields None when another instance holds it, else an event that is set when `stop` is
    set or the lease is lost: the pass must stop sending then. `stale_after` (at most
    `LEASE_TTL`) is how long the current holder may have gone without renewing before it
    is taken over; 0 takes it over at once (a worker that knows it runs alone).
    """
    scope = scope_of(deps)
    stale_after = min(stale_after, LEASE_TTL)
    with deps.sessions.begin() as session:
        taken = repo.take(session, scope, holder, deps.clock(), stale_after)
    if not taken:
        yield None
        return
    ended = threading.Event()
    halt = threading.Event()
    if stop is not None and stop.is_set():
        halt.set()
    heartbeat = threading.Thread(
        target=_keep,
        args=(deps, scope, holder, stop, ended, halt),
        name="mingle-delivery-lease",
        daemon=True,
    )
    heartbeat.start()
    try:
        yield halt
    finally:
        ended.set()
        heartbeat.join()
        try:
            with deps.sessions.begin() as session:
                repo.give_up(session, scope, holder)
        except Exception:  # it expires on its own
            log.warning("couldn't release the delivery lease of %s", scope, exc_info=True)


def _keep(
    deps: Deps,
    scope: str,
    holder: str,
    stop: threading.Event | None,
    ended: threading.Event,
    halt: threading.Event,
) -> None:
    """Renew the lease every `RENEW_EVERY` until the pass ends; set `halt` if it is lost or
    the worker stops."""
    waited = 0.0
    while not ended.wait(_POLL):
        if stop is not None and stop.is_set():
            halt.set()
            return
        waited += _POLL
        if waited < RENEW_EVERY:
            continue
        waited = 0.0
        try:
            with deps.sessions.begin() as session:
                kept = repo.renew(session, scope, holder, deps.clock())
        except Exception:
            log.warning("couldn't renew the delivery lease of %s", scope, exc_info=True)
            kept = False
        if not kept:
            log.warning("lost the delivery lease of %s: stopping this pass", scope)
            halt.set()
            return


class LocalPasses:
    """Passes of one process that share a holder (its pacer) and a workspace: the lease row
    cannot tell them apart, so they must not run side by side (the first to finish would give
    the lease up under the other). The first runs; a later one leaves a note instead, and the
    running pass goes round once more before it lets go, so what the later one was asked to
    send still goes out."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running: set[tuple[str, str]] = set()
        self._again: set[tuple[str, str]] = set()

    def enter(self, key: tuple[str, str]) -> bool:
        """True: run the pass. False: one is under way here; it will go round again."""
        with self._guard:
            if key in self._running:
                self._again.add(key)
                return False
            self._running.add(key)
            return True

    def again(self, key: tuple[str, str]) -> bool:
        """After a pass: True when asked to go round again (still running), else it is over."""
        with self._guard:
            if key in self._again:
                self._again.discard(key)
                return True
            self._running.discard(key)
            return False

    def leave(self, key: tuple[str, str]) -> None:
        with self._guard:
            self._running.discard(key)
            self._again.discard(key)


LOCAL_PASSES = LocalPasses()


def lease_holder(deps: Deps) -> str | None:
    """Who holds this workspace's delivery lease now (for tests and diagnostics)."""
    with deps.sessions() as session:
        found = repo.holder_of(session, scope_of(deps))
    return found[0] if found else None
