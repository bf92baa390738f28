"""Prompts: a channel's own prompt bank, and the prompts claimed and posted in a channel.

A prompt is claimed once per (team, channel, scheduled slot): the unique constraint makes a
second scheduler, a retry or a double click find the slot taken. Its message timestamp is
recorded when the delivery worker sends its outbox row (`record_message`, called from
`bot.services.delivery.AFTER_SENT`). Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Prompt, PromptTemplate
from storage.repositories.inserts import insert_if_new

# --- the channel's own prompts ---------------------------------------------------------------


def add_template(
    session: Session, team_id: str, channel_id: str, text: str, created_by: str, now: dt.datetime
) -> PromptTemplate:
    template = PromptTemplate(
        team_id=team_id, channel_id=channel_id, text=text, created_by=created_by, created_at=now
    )
    session.add(template)
    session.flush()
    return template


def templates(session: Session, team_id: str, channel_id: str) -> list[PromptTemplate]:
    """The channel's own prompts that were not removed, oldest first."""
    return list(
        session.scalars(
            select(PromptTemplate)
            .where(
                PromptTemplate.team_id == team_id,
                PromptTemplate.channel_id == channel_id,
                PromptTemplate.removed_at.is_(None),
            )
            .order_by(PromptTemplate.id)
        )
    )


def remove_template(
    session: Session, team_id: str, channel_id: str, template_id: int, now: dt.datetime
) -> PromptTemplate | None:
    """Take a prompt out of the channel's bank (kept for the record); None if not there."""
    template = session.scalar(
        select(PromptTemplate).where(
            PromptTemplate.id == template_id,
            PromptTemplate.team_id == team_id,
            PromptTemplate.channel_id == channel_id,
            PromptTemplate.removed_at.is_(None),
        )
    )
    if template is not None:
        template.removed_at = now
        session.flush()
    return template


# --- posted prompts ------------------------------------------------------------------------


def claim_prompt(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    scheduled_for: dt.datetime,
    bank_key: str,
    text: str,
    now: dt.datetime,
) -> Prompt | None:
    """Claim the slot for a prompt; None when it was already claimed."""
    values: dict[str, Any] = {
        "team_id": team_id,
        "channel_id": channel_id,
        "scheduled_for": scheduled_for,
        "bank_key": bank_key,
        "text": text,
        "created_at": now,
    }
    row_id = insert_if_new(session, Prompt, values, Prompt.id)
    return None if row_id is None else session.get(Prompt, row_id)


def get_prompt(session: Session, prompt_id: int) -> Prompt | None:
    return session.get(Prompt, prompt_id)


def used_keys(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The bank keys of every prompt claimed in the channel, oldest first."""
    return list(
        session.scalars(
            select(Prompt.bank_key)
            .where(Prompt.team_id == team_id, Prompt.channel_id == channel_id)
            .order_by(Prompt.scheduled_for, Prompt.id)
        )
    )


def previous_prompt(
    session: Session, team_id: str, channel_id: str, before: Prompt
) -> Prompt | None:
    """The prompt claimed in the channel just before `before`."""
    return session.scalar(
        select(Prompt)
        .where(
            Prompt.team_id == team_id,
            Prompt.channel_id == channel_id,
            Prompt.id != before.id,
            (Prompt.scheduled_for < before.scheduled_for)
            | ((Prompt.scheduled_for == before.scheduled_for) & (Prompt.id < before.id)),
        )
        .order_by(Prompt.scheduled_for.desc(), Prompt.id.desc())
        .limit(1)
    )


def prompt_before(
    session: Session, team_id: str, channel_id: str, slot: dt.datetime
) -> Prompt | None:
    """The channel's last prompt scheduled before `slot` (the one a new prompt's digest is of)."""
    return session.scalar(
        select(Prompt)
        .where(
            Prompt.team_id == team_id,
            Prompt.channel_id == channel_id,
            Prompt.scheduled_for < slot,
        )
        .order_by(Prompt.scheduled_for.desc(), Prompt.id.desc())
        .limit(1)
    )


def latest_prompt(session: Session, team_id: str, channel_id: str) -> Prompt | None:
    return session.scalar(
        select(Prompt)
        .where(Prompt.team_id == team_id, Prompt.channel_id == channel_id)
        .order_by(Prompt.scheduled_for.desc(), Prompt.id.desc())
        .limit(1)
    )


def record_message(session: Session, prompt_id: int, ts: str, at: dt.datetime) -> None:
    """The prompt's message went out as `ts` at `at`: replies in its thread are answers."""
    prompt = session.get(Prompt, prompt_id)
    if prompt is not None:
        prompt.message_ts = ts
        prompt.posted_at = at
        session.flush()


def prompt_for_thread(
    session: Session, team_id: str, channel_id: str, thread_ts: str
) -> Prompt | None:
    """The prompt whose message starts the thread `thread_ts` in the channel, if any."""
    return session.scalar(
        select(Prompt).where(
            Prompt.message_ts == thread_ts,
            Prompt.team_id == team_id,
            Prompt.channel_id == channel_id,
        )
    )
