"""Around a round: the heads-up a day before (with "Skip this round"), and "Did you meet?"
midway to the next round (met / not yet / couldn't; "not yet" is asked again once).

Every message goes through the outbox with a key that is unique per slot and person (or
per match and question), so a job that runs twice, or on two instances, sends it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.core import outbox_keys
from bot.core.blocks import Reply
from bot.core.messages import rounds as msg
from bot.core.messages.help import moved_on
from bot.core.rounds import ASK_AGAIN_AFTER, OUTCOMES
from bot.core.status import JOINED, MatchOutcome, OutboxKind
from bot.errors import InvalidInputError, NotAllowedError, NotFoundError, SlackError
from bot.services import rounds
from bot.services.channels import ROUND
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Match, OutboundMessage, Schedule
from storage.repositories import channels as channels_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import rounds as repo

log = logging.getLogger(__name__)


# --- heads-up -------------------------------------------------------------------------------


def send_heads_up(deps: Deps, schedule: Schedule, slot: dt.datetime) -> int:
    """Queue the heads-up DMs for `slot` (a day ahead); returns how many were new."""
    with deps.sessions() as session:
        fresh = channels_repo.get_schedule_by_id(session, schedule.id)
        if fresh is None or not fresh.enabled or fresh.skip_next:
            return 0
        team_id, channel_id, tz = fresh.team_id, fresh.channel_id, fresh.timezone
        if repo.round_for_slot(session, team_id, channel_id, slot) is not None:
            return 0  # already ran (run-now at that minute, or a late heads-up)
    try:
        people = rounds.participants_of(deps, team_id, channel_id, slot)
    except NotFoundError:
        log.warning("no heads-up for %s/%s: Mingle can't see the channel", team_id, channel_id)
        return 0
    note = msg.heads_up_message(channel_id, slot, tz)
    added = 0
    with deps.sessions.begin() as session:
        for user_id in people:
            row = outbox.enqueue(
                session,
                team_id=team_id,
                not_before=deps.clock(),
                key=outbox_keys.heads_up(team_id, channel_id, slot, user_id),
                kind=OutboxKind.HEADS_UP,
                text=note.text,
                blocks=note.blocks,
                user_ids=[user_id],
            )
            added += row is not None
    if added:
        deliver_now(deps)
    return added


#: (channel, ts) of a message.
Message = tuple[str, str]


def sent_message(row: OutboundMessage | None, team_id: str) -> Message | None:
    """Where Mingle posted an outbox row's message (its conversation and ts), if it did."""
    if row is None or row.team_id != team_id or not row.sent_channel or not row.sent_ts:
        return None
    return row.sent_channel, row.sent_ts


def skip_round(
    deps: Deps,
    team_id: str,
    user_id: str,
    channel_id: str,
    slot: dt.datetime,
    pressed: Message | None,
) -> tuple[Reply, bool]:
    """ "Skip this round": remember it, so planning that slot leaves the person out.

    Every part of the button is checked first: it must be on the heads-up Mingle sent this
    very person for that channel and slot (`pressed`, the payload's message, is only compared
    with it), the channel's rounds must still be on, the person a joined member and still in
    the channel. Returns the reply and whether it replaced Mingle's heads-up."""
    now = deps.clock()
    with deps.sessions() as session:
        heads_up = outbox.get_by_key(
            session, outbox_keys.heads_up(team_id, channel_id, slot, user_id)
        )
        own = sent_message(heads_up, team_id)
        schedule = channels_repo.get_schedule(session, team_id, channel_id, ROUND)
        rounds_on = schedule is not None and schedule.enabled
        member = members_repo.get_member(session, team_id, user_id)
        joined = member is not None and member.status in JOINED
    if own is None or pressed != own or not rounds_on:
        raise NotFoundError(moved_on("that heads-up"))
    if not joined:
        raise NotAllowedError(
            "You're not taking part in Mingle right now, so there's no round to skip."
        )
    if user_id not in deps.slack.channel_members(channel_id):
        raise NotAllowedError(
            "You're not in that channel any more, so its rounds don't include you."
        )
    with deps.sessions.begin() as session:
        if repo.round_for_slot(session, team_id, channel_id, slot) is not None or slot <= now:
            raise InvalidInputError(
                "That round has already started, so it's too late to skip it. "
                "If you can't make it, just tell your match."
            )
        repo.add_skip(session, team_id, channel_id, slot, user_id, now)
    reply = msg.skipped_message(channel_id)
    return reply, replace_message(deps, own, reply)


