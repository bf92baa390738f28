"""A time that suits everyone: the slots a group is offered, "Works for me",
"None of these work", and the confirmation with its `.ics` invitation.

* `offer_first` (called by `bot.services.rounds.plan_round` in its transaction) picks three
  slots in the members' shared working time (`bot.core.slots.pick_slots`) and stores them
  as batch 1; the intro shows them.
* `pick` records a member's "Works for me". The group's row is locked while picking, so
  when the last member picks, exactly one transaction sees everyone on the same slot: it
  marks the slot agreed and queues the confirmation and the `.ics` upload (two outbox rows,
  each keyed per group and slot, so they go once; `bot.services.delivery` uploads the file).
* `more` offers the next three slots after those offered, in a new message in the group DM.

Every press is checked against stored state: the slot (or group) exists in the presser's
workspace, the presser is in that group, the group's round is still the channel's latest,
the slot is still ahead. Anything else gets a friendly answer and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.blocks import Reply
from bot.core.hours import Availability, stored_hours
from bot.core.messages import slots as views
from bot.core.messages.help import moved_on
from bot.core.numbers import read_id
from bot.core.slots import parse_more_value, pick_slots
from bot.core.status import OutboxKind
from bot.errors import InvalidInputError, NotAllowedError, NotFoundError
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Match, MeetingSlot, Round
from storage.repositories import meeting_slots as repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import rounds as rounds_repo

OUT_OF_DATE = "Those times are out of date."
NOT_YOURS = "These times are for the people in that coffee chat."


def availability(session: Session, team_id: str, user_ids: Sequence[str]) -> list[Availability]:
    """The members' working time as stored (defaults for anyone without a row)."""
    members = members_repo.members_by_user(session, team_id, list(user_ids))
    found: list[Availability] = []
    for user_id in user_ids:
        member = members.get(user_id)
        if member is None:
            hours = stored_hours(None, None, 31)
            found.append(Availability("UTC", hours.start, hours.end, hours.days))
            continue
        hours = stored_hours(member.work_start, member.work_end, member.work_days)
        found.append(Availability(member.tz or "UTC", hours.start, hours.end, hours.days))
    return found


def offer_first(
    session: Session,
    team_id: str,
    match_id: int,
    people: Sequence[Availability],
    now: dt.datetime,
) -> list[views.SlotView]:
    """Pick and store a new group's first three slots (batch 1); [] when they share no
    working time this week."""
    starts = pick_slots(people, now)
    stored = repo.add_slots(session, team_id, match_id, starts, 1, now)
    return [views.SlotView(slot.id, slot.starts_at) for slot in stored]


def offer_again(
    session: Session, team_id: str, match_id: int, members: Sequence[str], round_: Round
) -> list[views.SlotView]:
    """A pending group's slots picked again for the people now in it (forget me took one
    out before the intro went): the old ones go (nobody saw them)."""
    repo.delete_slots(session, match_id)
    return offer_first(
        session, team_id, match_id, availability(session, team_id, members), round_.created_at
    )


def intro_times(match_id: int, slots: Sequence[views.SlotView]) -> tuple[list[Any], str]:
    """The intro's "which time?" blocks and their plain words."""
    blocks = views.slot_blocks(match_id, 1, slots, lead="A time that suits everyone")
    return blocks, views.slots_fallback(slots)


def _audience(match: Match) -> dict[str, Any]:
    if match.conversation_id:
        return {"channel_id": match.conversation_id}
    return {"user_ids": match.user_ids}


def _checked_match(session: Session, match: Match | None, team_id: str, user_id: str) -> Match:
    """`match`, if it is the presser's own current group; else a friendly error."""
    if match is None or match.team_id != team_id:
        raise NotFoundError(moved_on("that coffee chat"))
    if user_id not in match.user_ids:
        raise NotAllowedError(NOT_YOURS)
    if rounds_repo.is_superseded(session, match.round):
        raise NotFoundError(moved_on("that coffee chat's round"))
    return match


