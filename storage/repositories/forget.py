"""Forget me: erase one person from every table of a workspace.

`erase_person` leaves no row holding the person's user ID, names or anything they wrote,
table by table (`tests/storage/test_forget.py` enumerates `storage.models`' tables, so a new
table fails it until it is handled here):

- `member` (and its `member_topic` links), their `answer`s (and `answer_term` postings),
  `nudge`s and `avoid` rows either way, `welcome`s, `round_skip`s, `round_alone`s,
  `slot_pick`s, `thank_you_note`s they wrote or received (any note in one of their groups)
  and `match_member` rows are deleted;
  `interest`s nobody uses any more go too.
- What others wrote keeps its words, mentions of them reading "a former member"
  (`bot.core.forget.Redactor`): other people's answers (text, search text and index),
  bios, prompts and prompt templates, introductions' reasons, their groups' reasons.
- `match_group.outcome_by`, `answer.saved_by` become empty (NULL); `created_by` on
  `channel_config`, `schedule` and `prompt_template` becomes "" (admin notices then go to
  the workspace's admins). Introductions stay counted with the person's place empty ("").
- `outbound_message`: a message still to be sent to them or about them is skipped; every
  row that mentions them keeps only what delivery and dedup need (key, status,
  conversation): text, blocks, people and notes are cleared, and their ID is taken out of
  the key (`bot.core.outbox_keys.forgotten`).
- `slack_installations`: when they installed Mingle, the installer's ID and user token go.
- `round`, `meeting_slot` (a group's times), `prompt`'s slots, `processed_event`,
  `delivery_lease`, `slack_bots` and `slack_oauth_states` hold nothing about a person.

Aggregate counts stay: rounds, groups and introductions keep their rows. Re-planning a
round whose intro was not sent yet is the service's business (`bot.services.forget`).
Repositories flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.forget import Redactor, name_variants
from bot.core.status import OutboxStatus
from storage.models import (
    SLACK_TABLES,
    Answer,
    AnswerTerm,
    Avoid,
    ChannelConfig,
    Interest,
    Introduction,
    Match,
    MatchMember,
    Member,
    MemberTopic,
    Nudge,
    OutboundMessage,
    Prompt,
    PromptTemplate,
    Round,
    RoundAlone,
    RoundSkip,
    Schedule,
    SlotPick,
    ThankYouNote,
    Welcome,
)
from storage.repositories.answers import index_answer

#: Why a message to or about a forgotten person was not sent (`outbound_message.last_error`).
FORGOTTEN = "user_forgotten"
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)
BATCH = 500


@dataclass
class Erased:
    """What `erase_person` changed, for the service and for tests."""

    member: bool = False
    answers: int = 0
    outbox_skipped: int = 0
    outbox_cleared: int = 0
    matches: list[int] = field(default_factory=list)  # the groups they were in


def names_of(session: Session, team_id: str, user_id: str) -> list[str]:
    """The names Mingle holds for the person (display name, real name)."""
    row = session.execute(
        select(Member.display_name, Member.real_name).where(
            Member.team_id == team_id, Member.user_id == user_id
        )
    ).first()
    return [name for name in (row or ()) if name]


def matches_of(session: Session, team_id: str, user_id: str) -> list[int]:
    """The groups the person was put in, oldest first."""
    return list(
        session.scalars(
            select(MatchMember.match_id)
            .join(Match, Match.id == MatchMember.match_id)
            .where(Match.team_id == team_id, MatchMember.user_id == user_id)
            .order_by(MatchMember.match_id)
        )
    )


def redactor_for(
    session: Session, team_id: str, user_id: str, names: Iterable[str] = ()
) -> Redactor:
    """The `Redactor` for the person, known by `names` and the names Mingle holds. A name
    (or word of one) that another member of the workspace is also called by is left out:
    plain text saying it may be about them, and their mentions are by ID anyway."""
    own = name_variants([*names, *names_of(session, team_id, user_id)])
    others = session.execute(
        select(Member.display_name, Member.real_name).where(
            Member.team_id == team_id, Member.user_id != user_id
        )
    )
    taken = {variant.casefold() for row in others for variant in name_variants(row)}
    return Redactor(user_id, [name for name in own if name.casefold() not in taken])


def erase_person(
    session: Session, team_id: str, user_id: str, *, names: Sequence[str] = ()
) -> Erased:
    """Erase the person from the workspace `team_id` (see the module docstring).

    `names` adds names to look for in text (Slack's display name, real name and handle).
    """
    redactor = redactor_for(session, team_id, user_id, names)
    erased = Erased(matches=matches_of(session, team_id, user_id))
    topics = _delete_member(session, team_id, user_id)
    erased.member = topics is not None
    erased.answers = _answers(session, team_id, user_id, redactor)
    _introductions(session, team_id, user_id, redactor)
    _connections(session, team_id, user_id)
    _meeting_times(session, team_id, user_id, erased.matches)
    _groups(session, team_id, user_id, redactor, erased.matches)
    _set_up_by(session, team_id, user_id, redactor)
    _bios(session, team_id, redactor)
    erased.outbox_skipped, erased.outbox_cleared = _outbox(session, team_id, user_id, redactor)
    _installations(session, user_id)
    _unused_interests(session, topics or [])
    session.flush()
    return erased


# --- tables, one by one -------------------------------------------------------------------


def _delete_member(session: Session, team_id: str, user_id: str) -> list[int] | None:
    """Delete the member and their topic links; the topics they had (None: no member)."""
    member = session.scalar(
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
    )
    if member is None:
        return None
    topics = list(
        session.scalars(
            select(MemberTopic.interest_id).where(MemberTopic.member_id == member.id).distinct()
        )
    )
    session.execute(delete(MemberTopic).where(MemberTopic.member_id == member.id))
    session.expunge(member)
    session.execute(delete(Member).where(Member.id == member.id))
    session.flush()
    return topics


def _answers(session: Session, team_id: str, user_id: str, redactor: Redactor) -> int:
    theirs = select(Answer.id).where(Answer.team_id == team_id, Answer.user_id == user_id)
    session.execute(delete(AnswerTerm).where(AnswerTerm.answer_id.in_(theirs)))
    removed = session.execute(
        delete(Answer)
        .where(Answer.team_id == team_id, Answer.user_id == user_id)
        .returning(Answer.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.execute(
        update(Answer)
        .where(Answer.team_id == team_id, Answer.saved_by == user_id)
        .values(saved_by=None)
        .execution_options(synchronize_session=False)
    )
    for ids in _batches(session, select(Answer.id).where(Answer.team_id == team_id)):
        for answer in session.scalars(select(Answer).where(Answer.id.in_(ids))):
            if not redactor.mentions([answer.text, answer.search_text, answer.topic]):
                continue
            answer.text = redactor.text(answer.text)
            answer.search_text = redactor.text(answer.search_text)
            answer.topic = redactor.text(answer.topic)[:80]
            session.flush()
            index_answer(session, answer)
    return len(removed)


def _introductions(session: Session, team_id: str, user_id: str, redactor: Redactor) -> None:
    for intro in session.scalars(select(Introduction).where(Introduction.team_id == team_id)):
        if intro.introducer_id == user_id:
            intro.introducer_id = ""
            intro.reason = ""  # they wrote it
        if intro.a_user_id == user_id:
            intro.a_user_id = ""
        if intro.b_user_id == user_id:
            intro.b_user_id = ""
        if redactor.mentions(intro.reason):
            intro.reason = redactor.text(intro.reason)[:1000]


def _connections(session: Session, team_id: str, user_id: str) -> None:
    session.execute(
        delete(Nudge).where(
            Nudge.team_id == team_id, or_(Nudge.user_id == user_id, Nudge.other_user_id == user_id)
        )
    )
    session.execute(delete(Welcome).where(Welcome.team_id == team_id, Welcome.user_id == user_id))
    session.execute(  # avoid lists: theirs, and their place on anyone else's
        delete(Avoid).where(
            Avoid.team_id == team_id,
            or_(Avoid.user_id == user_id, Avoid.other_user_id == user_id),
        )
    )
    session.execute(
        delete(RoundSkip).where(RoundSkip.team_id == team_id, RoundSkip.user_id == user_id)
    )
    session.execute(  # "left alone in a round" (matching's boost)
        delete(RoundAlone).where(
            RoundAlone.user_id == user_id,
            RoundAlone.round_id.in_(select(Round.id).where(Round.team_id == team_id)),
        )
    )


def _meeting_times(session: Session, team_id: str, user_id: str, theirs: Sequence[int]) -> None:
    """Their "Works for me" picks, and the thank-you notes they wrote or received (every
    note in one of their groups not written by them was written to them)."""
    session.execute(
        delete(SlotPick).where(SlotPick.team_id == team_id, SlotPick.user_id == user_id)
    )
    session.execute(
        delete(ThankYouNote).where(
            ThankYouNote.team_id == team_id,
            or_(ThankYouNote.user_id == user_id, ThankYouNote.match_id.in_(list(theirs))),
        )
    )


def _groups(
    session: Session, team_id: str, user_id: str, redactor: Redactor, theirs: Sequence[int]
) -> None:
    session.execute(
        delete(MatchMember).where(
            MatchMember.user_id == user_id,
            MatchMember.match_id.in_(select(Match.id).where(Match.team_id == team_id)),
        )
    )
    session.execute(
        update(Match)
        .where(Match.team_id == team_id, Match.outcome_by == user_id)
        .values(outcome_by=None)
        .execution_options(synchronize_session=False)
    )
    for start in range(0, len(theirs), BATCH):
        chunk = list(theirs[start : start + BATCH])
        for match in session.scalars(select(Match).where(Match.id.in_(chunk))):
            if redactor.mentions(match.reasons or []):
                match.reasons = list(redactor.value(list(match.reasons or [])))


def _set_up_by(session: Session, team_id: str, user_id: str, redactor: Redactor) -> None:
    for model in (ChannelConfig, Schedule, PromptTemplate):
        session.execute(
            update(model)
            .where(model.team_id == team_id, model.created_by == user_id)
            .values(created_by="")
            .execution_options(synchronize_session=False)
        )
    templates = session.scalars(select(PromptTemplate).where(PromptTemplate.team_id == team_id))
    prompts = session.scalars(select(Prompt).where(Prompt.team_id == team_id))
    for row in [*templates, *prompts]:
        if redactor.mentions(row.text):
            row.text = redactor.text(row.text)[:500]


def _bios(session: Session, team_id: str, redactor: Redactor) -> None:
    for member in session.scalars(select(Member).where(Member.team_id == team_id)):
        if redactor.mentions([member.bio, member.links]):
            member.bio = redactor.text(member.bio)[:500]
            member.links = redactor.text(member.links)[:500]


def _outbox(session: Session, team_id: str, user_id: str, redactor: Redactor) -> tuple[int, int]:
    """Skip what is still to be sent to or about them; clear every row that mentions them."""
    skipped = cleared = 0
    ids_query = select(OutboundMessage.id).where(OutboundMessage.team_id == team_id)
    for ids in _batches(session, ids_query):
        for row in session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids))):
            addressed = user_id in (row.user_ids or []) or row.ephemeral_user == user_id
            about = redactor.mentions([row.text, row.blocks or []])
            if row.status in IN_FLIGHT and (addressed or about):
                row.status = OutboxStatus.SKIPPED
                row.last_error = FORGOTTEN
                skipped += 1
            if row.notify_user == user_id and row.status in IN_FLIGHT:
                row.notify_user = None  # the workspace's admins are told instead
            if addressed or about or row.notify_user == user_id:
                row.text = ""
                row.blocks = None
                row.user_ids = []
                row.ephemeral_user = None
                row.notify_user = None
                cleared += 1
            if row.last_error and redactor.mentions(row.last_error):
                row.last_error = redactor.text(row.last_error)[:200]
            if user_id in row.key:
                row.key = outbox_keys.forgotten(row.key, user_id, row.id)
        session.flush()
    return skipped, cleared


def _installations(session: Session, user_id: str) -> None:
    installations = next(t for t in SLACK_TABLES if t.name == "slack_installations")
    session.execute(
        update(installations)
        .where(installations.c.user_id == user_id)
        .values(
            user_id="",
            user_token=None,
            user_scopes=None,
            user_refresh_token=None,
            user_token_expires_at=None,
        )
    )


def _unused_interests(session: Session, interest_ids: Sequence[int]) -> None:
    """Delete the topics among `interest_ids` that nobody has any more."""
    used = exists().where(MemberTopic.interest_id == Interest.id)
    for start in range(0, len(interest_ids), BATCH):
        chunk = list(interest_ids[start : start + BATCH])
        session.execute(
            delete(Interest)
            .where(Interest.id.in_(chunk), ~used)
            .execution_options(synchronize_session=False)
        )


def _batches(session: Session, ids_query: Any) -> Iterable[list[int]]:
    """The ids `ids_query` selects, read first, then handed out `BATCH` at a time."""
    ids = list(session.scalars(ids_query.order_by(None)))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
