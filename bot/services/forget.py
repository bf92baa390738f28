"""Forget me, the use case: `/mingle leave --forget` and the Home tab's "Forget me" button.

`forget_member(deps, team_id, user_id)`:

1. asks Slack for every name the person goes by (before any transaction opens), so text
   naming them can be found;
2. in ONE transaction:
   - re-plans their groups whose intro has not gone out yet: a group that keeps two or
     more people gets its intro rewritten for them; a partner left alone joins the
     smallest other group of that round whose intro is still pending (its intro rewritten
     to include them), or, when there is none, is told plainly that their match is no
     longer on Mingle (never naming them) and is first in line next round. The group that
     never met is removed, and a round summary not yet posted is rewritten with the right
     counts (or dropped when no group is left);
   - rebuilds the reasons of every other group they were in from the people who remain
     (`bot.core.matching.group_common_ground`), so no reason names them;
   - erases them from every table (`storage.repositories.forget.erase_person`);
3. delivers what was re-planned.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.matching import Participant, PastGroup, group_common_ground
from bot.core.messages import rounds as msg
from bot.core.rounds import icebreaker_for, slot_key
from bot.core.status import OutboxKind, OutboxStatus
from bot.errors import MingleError
from bot.services import meeting_slots
from bot.services.connect import participant_of
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Match, MatchMember, OutboundMessage, Round
from storage.repositories import forget as repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import rounds as rounds_repo
from storage.repositories.outbox import MAX_GROUP_USERS

log = logging.getLogger(__name__)

#: How far back earlier groups count for "met before" in rebuilt reasons (as in planning).
HISTORY_DAYS = 365


@dataclass
class Forgotten:
    """What `forget_member` did."""

    erased: repo.Erased
    regrouped: int = 0  # partners moved into another group of their round
    told_alone: int = 0  # partners told their match is off
    reintroduced: int = 0  # pending groups whose intro was rewritten without them


def forget_member(deps: Deps, team_id: str, user_id: str) -> Forgotten:
    """Forget the person in the workspace (see the module docstring)."""
    names = slack_names(deps, user_id)
    with deps.sessions.begin() as session:
        done = Forgotten(erased=repo.Erased())
        _replan_pending(session, team_id, user_id, done)
        _rebuild_reasons(session, team_id, user_id)
        done.erased = repo.erase_person(session, team_id, user_id, names=names)
    log.info(
        "forgot a member of %s: %d answers, %d messages skipped, %d cleared; "
        "%d partners regrouped, %d told",
        team_id,
        done.erased.answers,
        done.erased.outbox_skipped,
        done.erased.outbox_cleared,
        done.regrouped,
        done.told_alone,
    )
    if done.regrouped or done.told_alone or done.reintroduced:
        deliver_now(deps)
    return done


def slack_names(deps: Deps, user_id: str) -> list[str]:
    """Every name Slack knows the person by (none when Slack can't say)."""
    try:
        user = deps.slack.user(user_id, fresh=True)
    except MingleError:
        return []
    return [name for name in (user.display_name, user.real_name, user.name) if name]


# --- groups whose intro has not gone out ------------------------------------------------------


def _replan_pending(session: Session, team_id: str, user_id: str, done: Forgotten) -> None:
    pending = [
        row
        for row in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.team_id == team_id,
                OutboundMessage.kind == OutboxKind.ROUND_INTRO,
                OutboundMessage.status == OutboxStatus.PENDING,
                OutboundMessage.match_id.is_not(None),
            )
        )
        if user_id in (row.user_ids or [])
    ]
    touched: dict[int, Round] = {}
    for row in pending:
        match = rounds_repo.get_match(session, row.match_id or 0)
        if match is None:
            continue
        round_ = match.round
        touched[round_.id] = round_
        remaining = [u for u in match.user_ids if u != user_id]
        round_.participant_count = max(0, round_.participant_count - 1)
        if len(remaining) >= 2:
            _remove_member(session, match, user_id)
            _reintroduce(session, round_, match, remaining, row)
            done.reintroduced += 1
            continue
        for partner in remaining:
            other = _group_to_join(session, round_, match.id)
            if other is not None:
                other_match, other_row = other
                session.add(MatchMember(match_id=other_match.id, user_id=partner))
                session.flush()
                session.refresh(other_match)
                _reintroduce(session, round_, other_match, [*other_match.user_ids], other_row)
                done.regrouped += 1
            else:
                note = msg.match_gone_message(partner, round_.channel_id)
                outbox.enqueue(
                    session,
                    team_id=team_id,
                    key=outbox_keys.round_alone(round_.id, partner),
                    kind=OutboxKind.ROUND_ALONE,
                    text=note.text,
                    blocks=note.blocks,
                    user_ids=[partner],
                )
                rounds_repo.record_alone(session, round_, [partner])  # first in line next time
                done.told_alone += 1
        _drop_unmet_group(session, match, row)
    for round_ in touched.values():
        _resummarize(session, round_)


