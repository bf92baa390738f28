"""Your chats: the Home tab's last five groups ("Say hi again"), and thank-you notes after
"We met".

Every button and modal names a group by id, untrusted: the group must be in the presser's
workspace and have the presser in it; a thank-you needs the group marked met. A note is
stored once per member and group and delivered through the outbox, one DM per other member.
"""

from __future__ import annotations

from bot.core import outbox_keys
from bot.core.blocks import Block, Reply
from bot.core.messages import chats as views
from bot.core.messages.help import moved_on
from bot.core.numbers import button_id
from bot.core.status import JOINED, MatchOutcome, OutboxKind
from bot.errors import InvalidInputError, NotAllowedError, NotFoundError
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Match
from storage.repositories import avoid as avoid_repo
from storage.repositories import meeting_slots as repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import rounds as rounds_repo

#: How many groups the Home tab lists.
RECENT = 5
NOT_YOURS = "That button is for the people in that coffee chat."
#: When everyone else in the group is on either side of an avoid list with the presser: the
#: same words whichever of them keeps the list (it is never shown to the people on it).
CANT_REACH = "Mingle can't pass anything on to the others of that chat now."


class NoteError(InvalidInputError):
    """A thank-you note that can't be sent as written (shown under the note's input)."""

    field = views.NOTE_FIELD


def home_section(deps: Deps, team_id: str, user_id: str) -> list[Block]:
    """The App Home's "Your chats" (`bot.services.features.HOME_SECTIONS`)."""
    with deps.sessions() as session:
        chats = repo.recent_chats(session, team_id, user_id, RECENT)
    return views.chats_section(chats)


def _own_match(deps: Deps, team_id: str, user_id: str, value: str) -> Match:
    """The group a button names, if the presser is in it; else a friendly error."""
    match_id = button_id(value)
    with deps.sessions() as session:
        match = rounds_repo.get_match(session, match_id)
        if match is None or match.team_id != team_id:
            raise NotFoundError(moved_on("that coffee chat"))
        if user_id not in match.user_ids:
            raise NotAllowedError(NOT_YOURS)
        session.expunge(match)
    return match


def _apart(deps: Deps, team_id: str, user_id: str, others: list[str]) -> list[str]:
    """`others` less anyone on either side of an avoid list with `user_id` (a hard rule
    for new messages between them, as for rounds and nudges); raises `CANT_REACH` when
    that leaves nobody."""
    with deps.sessions() as session:
        apart = avoid_repo.apart_from(session, team_id, user_id)
    reachable = [u for u in others if u not in apart]
    if others and not reachable:
        raise NotAllowedError(CANT_REACH)
    return reachable


def say_hi_again(deps: Deps, team_id: str, user_id: str, value: str) -> Reply:
    """ "Say hi again" on the Home tab: a group DM with the others of that group and a
    friendly starter (once per member and group: a second press sends nothing more).
    Nobody on either side of an avoid list with the presser is messaged."""
    match = _own_match(deps, team_id, user_id, value)
    with deps.sessions() as session:
        members = members_repo.members_by_user(session, team_id, match.user_ids)
    others = [
        u for u in match.user_ids if u != user_id and u in members and members[u].status in JOINED
    ]
    if not others:
        raise NotFoundError("Nobody from that chat is on Mingle any more, so I won't message them.")
    others = _apart(deps, team_id, user_id, others)
    message = views.say_hi_again_message(user_id, others)
    with deps.sessions.begin() as session:
        outbox.enqueue(
            session,
            team_id=team_id,
            key=outbox_keys.say_hi_again(team_id, match.id, user_id),
            kind=OutboxKind.SAY_HI,
            text=message.text,
            blocks=message.blocks,
            user_ids=[user_id, *others],
            not_before=deps.clock(),
        )
    deliver_now(deps)
    return views.say_hi_again_reply(others)


def _met_match(deps: Deps, team_id: str, user_id: str, value: str) -> Match:
    match = _own_match(deps, team_id, user_id, value)
    if match.outcome != MatchOutcome.MET:
        raise NotAllowedError("Thank-you notes are for chats that happened: answer *We met* first.")
    return match


def open_thank_you(deps: Deps, team_id: str, user_id: str, value: str, trigger_id: str) -> None:
    """ "Send a thank-you": the modal, for a member of a group that met."""
    match = _met_match(deps, team_id, user_id, value)
    _apart(deps, team_id, user_id, [u for u in match.user_ids if u != user_id])
    with deps.sessions() as session:
        if repo.has_note(session, match.id, user_id):
            raise InvalidInputError("You've already sent a thank-you for this chat. Lovely!")
    deps.slack.open_modal(trigger_id, views.thank_you_modal(match.id))


def check_note(text: str) -> str:
    """The note as sent: trimmed, not empty, at most `MAX_NOTE` characters."""
    note = text.strip()
    if not note:
        raise NoteError("Write a few words first.")
    if len(note) > views.MAX_NOTE:
        raise NoteError(f"Keep it under {views.MAX_NOTE} characters (it has {len(note)}).")
    return note


def send_thank_you(deps: Deps, team_id: str, user_id: str, metadata: str, text: str) -> Reply:
    """The modal's submission: store the note once and DM it to each other member."""
    note = check_note(text)
    try:
        match = _met_match(deps, team_id, user_id, metadata)
    except (NotFoundError, NotAllowedError, InvalidInputError) as exc:
        raise NoteError(exc.message) from exc
    others = [u for u in match.user_ids if u != user_id]
    if not others:
        raise NoteError("Nobody from that chat is on Mingle any more.")
    try:
        others = _apart(deps, team_id, user_id, others)
    except NotAllowedError as exc:
        raise NoteError(exc.message) from exc
    message = views.thank_you_message(user_id, note)
    now = deps.clock()
    with deps.sessions.begin() as session:
        note_id = repo.add_note(session, team_id, match.id, user_id, note, now)
        if note_id is None:
            raise NoteError("You've already sent a thank-you for this chat.")
        for other in others:
            outbox.enqueue(
                session,
                team_id=team_id,
                key=outbox_keys.thank_you(note_id, other),
                kind=OutboxKind.THANK_YOU,
                text=message.text,
                blocks=message.blocks,
                user_ids=[other],
                not_before=now,
            )
    deliver_now(deps)
    return views.thank_you_sent_reply(others)
