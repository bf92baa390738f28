"""Members and their topics (forgetting a member: `storage.repositories.forget`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.status import MemberStatus
from storage.models import (
    Interest,
    Member,
    MemberTopic,
)


def get_member(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.scalar(
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
    )


def get_or_create_member(session: Session, team_id: str, user_id: str) -> tuple[Member, bool]:
    member = get_member(session, team_id, user_id)
    if member is not None:
        return member, False
    member = Member(team_id=team_id, user_id=user_id, status=MemberStatus.LEFT)
    session.add(member)
    session.flush()
    return member, True


def members_by_user(
    session: Session, team_id: str, user_ids: Iterable[str] | None = None
) -> dict[str, Member]:
    query = select(Member).where(Member.team_id == team_id)
    if user_ids is not None:
        ids = list(set(user_ids))
        if not ids:
            return {}
        found: dict[str, Member] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for member in session.scalars(query.where(Member.user_id.in_(chunk))):
                found[member.user_id] = member
        return found
    return {member.user_id: member for member in session.scalars(query)}


def topic_names(member: Member, kind: str) -> list[str]:
    topics = sorted((t for t in member.topics if t.kind == kind), key=lambda t: t.position)
    return [t.interest.name for t in topics]


def interests_by_name(session: Session, team_id: str, names: Sequence[str]) -> dict[str, Interest]:
    if not names:
        return {}
    existing = {
        interest.name: interest
        for interest in session.scalars(
            select(Interest).where(Interest.team_id == team_id, Interest.name.in_(list(names)))
        )
    }
    for name in names:
        if name not in existing:
            interest = Interest(team_id=team_id, name=name)
            session.add(interest)
            existing[name] = interest
    session.flush()
    return existing


def set_topics(session: Session, member: Member, kind: str, names: Sequence[str]) -> None:
    """Replace the member's topics of `kind` with `names` (already normalised), in order."""
    interests = interests_by_name(session, member.team_id, names)
    member.topics = [t for t in member.topics if t.kind != kind]
    session.flush()
    for position, name in enumerate(names):
        member.topics.append(
            MemberTopic(
                interest=interests[name],
                interest_id=interests[name].id,
                kind=kind,
                position=position,
            )
        )
    session.flush()


def search_topics(session: Session, team_id: str, query: str, limit: int = 50) -> list[str]:
    """Known topic names in the workspace containing `query`, most used first."""
    usage = func.count(MemberTopic.member_id)
    stmt = (
        select(Interest.name)
        .outerjoin(MemberTopic, MemberTopic.interest_id == Interest.id)
        .where(Interest.team_id == team_id)
        .group_by(Interest.id, Interest.name)
        .having(usage > 0)
        .order_by(usage.desc(), Interest.name)
        .limit(limit)
    )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Interest.name.like(pattern, escape="\\"))
    return list(session.scalars(stmt))


def resume_expired_pauses(session: Session, today: dt.date) -> int:
    """Members whose pause has ended become active again; returns how many."""
    members = session.scalars(
        select(Member).where(Member.status == MemberStatus.PAUSED, Member.paused_until <= today)
    ).all()
    for member in members:
        member.status = MemberStatus.ACTIVE
        member.paused_until = None
    session.flush()
    return len(members)
