"""Pruning: what Mingle deletes once it is no longer needed, so the database stays small.

- `processed_event`: the event-dedup rows (`record_event`; Slack retries an event for
  minutes, not days);
- `outbound_message`: rows that are done (sent, failed or skipped). Nothing that matching
  or any other feature needs is read from old outbox rows (who was left alone in a round
  lives on the round: `round_alone`).

Rows go in batches, so a first prune of a large database doesn't hold one long transaction.
Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core.status import OutboxStatus
from storage.models import OutboundMessage, ProcessedEvent
from storage.repositories.inserts import insert_if_new

#: A pruning step: (session, before, limit) -> rows deleted.
Pruner = Callable[[Session, dt.datetime, int], int]

DONE = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED)
BATCH = 1000


def prune_processed_events(session: Session, before: dt.datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` dedup rows of events processed before `before`; how many."""
    keys = session.execute(
        select(ProcessedEvent.team_id, ProcessedEvent.event_id)
        .where(ProcessedEvent.processed_at < before)
        .limit(limit)
    ).all()
    for team_id, event_id in keys:
        session.execute(
            delete(ProcessedEvent)
            .where(ProcessedEvent.team_id == team_id, ProcessedEvent.event_id == event_id)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(keys)


def prune_outbox(session: Session, before: dt.datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` finished outbox rows (sent, failed, skipped) whose message went
    out (or was given up) before `before`; how many."""
    finished_at = func.coalesce(OutboundMessage.sent_at, OutboundMessage.created_at)
    ids = list(
        session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.status.in_(DONE), finished_at < before)
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            delete(OutboundMessage)
            .where(OutboundMessage.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(ids)


def record_event(session: Session, team_id: str, event_id: str, now: dt.datetime) -> bool:
    """Remember that the event was processed; False when it already was (a retry)."""
    values = {"team_id": team_id, "event_id": event_id, "processed_at": now}
    key = ["team_id", "event_id"]
    return (
        insert_if_new(session, ProcessedEvent, values, ProcessedEvent.event_id, conflict=key)
        is not None
    )
