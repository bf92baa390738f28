"""The delivery outbox: enqueue messages, claim them once, and record how they ended.

Planners call `enqueue` in the same transaction as the domain rows they describe. The
delivery worker (`bot.services.delivery`) claims a row with a compare-and-set, so two
workers never send the same row. While a row is "sending", `attempts` is the claim's
fencing token: every later write of that claim (`prepare_post`, `mark_sent`, `mark_failed`,
`release`) only applies while the row is still "sending" with the same `attempts`, so a
worker whose lease was taken over cannot overwrite the new owner's work.

Statuses (`OutboxStatus`): pending -> sending -> sent | failed | skipped, and sending ->
pending on `release`. What follows a sent message is the delivery worker's business
(`bot.services.delivery.AFTER_SENT`). Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.core.status import OutboxKind, OutboxStatus
from storage.models import OutboundMessage
from storage.repositories.inserts import insert_if_new

MAX_GROUP_USERS = 8
MAX_ERROR_LENGTH = 200

#: Claim order: lower goes first. What a person just asked for goes before the backlog of a
#: round, a follow-up or a prompt; every other kind is `BACKLOG`.
ASKED_FOR = 0
BACKLOG = 10
PRIORITY: dict[OutboxKind, int] = {
    OutboxKind.INTRO: ASKED_FOR,  # an introduction, or "Introduce me"
    OutboxKind.SAY_HI: ASKED_FOR,  # a nudged member said hi
    OutboxKind.WELCOME: ASKED_FOR,  # someone just joined a Mingle channel
    OutboxKind.SLOT_OFFER: ASKED_FOR,  # "None of these work": more meeting times
    OutboxKind.SLOT_AGREED: ASKED_FOR,  # the confirmation of the time everyone picked
    OutboxKind.SLOT_INVITE: ASKED_FOR,  # its .ics, right after it (same priority, later id)
    OutboxKind.THANK_YOU: ASKED_FOR,  # a member's thank-you note
}


def priority_of(kind: OutboxKind) -> int:
    return PRIORITY.get(kind, BACKLOG)


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    kind: OutboxKind,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    channel_id: str | None = None,
    user_ids: Sequence[str] | None = None,
    thread_ts: str | None = None,
    ephemeral_user: str | None = None,
    match_id: int | None = None,
    notify_user: str | None = None,
    not_before: dt.datetime | None = None,
    priority: int | None = None,
) -> OutboundMessage | None:
    """Add a message to the outbox; return it, or None when `key` was already there.

    Exactly one of `channel_id` (post in a conversation, or ephemerally to `ephemeral_user`
    there) and `user_ids` (1..8 people: a DM or group DM) names the audience. An existing key
    is left alone without disturbing the caller's transaction. `priority` defaults to the
    kind's (`PRIORITY`).
    """
    users = list(dict.fromkeys(user_ids or []))
    _check_audience(channel_id, users, ephemeral_user)
    values: dict[str, Any] = {
        "team_id": team_id,
        "key": key,
        "kind": kind,
        "text": text,
        "blocks": blocks,
        "channel_id": channel_id,
        "user_ids": users,
        "thread_ts": thread_ts,
        "ephemeral_user": ephemeral_user,
        "match_id": match_id,
        "notify_user": notify_user,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "priority": priority_of(kind) if priority is None else priority,
    }
    if not_before is not None:
        values["not_before"] = not_before
    session.flush()
    row_id = insert_if_new(session, OutboundMessage, values, OutboundMessage.id, conflict=["key"])
    if row_id is None:
        return None
    return session.get(OutboundMessage, row_id)


def _check_audience(channel_id: str | None, users: list[str], ephemeral_user: str | None) -> None:
    if bool(channel_id) == bool(users):
        raise ValueError("an outbox message needs exactly one of channel_id and user_ids")
    if len(users) > MAX_GROUP_USERS:
        raise ValueError(f"a group DM can have at most {MAX_GROUP_USERS} people")
    if ephemeral_user and not channel_id:
        raise ValueError("an ephemeral message needs channel_id")


def get(session: Session, row_id: int) -> OutboundMessage | None:
    """The row as stored now (not a stale copy from the session's identity map)."""
    return session.get(OutboundMessage, row_id, populate_existing=True)


def get_by_key(session: Session, key: str) -> OutboundMessage | None:
    return session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))


def due(
    session: Session, now: dt.datetime, limit: int, *, team_id: str | None = None
) -> list[OutboundMessage]:
    """Pending rows whose `not_before` has come: by priority (what a person asked for
    first), then oldest first."""
    stmt = (
        select(OutboundMessage)
        .where(OutboundMessage.status == OutboxStatus.PENDING, OutboundMessage.not_before <= now)
        .order_by(OutboundMessage.priority, OutboundMessage.id)
        .limit(limit)
    )
    if team_id:
        stmt = stmt.where(OutboundMessage.team_id == team_id)
    return list(session.scalars(stmt))


