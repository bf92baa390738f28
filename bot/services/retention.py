"""Keeping the database small: the daily prune (`prune`, a periodic job of the scheduler).

- Event-dedup rows (`processed_event`) go after `EVENT_DAYS` (one day): Slack retries an
  event for a few minutes at most.
- Outbox rows that are done (sent, failed or skipped) go `MINGLE_RETENTION_DAYS` (default
  90) after they were sent or given up. Pending and in-flight rows are never pruned. What
  matching needs (who was left alone in a round) lives on the round, so pruning doesn't
  change matching; an outbox key pruned after months is never enqueued again (keys name
  rounds, prompts and slots that are long past).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.services.deps import Deps
from storage.repositories import retention as repo

log = logging.getLogger(__name__)

#: Event-dedup rows are kept this long.
EVENT_DAYS = 1
#: How often the scheduler runs `prune`, in seconds.
PRUNE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Pruned:
    """How many rows one prune deleted."""

    events: int
    messages: int


def prune(deps: Deps) -> Pruned:
    """Delete dedup rows older than a day and finished outbox rows older than the
    retention period, in batches (one transaction each)."""
    now = deps.clock()
    events = _in_batches(deps, repo.prune_processed_events, now - dt.timedelta(days=EVENT_DAYS))
    retention = dt.timedelta(days=deps.settings.retention_days)
    messages = _in_batches(deps, repo.prune_outbox, now - retention)
    if events or messages:
        log.info("pruned %d event-dedup rows and %d outbox rows", events, messages)
    return Pruned(events, messages)


def run_prune(deps: Deps) -> None:
    """The scheduler's job."""
    prune(deps)


def _in_batches(deps: Deps, step: repo.Pruner, before: dt.datetime) -> int:
    total = 0
    while True:
        with deps.sessions.begin() as session:
            count = step(session, before, repo.BATCH)
        total += count
        if count < repo.BATCH:
            return total
