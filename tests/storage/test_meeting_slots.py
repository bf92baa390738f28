"""Meeting slots, picks and thank-you notes in storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Match, MatchMember, MeetingSlot, Round, SlotPick
from storage.repositories import meeting_slots as repo

TEAM = "T1"
NOW = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


def a_group(session: Session, *users: str, minutes: int = 0) -> Match:
    round_ = Round(
        team_id=TEAM,
        channel_id="C1",
        scheduled_for=NOW + dt.timedelta(minutes=minutes),
        created_at=NOW + dt.timedelta(minutes=minutes),
    )
    session.add(round_)
    session.flush()
    match = Match(team_id=TEAM, round_id=round_.id, reasons=["You both like chess"])
    match.members = [MatchMember(user_id=u) for u in users]
    session.add(match)
    session.flush()
    return match


def test_an_offer_is_stored_once_per_start(session: Session) -> None:
    match = a_group(session, "UA", "UB")
    starts = [NOW + dt.timedelta(days=d) for d in (1, 2, 3)]
    first = repo.add_slots(session, TEAM, match.id, starts, 1, NOW)
    assert [s.starts_at for s in first] == starts and [s.position for s in first] == [0, 1, 2]
    # the same starts again (two presses at once): nothing new
    assert repo.add_slots(session, TEAM, match.id, starts, 2, NOW) == []
    assert repo.latest_batch(session, match.id) == 1
    later = repo.add_slots(session, TEAM, match.id, [NOW + dt.timedelta(days=4)], 2, NOW)
    assert len(later) == 1 and repo.latest_batch(session, match.id) == 2
    assert len(repo.slots_of(session, match.id)) == 4


def test_picks_count_once_and_a_group_is_locked_while_picking(session: Session) -> None:
    match = a_group(session, "UA", "UB")
    (slot,) = repo.add_slots(session, TEAM, match.id, [NOW + dt.timedelta(days=1)], 1, NOW)
    assert repo.lock_match(session, match.id) is not None
    assert repo.add_pick(session, slot, "UA", NOW) is True
    assert repo.add_pick(session, slot, "UA", NOW) is False
    assert repo.pickers(session, slot.id) == {"UA"}
    assert repo.agreed_slot(session, match.id) is None
    slot.agreed_at = NOW
    session.flush()
    agreed = repo.agreed_slot(session, match.id)
    assert agreed is not None and agreed.id == slot.id
    repo.delete_slots(session, match.id)
    assert session.scalars(select(MeetingSlot)).all() == []
    assert session.scalars(select(SlotPick)).all() == []


def test_one_note_per_member_and_group(session: Session) -> None:
    match = a_group(session, "UA", "UB")
    note = repo.add_note(session, TEAM, match.id, "UA", "Thanks!", NOW)
    assert note is not None
    assert repo.add_note(session, TEAM, match.id, "UA", "Again", NOW) is None
    assert repo.has_note(session, match.id, "UA") and not repo.has_note(session, match.id, "UB")


def test_recent_chats_are_the_last_five_newest_first(session: Session) -> None:
    groups = [a_group(session, "UA", f"U{i}", minutes=i) for i in range(7)]
    a_group(session, "UX", "UY", minutes=99)  # someone else's
    (slot,) = repo.add_slots(session, TEAM, groups[-1].id, [NOW + dt.timedelta(days=1)], 1, NOW)
    slot.agreed_at = NOW
    session.flush()
    chats = repo.recent_chats(session, TEAM, "UA")
    assert [c.match_id for c in chats] == [g.id for g in reversed(groups)][:5]
    assert chats[0].others == ("U6",) and chats[0].agreed_at == slot.starts_at
    assert chats[1].agreed_at is None and chats[0].channel_id == "C1"
