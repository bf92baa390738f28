"""Rounds, their matches, "skip this round" choices and follow-up bookkeeping.

A round is claimed with an INSERT that does nothing when the (team, channel, slot) row
already exists, so two schedulers, a retry or a misfire never plan the same slot twice.
Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.status import MatchOutcome, OutboxStatus, RoundStatus
from storage.models import Match, MatchMember, OutboundMessage, Round, RoundAlone, RoundSkip
from storage.repositories.inserts import insert_if_new


def claim_round(
    session: Session,
    team_id: str,
    channel_id: str,
    slot: dt.datetime,
    *,
    status: RoundStatus = RoundStatus.PLANNED,
    now: dt.datetime,
    run_now_after: int | None = None,
) -> Round | None:
    """Claim the slot: the new round, or None when the slot was already claimed.

    A run-now round claims `run_now_after` (the id of the channel's latest round when it
    was asked for, 0 for none) as well: of two run-nows that saw the same latest round, in
    any instance and whatever their clocks say, one wins.
    """
    values = {
        "team_id": team_id,
        "channel_id": channel_id,
        "scheduled_for": slot,
        "status": status,
        "participant_count": 0,
        "total_score": 0.0,
        "upper_bound": 0.0,
        "created_at": now,
        "run_now_after": run_now_after,
    }
    # A run-now claim gives way to either unique key (its slot, or the round it follows).
    key = None if run_now_after is not None else ["team_id", "channel_id", "scheduled_for"]
    round_id = insert_if_new(session, Round, values, Round.id, conflict=key)
    if round_id is None:
        return None
    return session.get(Round, round_id)


def run_now_after(session: Session, team_id: str, channel_id: str, latest_id: int) -> Round | None:
    """The run-now round that followed round `latest_id` in the channel, if one did."""
    return session.scalar(
        select(Round).where(
            Round.team_id == team_id,
            Round.channel_id == channel_id,
            Round.run_now_after == latest_id,
        )
    )


def latest_round_id(session: Session, team_id: str, channel_id: str) -> int:
    """The id of the channel's latest claimed round, whatever became of it (0: none)."""
    latest = session.scalar(
        select(Round.id)
        .where(Round.team_id == team_id, Round.channel_id == channel_id)
        .order_by(Round.id.desc())
        .limit(1)
    )
    return int(latest or 0)


def latest_started(session: Session, team_id: str, channel_id: str) -> Round | None:
    """The channel's latest round that made groups (by when it was claimed)."""
    return session.scalar(
        select(Round)
        .where(
            Round.team_id == team_id,
            Round.channel_id == channel_id,
            Round.status == RoundStatus.PLANNED,
        )
        .order_by(Round.created_at.desc(), Round.id.desc())
        .limit(1)
    )


def is_delivering(session: Session, round_: Round) -> bool:
    """Whether some of the round's messages are still waiting to go out."""
    waiting = session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.team_id == round_.team_id,
            OutboundMessage.key.like(outbox_keys.round_prefix(round_.id) + "%"),
            OutboundMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        .limit(1)
    )
    return waiting is not None


def round_for_slot(
    session: Session, team_id: str, channel_id: str, slot: dt.datetime
) -> Round | None:
    return session.scalar(
        select(Round).where(
            Round.team_id == team_id,
            Round.channel_id == channel_id,
            Round.scheduled_for == slot,
        )
    )


def add_match(
    session: Session,
    round_: Round,
    members: Sequence[str],
    score: float,
    reasons: Sequence[str],
) -> Match:
    match = Match(
        team_id=round_.team_id,
        round_id=round_.id,
        score=float(score),
        reasons=list(reasons),
        members=[MatchMember(user_id=user_id) for user_id in members],
    )
    session.add(match)
    session.flush()
    return match


def get_match(session: Session, match_id: int) -> Match | None:
    return session.get(Match, match_id, populate_existing=True)


def is_superseded(session: Session, round_: Round) -> bool:
    """Whether a later round of the same channel was planned (`round_`'s groups are over)."""
    later = session.scalar(
        select(Round.id)
        .where(
            Round.team_id == round_.team_id,
            Round.channel_id == round_.channel_id,
            Round.status == RoundStatus.PLANNED,
            Round.scheduled_for > round_.scheduled_for,
        )
        .limit(1)
    )
    return later is not None