def _remove_member(session: Session, match: Match, user_id: str) -> None:
    for member in list(match.members):
        if member.user_id == user_id:
            match.members.remove(member)
    session.flush()
    session.refresh(match)


def _drop_unmet_group(session: Session, match: Match, row: OutboundMessage) -> None:
    """A group whose intro never went out, and that now has nobody to introduce, is gone."""
    row.status = OutboxStatus.SKIPPED
    row.last_error = repo.FORGOTTEN
    row.text, row.blocks, row.user_ids, row.match_id = "", None, [], None
    session.flush()
    session.delete(match)
    session.flush()


def _group_to_join(
    session: Session, round_: Round, leaving: int
) -> tuple[Match, OutboundMessage] | None:
    """The smallest other group of the round whose intro is still pending, with its intro."""
    best: tuple[int, int, Match, OutboundMessage] | None = None
    others = session.scalars(
        select(Match).where(Match.round_id == round_.id, Match.id != leaving).order_by(Match.id)
    )
    for match in others:
        size = len(match.members)
        if size < 2 or size >= MAX_GROUP_USERS:
            continue
        row = outbox.get_by_key(session, outbox_keys.round_intro(round_.id, match.id))
        if row is None or row.status != OutboxStatus.PENDING:
            continue
        if best is None or (size, match.id) < best[:2]:
            best = (size, match.id, match, row)
    return None if best is None else (best[2], best[3])


def _reintroduce(
    session: Session,
    round_: Round,
    match: Match,
    members: Sequence[str],
    row: OutboundMessage,
) -> None:
    """Rewrite a pending group's reasons and intro for `members`."""
    reasons = reasons_for(session, round_, members)
    match.reasons = reasons
    slot = round_.scheduled_for
    question = icebreaker_for(f"{round_.team_id}:{round_.channel_id}:{slot_key(slot)}:{match.id}")
    # Times for the people now in the group (nobody could press the old ones: unsent).
    offered = meeting_slots.offer_again(session, round_.team_id, match.id, members, round_)
    times, times_text = meeting_slots.intro_times(match.id, offered)
    intro = msg.intro_message(
        list(members), round_.channel_id, reasons, question, times=times, times_text=times_text
    )
    row.text, row.blocks, row.user_ids = intro.text, intro.blocks, list(members)
    session.flush()


def _resummarize(session: Session, round_: Round) -> None:
    """The round's summary, if not posted yet, with the groups that are left."""
    row = outbox.get_by_key(session, outbox_keys.round_summary(round_.id))
    if row is None or row.status != OutboxStatus.PENDING:
        return
    sizes = [
        int(size)
        for size in session.scalars(
            select(func.count(MatchMember.user_id))
            .join(Match, Match.id == MatchMember.match_id)
            .where(Match.round_id == round_.id)
            .group_by(Match.id)
        )
    ]
    groups = [size for size in sizes if size >= 2]
    if not groups:
        row.status = OutboxStatus.SKIPPED
        row.last_error = "no_groups_left"
        return
    summary = msg.summary_message(len(groups), sum(groups))
    row.text, row.blocks = summary.text, summary.blocks


# --- reasons ----------------------------------------------------------------------------------


def _rebuild_reasons(session: Session, team_id: str, user_id: str) -> None:
    for match_id in repo.matches_of(session, team_id, user_id):
        match = rounds_repo.get_match(session, match_id)
        if match is None:
            continue
        remaining = [u for u in match.user_ids if u != user_id]
        match.reasons = reasons_for(session, match.round, remaining) if len(remaining) >= 2 else []
    session.flush()


def reasons_for(session: Session, round_: Round, people: Sequence[str]) -> list[str]:
    """Why `people` make a group in `round_`, from their profiles as Mingle holds them now."""
    members = members_repo.members_by_user(session, round_.team_id, people)
    participants = [
        participant_of(members[u]) if u in members else Participant(id=u) for u in people
    ]
    slot = round_.scheduled_for
    since = slot - dt.timedelta(days=HISTORY_DAYS)
    history = [
        PastGroup(frozenset(ids), at)
        for at, ids in rounds_repo.history(session, round_.team_id, round_.channel_id, since)
        if at < slot
    ]
    return [reason.text for reason in group_common_ground(participants, history, on=slot)]
