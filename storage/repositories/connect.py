"""Queries for connect: introductions, people to find, match history, nudges and welcomes.

Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from bot.core.status import MatchOutcome, MemberStatus
from storage.models import (
    ChannelConfig,
    Interest,
    Introduction,
    Match,
    MatchMember,
    Member,
    MemberTopic,
    Nudge,
    Round,
    Welcome,
)
from storage.repositories.inserts import insert_if_new

# --- introductions ------------------------------------------------------------------------


def add_introduction(
    session: Session,
    *,
    team_id: str,
    introducer_id: str,
    a_user_id: str,
    b_user_id: str,
    reason: str,
    at: dt.datetime,
) -> Introduction:
    intro = Introduction(
        team_id=team_id,
        introducer_id=introducer_id,
        a_user_id=a_user_id,
        b_user_id=b_user_id,
        reason=reason,
        created_at=at,
    )
    session.add(intro)
    session.flush()
    return intro


def count_introductions(session: Session, team_id: str, since: dt.datetime | None = None) -> int:
    """How many introductions were made in the workspace (since `since`, when given)."""
    stmt = select(func.count(Introduction.id)).where(Introduction.team_id == team_id)
    if since is not None:
        stmt = stmt.where(Introduction.created_at >= since)
    return int(session.scalar(stmt) or 0)


# --- people -------------------------------------------------------------------------------


@dataclass
class PersonProfile:
    """What find and suggestions need of a member, as plain data (loading thousands of
    members as ORM objects with their topics is ten times slower)."""

    user_id: str
    name: str = ""
    bio: str = ""
    team: str = ""
    tz: str = "UTC"
    topics: dict[str, list[str]] = field(default_factory=dict)  # kind -> names, in order
    work_start: dt.time | None = None  # stored working hours (`bot.core.hours.stored_hours`)
    work_end: dt.time | None = None
    work_days: int = 31

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(self.topics.get(kind, ()))


def profile_of(member: Member) -> PersonProfile:
    found = PersonProfile(
        member.user_id,
        member.display_name or member.real_name,
        member.bio,
        member.team_name,
        member.tz,
        work_start=member.work_start,
        work_end=member.work_end,
        work_days=member.work_days,
    )
    for topic in sorted(member.topics, key=lambda t: (t.kind, t.position)):
        found.topics.setdefault(topic.kind, []).append(topic.interest.name)
    return found


def active_profiles(session: Session, team_id: str) -> list[PersonProfile]:
    """Members taking part now (joined, not paused, not left), by user id."""
    active = (Member.team_id == team_id) & (Member.status == MemberStatus.ACTIVE)
    people: dict[int, PersonProfile] = {}
    rows = session.execute(
        select(
            Member.id,
            Member.user_id,
            Member.display_name,
            Member.real_name,
            Member.bio,
            Member.team_name,
            Member.tz,
            Member.work_start,
            Member.work_end,
            Member.work_days,
        )
        .where(active)
        .order_by(Member.user_id)
    ).all()
    for member_id, user_id, display, real, bio, team, tz, start, end, days in rows:
        people[member_id] = PersonProfile(
            user_id, display or real, bio, team, tz, work_start=start, work_end=end, work_days=days
        )
    topics = session.execute(
        select(MemberTopic.member_id, MemberTopic.kind, Interest.name)
        .join(Interest, Interest.id == MemberTopic.interest_id)
        .join(Member, Member.id == MemberTopic.member_id)
        .where(active)
        .order_by(MemberTopic.member_id, MemberTopic.kind, MemberTopic.position)
    ).all()
    for member_id, kind, name in topics:
        person = people.get(member_id)
        if person is not None:
            person.topics.setdefault(kind, []).append(name)
    return list(people.values())


def matched_with(session: Session, team_id: str, user_id: str) -> set[str]:
    """Everyone who was ever in a match with `user_id`."""
    mine = aliased(MatchMember)
    other = aliased(MatchMember)
    stmt = (
        select(other.user_id)
        .join(mine, mine.match_id == other.match_id)
        .join(Match, Match.id == mine.match_id)
        .where(Match.team_id == team_id, mine.user_id == user_id, other.user_id != user_id)
        .distinct()
    )
    return set(session.scalars(stmt))


def encounters(
    session: Session, team_id: str, user_id: str
) -> list[tuple[str, dt.datetime, MatchOutcome | None, frozenset[str]]]:
    """(other person, round time, match outcome, everyone in the match) for each person
    `user_id` was matched with, oldest first."""
    mine = aliased(MatchMember)
    stmt = (
        select(Match.id, Round.scheduled_for, Match.outcome, MatchMember.user_id)
        .join(mine, mine.match_id == Match.id)
        .join(Round, Round.id == Match.round_id)
        .join(MatchMember, MatchMember.match_id == Match.id)
        .where(Match.team_id == team_id, mine.user_id == user_id)
        .order_by(Round.scheduled_for, Match.id)
    )
    groups: dict[int, tuple[dt.datetime, MatchOutcome | None, list[str]]] = {}
    for match_id, at, outcome, member in session.execute(stmt).all():
        groups.setdefault(match_id, (at, outcome, []))[2].append(member)
    result = []
    for at, outcome, members in groups.values():
        everyone = frozenset(members)
        for member in members:
            if member != user_id:
                result.append((member, at, outcome, everyone))
    return result


# --- reconnect nudges ---------------------------------------------------------------------


def reconnect_members(session: Session, due_before: dt.datetime) -> list[tuple[str, str]]:
    """(team, user) of active members with nudges on, not nudged since `due_before`."""
    stmt = (
        select(Member.team_id, Member.user_id)
        .where(
            Member.reconnect_enabled.is_(True),
            Member.status == MemberStatus.ACTIVE,
            (Member.last_nudge_at.is_(None)) | (Member.last_nudge_at <= due_before),
        )
        .order_by(Member.team_id, Member.user_id)
    )
    return list(session.execute(stmt).all())


def claim_nudge(
    session: Session, member: Member, previous: dt.datetime | None, now: dt.datetime
) -> bool:
    """Compare-and-set the member's `last_nudge_at` from `previous` to `now`; True when this
    caller won (two schedulers never nudge the same member twice)."""
    condition = (
        Member.last_nudge_at.is_(None) if previous is None else Member.last_nudge_at == previous
    )
    claimed = session.execute(
        update(Member)
        .where(Member.id == member.id, condition)
        .values(last_nudge_at=now)
        .returning(Member.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.flush()
    return claimed is not None


def nudges_for(session: Session, team_id: str, user_id: str) -> list[Nudge]:
    """The member's nudges, most recent first."""
    stmt = (
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.user_id == user_id)
        .order_by(Nudge.sent_at.desc(), Nudge.id.desc())
    )
    return list(session.scalars(stmt))


def add_nudge(
    session: Session, team_id: str, user_id: str, other_user_id: str, at: dt.datetime
) -> Nudge:
    nudge = Nudge(team_id=team_id, user_id=user_id, other_user_id=other_user_id, sent_at=at)
    session.add(nudge)
    session.flush()
    return nudge


def get_nudge(session: Session, nudge_id: int) -> Nudge | None:
    return session.get(Nudge, nudge_id)


# --- welcome ------------------------------------------------------------------------------


def is_mingle_channel(session: Session, team_id: str, channel_id: str) -> bool:
    stmt = select(ChannelConfig.id).where(
        ChannelConfig.team_id == team_id, ChannelConfig.channel_id == channel_id
    )
    return session.scalar(stmt) is not None


def was_welcomed(session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    return session.get(Welcome, (team_id, channel_id, user_id)) is not None


def add_welcome(
    session: Session, team_id: str, channel_id: str, user_id: str, at: dt.datetime
) -> bool:
    """Record a welcome; False when this person was already welcomed in this channel."""
    values = {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "welcomed_at": at}
    return insert_if_new(session, Welcome, values, Welcome.user_id) is not None
