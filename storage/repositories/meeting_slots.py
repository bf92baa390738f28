"""Queries for meeting slots offered to groups, members' picks, and thank-you notes.

Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core.messages.chats import ChatView
from storage.models import Match, MatchMember, MeetingSlot, Round, SlotPick, ThankYouNote
from storage.repositories.inserts import insert_if_new


def add_slots(
    session: Session,
    team_id: str,
    match_id: int,
    starts: Sequence[dt.datetime],
    batch: int,
    now: dt.datetime,
) -> list[MeetingSlot]:
    """Store an offer of `starts` for a group; a start already offered to it is left out
    (two presses of "None of these work" at once offer each time once)."""
    added: list[int] = []
    for position, starts_at in enumerate(starts):
        slot_id = insert_if_new(
            session,
            MeetingSlot,
            {
                "team_id": team_id,
                "match_id": match_id,
                "starts_at": starts_at,
                "batch": batch,
                "position": position,
                "created_at": now,
            },
            MeetingSlot.id,
            conflict=["match_id", "starts_at"],
        )
        if slot_id is not None:
            added.append(int(slot_id))
    if not added:
        return []
    return list(
        session.scalars(
            select(MeetingSlot).where(MeetingSlot.id.in_(added)).order_by(MeetingSlot.starts_at)
        )
    )


def delete_slots(session: Session, match_id: int) -> None:
    """Take back every slot offered to a group (and any picks)."""
    session.execute(
        delete(SlotPick).where(
            SlotPick.slot_id.in_(select(MeetingSlot.id).where(MeetingSlot.match_id == match_id))
        )
    )
    session.execute(delete(MeetingSlot).where(MeetingSlot.match_id == match_id))
    session.flush()


def get_slot(session: Session, slot_id: int) -> MeetingSlot | None:
    return session.get(MeetingSlot, slot_id)


def slots_of(session: Session, match_id: int) -> list[MeetingSlot]:
    """Every slot offered to a group, earliest first."""
    return list(
        session.scalars(
            select(MeetingSlot)
            .where(MeetingSlot.match_id == match_id)
            .order_by(MeetingSlot.starts_at)
        )
    )


def latest_batch(session: Session, match_id: int) -> int:
    """The number of the group's latest offer (0: none)."""
    return int(
        session.scalar(
            select(func.coalesce(func.max(MeetingSlot.batch), 0)).where(
                MeetingSlot.match_id == match_id
            )
        )
        or 0
    )


def agreed_slot(session: Session, match_id: int) -> MeetingSlot | None:
    return session.scalar(
        select(MeetingSlot)
        .where(MeetingSlot.match_id == match_id, MeetingSlot.agreed_at.is_not(None))
        .order_by(MeetingSlot.agreed_at)
        .limit(1)
    )


def lock_match(session: Session, match_id: int) -> Match | None:
    """The group, locked for this transaction (PostgreSQL: `FOR UPDATE`), so two members
    picking at once are decided one after the other."""
    return session.scalar(select(Match).where(Match.id == match_id).with_for_update())


def add_pick(session: Session, slot: MeetingSlot, user_id: str, now: dt.datetime) -> bool:
    """Record "Works for me"; False when the person had already picked that slot."""
    added = insert_if_new(
        session,
        SlotPick,
        {"slot_id": slot.id, "user_id": user_id, "team_id": slot.team_id, "created_at": now},
        SlotPick.slot_id,
        conflict=["slot_id", "user_id"],
    )
    return added is not None


def pickers(session: Session, slot_id: int) -> set[str]:
    return set(session.scalars(select(SlotPick.user_id).where(SlotPick.slot_id == slot_id)))


# --- thank-you notes ------------------------------------------------------------------------


def add_note(
    session: Session, team_id: str, match_id: int, user_id: str, text: str, now: dt.datetime
) -> int | None:
    """Store a thank-you note; its id, or None when the person already sent one for that
    group."""
    note_id = insert_if_new(
        session,
        ThankYouNote,
        {
            "team_id": team_id,
            "match_id": match_id,
            "user_id": user_id,
            "text": text,
            "created_at": now,
        },
        ThankYouNote.id,
        conflict=["match_id", "user_id"],
    )
    return None if note_id is None else int(note_id)


def has_note(session: Session, match_id: int, user_id: str) -> bool:
    return (
        session.scalar(
            select(ThankYouNote.id).where(
                ThankYouNote.match_id == match_id, ThankYouNote.user_id == user_id
            )
        )
        is not None
    )


# --- your chats -----------------------------------------------------------------------------


def recent_chats(session: Session, team_id: str, user_id: str, limit: int = 5) -> list[ChatView]:
    """The person's latest `limit` groups, newest first, each with its other members."""
    rows = session.execute(
        select(Match, Round.channel_id, Round.created_at)
        .join(MatchMember, MatchMember.match_id == Match.id)
        .join(Round, Round.id == Match.round_id)
        .where(Match.team_id == team_id, MatchMember.user_id == user_id)
        .order_by(Round.created_at.desc(), Match.id.desc())
        .limit(limit)
    ).all()
    chats: list[ChatView] = []
    for match, channel_id, created_at in rows:
        agreed = agreed_slot(session, match.id)
        chats.append(
            ChatView(
                match_id=match.id,
                channel_id=channel_id,
                at=created_at,
                others=tuple(u for u in match.user_ids if u != user_id),
                outcome=match.outcome.value if match.outcome else None,
                agreed_at=agreed.starts_at if agreed else None,
            )
        )
    return chats