# --- follow-ups -----------------------------------------------------------------------------


def _enqueue_followup(deps: Deps, session: Any, match: Match, *, again: bool) -> bool:
    members = match.user_ids
    if len(members) < 2:
        return False
    question = msg.followup_message(match.id, members, again=again)
    audience: dict[str, Any] = (
        {"channel_id": match.conversation_id} if match.conversation_id else {"user_ids": members}
    )
    row = outbox.enqueue(
        session,
        team_id=match.team_id,
        not_before=deps.clock(),
        key=outbox_keys.followup(match.id, again=again),
        kind=OutboxKind.ROUND_FOLLOWUP,
        text=question.text,
        blocks=question.blocks,
        match_id=match.id,
        **audience,
    )
    return row is not None


def send_due_followups(deps: Deps) -> int:
    """Queue "Did you meet?" for rounds halfway to the next one, and ask "not yet" groups
    again once; returns how many questions were queued."""
    now = deps.clock()
    queued = 0
    with deps.sessions.begin() as session:
        for round_ in repo.rounds_due_followup(session, now):
            for match in round_.matches:
                queued += _enqueue_followup(deps, session, match, again=False)
            round_.followup_sent_at = now
        for match in repo.matches_to_ask_again(session, now - ASK_AGAIN_AFTER):
            queued += _enqueue_followup(deps, session, match, again=True)
            match.asked_again_at = now
    if queued:
        deliver_now(deps)
    return queued


def record_outcome(
    deps: Deps,
    team_id: str,
    user_id: str,
    match_id: int,
    outcome: str,
    pressed: Message | None,
) -> tuple[Reply, bool]:
    """Store a group's answer to "Did you meet?" and replace the question with it.

    Only a person of that match may answer, only while its round is the channel's latest,
    and only on the question Mingle posted for that match (`pressed`, the payload's message,
    is only compared with it: a payload naming another message changes nothing). Returns
    the reply and whether it replaced Mingle's question."""
    if outcome not in OUTCOMES:
        raise InvalidInputError("That button is out of date.")
    with deps.sessions() as session:
        match = repo.get_match(session, match_id)
        if match is None or match.team_id != team_id:
            raise NotFoundError(moved_on("that coffee chat"))
        members = match.user_ids
        over = repo.is_superseded(session, match.round)
        keys = [outbox_keys.followup(match_id, again=again) for again in (False, True)]
        questions = [sent_message(outbox.get_by_key(session, key), team_id) for key in keys]
        known = members_repo.get_member(session, team_id, user_id) is not None
    if user_id not in members:
        if not known:  # forgotten since: their part in the chat is gone
            raise NotFoundError(moved_on("that coffee chat"))
        raise NotAllowedError("This question is for the people in that coffee chat.")
    if over:
        raise NotFoundError(moved_on("that coffee chat's round"))
    if pressed is None or pressed not in questions:
        raise NotFoundError(moved_on("that question"))
    with deps.sessions.begin() as session:
        stored = repo.get_match(session, match_id)
        if stored is None:
            raise NotFoundError(moved_on("that coffee chat"))
        stored.outcome = MatchOutcome(outcome)
        stored.outcome_by = user_id
        stored.outcome_at = deps.clock()
    reply = msg.outcome_message(outcome, user_id, match_id)
    return reply, replace_message(deps, pressed, reply)


def replace_message(deps: Deps, message: Message, reply: Reply) -> bool:
    """Replace one of Mingle's own messages (found in the outbox, never taken from a
    payload) with `reply`; False when Slack refused."""
    channel_id, ts = message
    try:
        deps.slack.update_message(channel_id, ts, **reply.as_kwargs())
    except SlackError as exc:
        log.warning("couldn't update %s/%s: %s", channel_id, ts, exc.code)
        return False
    return True
