"""The `.ics` invitation of an agreed meeting slot, built when delivery uploads it
(`bot.services.delivery`), from the stored slot and its group's reasons."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bot.core.calendar import invite, invite_uid
from bot.core.slots import invite_filename
from storage.repositories import meeting_slots as repo
from storage.repositories import rounds as rounds_repo


def invite_file(session: Session, slot_id: int, now: dt.datetime) -> tuple[str, bytes] | None:
    """(file name, `.ics` bytes) of an agreed slot's invitation; None when the slot or its
    group is gone (forgotten, uninstalled)."""
    slot = repo.get_slot(session, slot_id)
    if slot is None:
        return None
    match = rounds_repo.get_match(session, slot.match_id)
    if match is None:
        return None
    data = invite(
        uid=invite_uid(slot.team_id, match.id, slot.id),
        starts_at=slot.starts_at,
        reasons=list(match.reasons or []),
        stamp=slot.agreed_at or now,
    )
    return invite_filename(slot.id), data