def next_due_at(session: Session, *, team_id: str | None = None) -> dt.datetime | None:
    """When the earliest pending row becomes due (None when nothing is pending)."""
    stmt = select(func.min(OutboundMessage.not_before)).where(
        OutboundMessage.status == OutboxStatus.PENDING
    )
    if team_id:
        stmt = stmt.where(OutboundMessage.team_id == team_id)
    value = session.scalar(stmt)
    if value is not None and value.tzinfo is None:  # func.min bypasses the UTC type
        value = value.replace(tzinfo=dt.UTC)
    return value


def stale_in_flight(
    session: Session, now: dt.datetime, lease: dt.timedelta, *, team_id: str | None = None
) -> list[OutboundMessage]:
    """Rows left "sending" whose claim is older than `lease` (their worker likely died)."""
    stmt = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == OutboxStatus.SENDING,
            OutboundMessage.claimed_at <= now - lease,
        )
        .order_by(OutboundMessage.id)
    )
    if team_id:
        stmt = stmt.where(OutboundMessage.team_id == team_id)
    return list(session.scalars(stmt))


def claim(session: Session, row_id: int, now: dt.datetime) -> bool:
    """Compare-and-set pending -> sending; True when this caller won the row.

    Counts an attempt; the row's new `attempts` is the claim's fencing token.
    """
    return _update(
        session,
        row_id,
        OutboundMessage.status == OutboxStatus.PENDING,
        status=OutboxStatus.SENDING,
        claimed_at=now,
        attempts=OutboundMessage.attempts + 1,
    )


def reclaim(session: Session, row_id: int, attempt: int, now: dt.datetime) -> bool:
    """Take over a stale "sending" row whose claim had fencing token `attempt`."""
    return _update(
        session,
        row_id,
        _owned(attempt),
        claimed_at=now,
        attempts=OutboundMessage.attempts + 1,
    )


def prepare_post(
    session: Session, row_id: int, attempt: int, *, channel: str, now: dt.datetime
) -> bool:
    """Record the conversation the message is about to go to, and renew the lease.

    Committed before posting: after a crash, a row with `sent_channel` set may have been
    posted (check that conversation's history); a row without it was not.
    """
    return _update(session, row_id, _owned(attempt), sent_channel=channel, claimed_at=now)


def mark_sent(
    session: Session,
    row_id: int,
    attempt: int,
    *,
    channel: str,
    ts: str,
    now: dt.datetime,
    note: str | None = None,
) -> bool:
    """The message went out as `ts` in `channel`."""
    return _update(
        session,
        row_id,
        _owned(attempt),
        status=OutboxStatus.SENT,
        sent_channel=channel,
        sent_ts=ts,
        sent_at=now,
        last_error=_clip(note),
    )


def mark_failed(session: Session, row_id: int, attempt: int, *, error: str) -> bool:
    """The message cannot be delivered; it will not be tried again."""
    return _update(
        session, row_id, _owned(attempt), status=OutboxStatus.FAILED, last_error=_clip(error)
    )


def mark_skipped(session: Session, row_id: int, attempt: int, *, reason: str) -> bool:
    """The message is given up on purpose (e.g. an ephemeral whose delivery can't be checked)."""
    return _update(
        session, row_id, _owned(attempt), status=OutboxStatus.SKIPPED, last_error=_clip(reason)
    )


def release(
    session: Session,
    row_id: int,
    attempt: int,
    *,
    not_before: dt.datetime,
    error: str,
    refund_attempt: bool = False,
) -> bool:
    """Back to pending, to be tried again from `not_before`.

    Only for attempts known not to have posted anything. `refund_attempt` gives the attempt
    back (for rate limiting, which says nothing about the message itself).
    """
    attempts = OutboundMessage.attempts - 1 if refund_attempt else OutboundMessage.attempts
    return _update(
        session,
        row_id,
        _owned(attempt),
        status=OutboxStatus.PENDING,
        not_before=not_before,
        last_error=_clip(error),
        attempts=attempts,
    )


def counts(session: Session, *, team_id: str | None = None) -> dict[OutboxStatus, int]:
    """How many rows are in each status (every status present, zero when none)."""
    stmt = select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
    if team_id:
        stmt = stmt.where(OutboundMessage.team_id == team_id)
    found = {status: 0 for status in OutboxStatus}
    for status, count in session.execute(stmt):
        found[status] = int(count)
    return found


def _owned(attempt: int) -> ColumnElement[bool]:
    return (OutboundMessage.status == OutboxStatus.SENDING) & (OutboundMessage.attempts == attempt)


def _update(session: Session, row_id: int, condition: ColumnElement[bool], **values: Any) -> bool:
    stmt = (
        update(OutboundMessage)
        .where(OutboundMessage.id == row_id, condition)
        .values(**values)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)
    )
    changed = session.execute(stmt).scalar_one_or_none() is not None
    session.flush()
    return changed


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_ERROR_LENGTH:
        return text
    return text[: MAX_ERROR_LENGTH - 1] + "…"