def record_conversation(session: Session, match_id: int, conversation_id: str) -> None:
    """The match's group DM: where its intro (and follow-ups) went."""
    session.execute(
        update(Match).where(Match.id == match_id).values(conversation_id=conversation_id)
    )
    session.flush()


def history(
    session: Session, team_id: str, channel_id: str, since: dt.datetime
) -> list[tuple[dt.datetime, list[str]]]:
    """(round time, member ids) of every match in the channel's rounds since `since`."""
    stmt = (
        select(Round.scheduled_for, MatchMember.match_id, MatchMember.user_id)
        .join(Match, Match.round_id == Round.id)
        .join(MatchMember, MatchMember.match_id == Match.id)
        .where(
            Round.team_id == team_id,
            Round.channel_id == channel_id,
            Round.status == RoundStatus.PLANNED,
            Round.scheduled_for >= since,
        )
        .order_by(Round.scheduled_for, MatchMember.match_id)
    )
    groups: dict[int, tuple[dt.datetime, list[str]]] = {}
    for at, match_id, user_id in session.execute(stmt):
        groups.setdefault(match_id, (at, []))[1].append(user_id)
    return list(groups.values())


def last_round(
    session: Session, team_id: str, channel_id: str, before: dt.datetime
) -> Round | None:
    """The channel's latest planned round before `before`."""
    return session.scalar(
        select(Round)
        .where(
            Round.team_id == team_id,
            Round.channel_id == channel_id,
            Round.status == RoundStatus.PLANNED,
            Round.scheduled_for < before,
        )
        .order_by(Round.scheduled_for.desc())
        .limit(1)
    )


def alone_in(session: Session, round_: Round) -> list[str]:
    """Who was left without a group in `round_` (recorded when it was planned).
    Who counts as left out is `bot.core.participation.left_out`."""
    return list(
        session.scalars(
            select(RoundAlone.user_id)
            .where(RoundAlone.round_id == round_.id)
            .order_by(RoundAlone.user_id)
        )
    )


def record_alone(session: Session, round_: Round, user_ids: Sequence[str]) -> None:
    """Remember who was left without a group in `round_` (matching boosts them next time)."""
    for user_id in dict.fromkeys(user_ids):
        session.add(RoundAlone(round_id=round_.id, user_id=user_id))
    session.flush()


# --- skips --------------------------------------------------------------------------------


def add_skip(
    session: Session,
    team_id: str,
    channel_id: str,
    slot: dt.datetime,
    user_id: str,
    now: dt.datetime,
) -> bool:
    """Record "skip this round"; False when it was already recorded."""
    values = {
        "team_id": team_id,
        "channel_id": channel_id,
        "scheduled_for": slot,
        "user_id": user_id,
        "created_at": now,
    }
    key = ["team_id", "channel_id", "scheduled_for", "user_id"]
    return insert_if_new(session, RoundSkip, values, RoundSkip.user_id, conflict=key) is not None


def skips_for(session: Session, team_id: str, channel_id: str, slot: dt.datetime) -> set[str]:
    return set(
        session.scalars(
            select(RoundSkip.user_id).where(
                RoundSkip.team_id == team_id,
                RoundSkip.channel_id == channel_id,
                RoundSkip.scheduled_for == slot,
            )
        )
    )


# --- follow-ups ---------------------------------------------------------------------------


def rounds_due_followup(session: Session, now: dt.datetime, limit: int = 100) -> list[Round]:
    """Planned rounds whose "Did you meet?" time has come and that were not followed up."""
    return list(
        session.scalars(
            select(Round)
            .where(
                Round.status == RoundStatus.PLANNED,
                Round.followup_at.is_not(None),
                Round.followup_at <= now,
                Round.followup_sent_at.is_(None),
            )
            .order_by(Round.followup_at)
            .limit(limit)
        )
    )


def matches_to_ask_again(
    session: Session, answered_before: dt.datetime, limit: int = 500
) -> list[Match]:
    """Matches that said "not yet" before `answered_before` and were not asked again."""
    return list(
        session.scalars(
            select(Match)
            .where(
                Match.outcome == MatchOutcome.NOT_YET,
                Match.outcome_at <= answered_before,
                Match.asked_again_at.is_(None),
            )
            .order_by(Match.id)
            .limit(limit)
        )
    )
