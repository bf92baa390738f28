"""The delivery lease: which instance sends a workspace's outbox right now.

One row per scope (a team id, or "*" for a worker that serves every workspace): its holder
and when the holder last renewed it. Taking it is an insert-if-new, or a compare-and-set
update that succeeds only for the holder itself or when the holder has not renewed it for
`stale_after` (it stopped or died). Repositories flush, never commit: the caller commits
each step at once, so the lease is visible to the other instances.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import DeliveryLease
from storage.repositories.inserts import insert_if_new


def take(
    session: Session, scope: str, holder: str, now: dt.datetime, stale_after: dt.timedelta
) -> bool:
    """Take (or keep) the lease of `scope` for `holder`; False when another holder has it."""
    values = {"scope": scope, "holder": holder, "renewed_at": now}
    if insert_if_new(session, DeliveryLease, values, DeliveryLease.scope, conflict=["scope"]):
        return True
    result = session.execute(
        update(DeliveryLease)
        .where(
            DeliveryLease.scope == scope,
            or_(DeliveryLease.holder == holder, DeliveryLease.renewed_at <= now - stale_after),
        )
        .values(holder=holder, renewed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0) == 1)


def renew(session: Session, scope: str, holder: str, now: dt.datetime) -> bool:
    """Renew the lease `holder` has; False when it was lost (taken over)."""
    result = session.execute(
        update(DeliveryLease)
        .where(DeliveryLease.scope == scope, DeliveryLease.holder == holder)
        .values(renewed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0) == 1)


def give_up(session: Session, scope: str, holder: str) -> None:
    """Let the lease go (if `holder` still has it), so another instance can take it at once."""
    session.execute(
        delete(DeliveryLease)
        .where(DeliveryLease.scope == scope, DeliveryLease.holder == holder)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def holder_of(session: Session, scope: str) -> tuple[str, dt.datetime] | None:
    """Who has the lease of `scope` and when they last renewed it, if anyone."""
    row = session.execute(
        select(DeliveryLease.holder, DeliveryLease.renewed_at).where(DeliveryLease.scope == scope)
    ).first()
    return (row[0], row[1]) if row is not None else None
