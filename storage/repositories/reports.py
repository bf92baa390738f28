"""Read-only queries for admin reports: figures per round, prompt and member, and row streams.

Every query is limited to one workspace (`Scope.team_id`), and optionally to one channel and
to activity since a moment. Aggregates are computed in SQL (GROUP BY), and the long tables
(groups, answers) are read a round or a page at a time: a year of a 10,000-person workspace
never sits in memory as ORM objects, and no read holds a transaction open for long (SQLite
transactions here take the write lock). Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.stats import RoundFigures
from bot.core.status import NOT_MET, MatchOutcome
from storage.models import (
    Answer,
    ChannelConfig,
    Interest,
    Introduction,
    Match,
    MatchMember,
    MeetingSlot,
    Member,
    MemberTopic,
    OutboundMessage,
    Prompt,
    Round,
    Schedule,
    ThankYouNote,
)

PAGE_SIZE = 5000


@dataclass(frozen=True)
class Scope:
    """Whose data a report covers: one workspace, maybe one channel, maybe since a moment."""

    team_id: str
    channel_id: str | None = None
    since: dt.datetime | None = None


class PromptRow(NamedTuple):
    prompt_id: int
    channel_id: str
    scheduled_for: dt.datetime
    posted_at: dt.datetime | None
    text: str
    permalink: str | None
    answers: int
    message_ts: str | None


class MemberRow(NamedTuple):
    member_id: int
    user_id: str
    display_name: str
    real_name: str
    team_name: str
    tz: str
    joined_at: dt.datetime
    status: str
    paused_until: dt.date | None
    last_active_at: dt.datetime


class MatchActivity(NamedTuple):
    rounds: int
    met: int
    not_met: int


class GroupRow(NamedTuple):
    round_id: int
    scheduled_for: dt.datetime
    channel_id: str
    match_id: int
    score: float
    reasons: list[str] | None
    outcome: str | None
    user_ids: str | None  # comma-separated, in no particular order


class AnswerRow(NamedTuple):
    answer_id: int
    created_at: dt.datetime
    channel_id: str
    prompt_id: int | None
    user_id: str
    topic: str
    text: str
    source: str
    reaction_count: int
    permalink: str


# --- scope filters --------------------------------------------------------------------------


def _in_scope(model: Any, when: Any, scope: Scope, *, by_channel: bool = True) -> list[Any]:
    """Conditions keeping `model`'s rows of the scope: its workspace, its channel (when the
    table has one) and its period (`when` on or after `since`)."""
    conditions: list[Any] = [model.team_id == scope.team_id]
    if by_channel and scope.channel_id:
        conditions.append(model.channel_id == scope.channel_id)
    if scope.since is not None:
        conditions.append(when >= scope.since)
    return conditions


def _rounds_in(scope: Scope) -> list[Any]:
    return _in_scope(Round, Round.scheduled_for, scope)


def _prompts_in(scope: Scope) -> list[Any]:
    return _in_scope(Prompt, Prompt.scheduled_for, scope)


def _answers_in(scope: Scope) -> list[Any]:
    return _in_scope(Answer, Answer.created_at, scope)


def _intros_in(scope: Scope) -> list[Any]:
    return _in_scope(Introduction, Introduction.created_at, scope, by_channel=False)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- workspaces and channels ----------------------------------------------------------------


def workspace_ids(session: Session) -> list[str]:
    """Every workspace (team id) with data in this database, sorted."""
    query = union(
        select(Member.team_id),
        select(Round.team_id),
        select(Prompt.team_id),
        select(Answer.team_id),
        select(ChannelConfig.team_id),
    )
    return sorted({str(team) for team in session.scalars(select(query.subquery().c[0]))})


def channel_known(session: Session, team_id: str, channel_id: str) -> bool:
    """True when Mingle runs (or ran) rounds or prompts in the channel, or kept answers there."""
    checks: list[Select[Any]] = [
        select(literal(1)).where(
            ChannelConfig.team_id == team_id, ChannelConfig.channel_id == channel_id
        ),
        select(literal(1)).where(Schedule.team_id == team_id, Schedule.channel_id == channel_id),
        select(literal(1)).where(Round.team_id == team_id, Round.channel_id == channel_id),
        select(literal(1)).where(Prompt.team_id == team_id, Prompt.channel_id == channel_id),
        select(literal(1)).where(Answer.team_id == team_id, Answer.channel_id == channel_id),
    ]
    return any(session.scalar(check.limit(1)) is not None for check in checks)


# --- figures --------------------------------------------------------------------------------


def round_rows(session: Session, scope: Scope) -> list[RoundFigures]:
    """Every round in scope, oldest first, with its groups, people and outcomes."""
    groups = (
        select(
            Match.round_id.label("round_id"),
            func.count(Match.id).label("groups"),
            _count_if(Match.outcome == MatchOutcome.MET).label("met"),
            _count_if(Match.outcome.in_(NOT_MET)).label("not_met"),
        )
        .join(Round, Round.id == Match.round_id)
        .where(*_rounds_in(scope))
        .group_by(Match.round_id)
        .subquery()
    )
    people = (
        select(Match.round_id.label("round_id"), func.count().label("participants"))
        .join(MatchMember, MatchMember.match_id == Match.id)
        .join(Round, Round.id == Match.round_id)
        .where(*_rounds_in(scope))
        .group_by(Match.round_id)
        .subquery()
    )
    query = (
        select(
            Round.id,
            Round.channel_id,
            Round.scheduled_for,
            Round.status,
            func.coalesce(people.c.participants, 0),
            func.coalesce(groups.c.groups, 0),
            func.coalesce(groups.c.met, 0),
            func.coalesce(groups.c.not_met, 0),
        )
        .outerjoin(groups, groups.c.round_id == Round.id)
        .outerjoin(people, people.c.round_id == Round.id)
        .where(*_rounds_in(scope))
        .order_by(Round.scheduled_for, Round.id)
    )
    return [RoundFigures(*row) for row in session.execute(query)]


def prompt_rows(session: Session, scope: Scope) -> list[PromptRow]:
    """Every prompt in scope, oldest first, with how many answers it collected.

    A prompt's own `posted_at` and `message_ts` are filled in lazily by the prompts feature;
    until then, its delivered outbox row says whether (and when) it was posted.
    """
    answers = (
        select(Answer.prompt_id.label("prompt_id"), func.count().label("answers"))
        .where(Answer.team_id == scope.team_id, Answer.prompt_id.is_not(None))
        .group_by(Answer.prompt_id)
        .subquery()
    )
    query = (
        select(
            Prompt.id,
            Prompt.channel_id,
            Prompt.scheduled_for,
            Prompt.posted_at,
            Prompt.text,
            Prompt.permalink,
            func.coalesce(answers.c.answers, 0),
            Prompt.message_ts,
        )
        .outerjoin(answers, answers.c.prompt_id == Prompt.id)
        .where(*_prompts_in(scope))
        .order_by(Prompt.scheduled_for, Prompt.id)
    )
    rows = [PromptRow._make(row) for row in session.execute(query)]
    waiting = {outbox_keys.prompt(row.prompt_id): row for row in rows if row.posted_at is None}
    sent: dict[int, tuple[dt.datetime | None, str]] = {}
    keys = list(waiting)
    for start in range(0, len(keys), 500):
        delivered = select(
            OutboundMessage.key, OutboundMessage.sent_at, OutboundMessage.sent_ts
        ).where(
            OutboundMessage.team_id == scope.team_id,
            OutboundMessage.key.in_(keys[start : start + 500]),
            OutboundMessage.sent_ts.is_not(None),
        )
        for key, sent_at, sent_ts in session.execute(delivered):
            sent[waiting[key].prompt_id] = (sent_at, str(sent_ts))
    return [
        row._replace(posted_at=sent[row.prompt_id][0], message_ts=sent[row.prompt_id][1])
        if row.prompt_id in sent
        else row
        for row in rows
    ]


def answers_count(session: Session, scope: Scope) -> int:
    return int(session.scalar(select(func.count(Answer.id)).where(*_answers_in(scope))) or 0)


def _match_in(scope: Scope, match_id: Any) -> list[Any]:
    """Conditions: the group `match_id` is in the scope's workspace (and channel)."""
    rounds = select(Match.id).join(Round, Round.id == Match.round_id)
    rounds = rounds.where(Match.team_id == scope.team_id)
    if scope.channel_id:
        rounds = rounds.where(Round.channel_id == scope.channel_id)
    return [match_id.in_(rounds)]


