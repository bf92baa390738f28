"""Avoid lists: the people a member would rather not be grouped with (private to them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from storage.models import Avoid

#: The longest avoid list a member can keep.
MAX_AVOID = 50


def avoided_by(session: Session, team_id: str, user_id: str) -> list[str]:
    """The people on `user_id`'s own list, oldest first."""
    return list(
        session.scalars(
            select(Avoid.other_user_id)
            .where(Avoid.team_id == team_id, Avoid.user_id == user_id)
            .order_by(Avoid.created_at, Avoid.other_user_id)
        )
    )


def apart_from(session: Session, team_id: str, user_id: str) -> set[str]:
    """Everyone never to be put with `user_id`: on their list, or having them on theirs."""
    rows = session.execute(
        select(Avoid.user_id, Avoid.other_user_id).where(
            Avoid.team_id == team_id,
            or_(Avoid.user_id == user_id, Avoid.other_user_id == user_id),
        )
    )
    return {other if owner == user_id else owner for owner, other in rows} - {user_id}


def lists_of(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, set[str]]:
    """Each person's own list (only those with one), for a round's participants."""
    ids = list(set(user_ids))
    found: dict[str, set[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(Avoid.user_id, Avoid.other_user_id).where(
                Avoid.team_id == team_id, Avoid.user_id.in_(chunk)
            )
        )
        for owner, other in rows:
            found.setdefault(owner, set()).add(other)
    return found


def add(
    session: Session, team_id: str, user_id: str, others: Iterable[str], at: dt.datetime
) -> list[str]:
    """Put people on `user_id`'s list; returns those that were not on it already."""
    current = set(avoided_by(session, team_id, user_id))
    added = [other for other in dict.fromkeys(others) if other not in current and other != user_id]
    for other in added:
        session.add(Avoid(team_id=team_id, user_id=user_id, other_user_id=other, created_at=at))
    session.flush()
    return added


def remove(session: Session, team_id: str, user_id: str, others: Iterable[str]) -> list[str]:
    """Take people off `user_id`'s list; returns those that were on it."""
    wanted = set(others)
    removed = [other for other in avoided_by(session, team_id, user_id) if other in wanted]
    if removed:
        session.execute(
            delete(Avoid).where(
                Avoid.team_id == team_id,
                Avoid.user_id == user_id,
                Avoid.other_user_id.in_(removed),
            )
        )
        session.flush()
    return removed