def pick(deps: Deps, team_id: str, user_id: str, value: str) -> Reply:
    """ "Works for me" on a slot (the button's value is the slot id, untrusted)."""
    slot_id = read_id(value)
    if slot_id is None:
        raise InvalidInputError(OUT_OF_DATE)
    now = deps.clock()
    with deps.sessions.begin() as session:
        slot = repo.get_slot(session, slot_id)
        if slot is None or slot.team_id != team_id:
            raise NotFoundError(moved_on("that time"))
        match = _checked_match(session, repo.lock_match(session, slot.match_id), team_id, user_id)
        agreed = repo.agreed_slot(session, match.id)
        if agreed is not None:
            return views.already_agreed_reply(agreed.starts_at)
        if slot.starts_at <= now:
            return views.past_slot_reply()
        repo.add_pick(session, slot, user_id, now)
        members = match.user_ids
        picked = repo.pickers(session, slot.id)
        waiting = [m for m in members if m not in picked]
        everyone = not waiting and len(members) >= 2
        if everyone:
            _agree(deps, session, match, slot, now)
        reply = views.picked_reply(slot.starts_at, waiting)
    if everyone:
        deliver_now(deps)
    return reply


def _agree(deps: Deps, session: Session, match: Match, slot: MeetingSlot, now: dt.datetime) -> None:
    """Everyone picked `slot`: mark it agreed, queue the confirmation and the invitation."""
    slot.agreed_at = now
    confirmation = views.agreed_message(match.user_ids, slot.starts_at)
    outbox.enqueue(
        session,
        team_id=match.team_id,
        key=outbox_keys.slot_agreed(match.id, slot.id),
        kind=OutboxKind.SLOT_AGREED,
        text=confirmation.text,
        blocks=confirmation.blocks,
        match_id=match.id,
        not_before=now,
        **_audience(match),
    )
    outbox.enqueue(  # after the confirmation (same priority, later id)
        session,
        team_id=match.team_id,
        key=outbox_keys.slot_invite(match.id, slot.id),
        kind=OutboxKind.SLOT_INVITE,
        text=views.invite_comment(slot.starts_at),
        match_id=match.id,
        not_before=now,
        **_audience(match),
    )


def more(deps: Deps, team_id: str, user_id: str, value: str) -> Reply:
    """ "None of these work": the next three slots after those offered, as a new message in
    the group DM (once per offer, however many press it)."""
    parsed = parse_more_value(value)
    if parsed is None:
        raise InvalidInputError(OUT_OF_DATE)
    match_id, batch = parsed
    now = deps.clock()
    with deps.sessions() as session:
        match = _checked_match(session, rounds_repo.get_match(session, match_id), team_id, user_id)
        agreed = repo.agreed_slot(session, match_id)
        if agreed is not None:
            return views.already_agreed_reply(agreed.starts_at)
        latest = repo.latest_batch(session, match_id)
        if batch != latest:
            if batch > latest:
                raise NotFoundError(moved_on("that offer of times"))
            return views.more_on_the_way_reply()
        offered = [slot.starts_at for slot in repo.slots_of(session, match_id)]
        people = availability(session, team_id, match.user_ids)
    starts = pick_slots(people, now, offered=offered)
    if not starts:
        return views.no_more_slots_reply()
    with deps.sessions.begin() as session:
        locked = repo.lock_match(session, match_id)
        if locked is None:
            raise NotFoundError(moved_on("that coffee chat"))
        if repo.latest_batch(session, match_id) != batch:
            return views.more_on_the_way_reply()
        stored = repo.add_slots(session, team_id, match_id, starts, batch + 1, now)
        if not stored:
            return views.more_on_the_way_reply()
        offer = views.more_slots_message(
            match_id, batch + 1, [views.SlotView(s.id, s.starts_at) for s in stored], user_id
        )
        outbox.enqueue(
            session,
            team_id=team_id,
            key=outbox_keys.slot_offer(match_id, batch + 1),
            kind=OutboxKind.SLOT_OFFER,
            text=offer.text,
            blocks=offer.blocks,
            match_id=match_id,
            not_before=now,
            **_audience(locked),
        )
    deliver_now(deps)
    return views.more_sent_reply()