def times_agreed(session: Session, scope: Scope) -> int:
    """Meeting slots every member of a group picked (agreed in the period)."""
    conditions = [MeetingSlot.agreed_at.is_not(None), *_match_in(scope, MeetingSlot.match_id)]
    if scope.since is not None:
        conditions.append(MeetingSlot.agreed_at >= scope.since)
    return int(session.scalar(select(func.count(MeetingSlot.id)).where(*conditions)) or 0)


def thank_yous_sent(session: Session, scope: Scope) -> int:
    """Thank-you notes sent after "We met" (in the period)."""
    conditions = [*_match_in(scope, ThankYouNote.match_id)]
    if scope.since is not None:
        conditions.append(ThankYouNote.created_at >= scope.since)
    return int(session.scalar(select(func.count(ThankYouNote.id)).where(*conditions)) or 0)


def member_statuses(session: Session, team_id: str) -> dict[str, str]:
    """user id -> status, for every member of the workspace."""
    query = select(Member.user_id, Member.status).where(Member.team_id == team_id)
    return {str(user): str(status) for user, status in session.execute(query)}


def intros_by_introducer(session: Session, scope: Scope) -> dict[str, int]:
    query = (
        select(Introduction.introducer_id, func.count())
        .where(*_intros_in(scope))
        .group_by(Introduction.introducer_id)
    )
    return {str(user): int(count) for user, count in session.execute(query)}


def answers_by_user(session: Session, scope: Scope) -> dict[str, int]:
    query = select(Answer.user_id, func.count()).where(*_answers_in(scope)).group_by(Answer.user_id)
    return {str(user): int(count) for user, count in session.execute(query)}


def match_activity(session: Session, scope: Scope) -> dict[str, MatchActivity]:
    """user id -> rounds they were matched in, and their groups that met / did not meet."""
    query = (
        select(
            MatchMember.user_id,
            func.count(func.distinct(Match.round_id)),
            _count_if(Match.outcome == MatchOutcome.MET),
            _count_if(Match.outcome.in_(NOT_MET)),
        )
        .join(Match, Match.id == MatchMember.match_id)
        .join(Round, Round.id == Match.round_id)
        .where(*_rounds_in(scope))
        .group_by(MatchMember.user_id)
    )
    return {
        str(user): MatchActivity(int(rounds), int(met), int(not_met))
        for user, rounds, met, not_met in session.execute(query)
    }


# --- members --------------------------------------------------------------------------------


def member_rows(session: Session, team_id: str) -> list[MemberRow]:
    """Every member of the workspace (plain rows, not ORM objects), by name."""
    query = (
        select(
            Member.id,
            Member.user_id,
            Member.display_name,
            Member.real_name,
            Member.team_name,
            Member.tz,
            Member.joined_at,
            Member.status,
            Member.paused_until,
            Member.last_active_at,
        )
        .where(Member.team_id == team_id)
        .order_by(func.lower(Member.display_name), Member.user_id)
    )
    return [MemberRow._make(row) for row in session.execute(query)]


def member_interests(session: Session, team_id: str) -> dict[int, list[str]]:
    """member id -> interest names, in the member's order."""
    query = (
        select(MemberTopic.member_id, Interest.name)
        .join(Interest, Interest.id == MemberTopic.interest_id)
        .join(Member, Member.id == MemberTopic.member_id)
        .where(Member.team_id == team_id, MemberTopic.kind == "interest")
        .order_by(MemberTopic.member_id, MemberTopic.position)
    )
    found: dict[int, list[str]] = {}
    for member_id, name in session.execute(query):
        found.setdefault(int(member_id), []).append(str(name))
    return found


def participants_in(session: Session, scope: Scope) -> set[str]:
    """Users matched in a round in scope or who shared an answer in scope."""
    matched = (
        select(MatchMember.user_id)
        .join(Match, Match.id == MatchMember.match_id)
        .join(Round, Round.id == Match.round_id)
        .where(*_rounds_in(scope))
    )
    answered = select(Answer.user_id).where(*_answers_in(scope))
    return {str(user) for user in session.scalars(select(union(matched, answered).subquery().c[0]))}


# --- long tables --------------------------------------------------------------------------------


def round_groups(session: Session, team_id: str, round_id: int) -> list[GroupRow]:
    """A round's groups with their members' ids. One round at a time keeps each read short."""
    members = (
        select(
            MatchMember.match_id.label("match_id"),
            func.aggregate_strings(MatchMember.user_id, ",").label("user_ids"),
        )
        .join(Match, Match.id == MatchMember.match_id)
        .where(Match.round_id == round_id, Match.team_id == team_id)
        .group_by(MatchMember.match_id)
        .subquery()
    )
    query = (
        select(
            Round.id,
            Round.scheduled_for,
            Round.channel_id,
            Match.id,
            Match.score,
            Match.reasons,
            Match.outcome,
            members.c.user_ids,
        )
        .join(Match, Match.round_id == Round.id)
        .outerjoin(members, members.c.match_id == Match.id)
        .where(Round.id == round_id, Round.team_id == team_id)
        .order_by(Match.id)
    )
    return [GroupRow._make(row) for row in session.execute(query)]


def answers_page(
    session: Session,
    scope: Scope,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[AnswerRow]:
    """Up to `limit` answers in scope after `after` (created_at, id), oldest first."""
    conditions = _answers_in(scope)
    if after is not None:
        at, answer_id = after
        conditions.append(
            or_(Answer.created_at > at, and_(Answer.created_at == at, Answer.id > answer_id))
        )
    query = (
        select(
            Answer.id,
            Answer.created_at,
            Answer.channel_id,
            Answer.prompt_id,
            Answer.user_id,
            Answer.topic,
            Answer.text,
            Answer.source,
            Answer.reaction_count,
            Answer.permalink,
        )
        .where(*conditions)
        .order_by(Answer.created_at, Answer.id)
        .limit(limit)
    )
    return [AnswerRow._make(row) for row in session.execute(query)]
