"""The database schema: typed SQLAlchemy 2.x models.

Every row belongs to a workspace (`team_id`). Times are UTC and named `*_at`. Tables are
singular snake_case. Changes to this module need an Alembic revision in
`storage/migrations/versions/`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.core.status import MatchOutcome, MemberStatus, OutboxKind, OutboxStatus, RoundStatus
from storage.installations import define_slack_tables

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumColumn(TypeDecorator[E]):
    """A `StrEnum` stored as its plain string value (a VARCHAR, no database enum type)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- members and interests ----------------------------------------------------------------


class Member(Base):
    """A person in a workspace who has used Mingle, with their profile and opt-in state."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    team_name: Mapped[str] = mapped_column(String(100), default="")
    bio: Mapped[str] = mapped_column(String(500), default="")
    links: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[MemberStatus] = mapped_column(
        StrEnumColumn(MemberStatus, 16), default=MemberStatus.ACTIVE
    )
    paused_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_active_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reconnect_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reconnect_after_days: Mapped[int] = mapped_column(Integer, default=90)
    last_nudge_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Local working hours (in `tz`) and weekdays as a bit mask (bit 0 = Monday); NULL hours
    # mean the default 09:00-17:00, Monday to Friday (`bot.core.hours.stored_hours`).
    work_start: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    work_end: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    work_days: Mapped[int] = mapped_column(Integer, default=31, server_default="31")

    topics: Mapped[list[MemberTopic]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )


class Interest(Base):
    """A topic (interest, skill) known in a workspace; `name` is the normalised key."""

    __tablename__ = "interest"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberTopic(Base):
    """A member's link to a topic: an interest, something they can help with, or want to learn."""

    __tablename__ = "member_topic"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("interest.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # interest|can_help|learn
    position: Mapped[int] = mapped_column(Integer, default=0)

    member: Mapped[Member] = relationship(back_populates="topics")
    interest: Mapped[Interest] = relationship(lazy="joined")


# --- channels and schedules ---------------------------------------------------------------


class ChannelConfig(Base):
    """A channel where Mingle runs rounds and/or prompts, and its options."""

    __tablename__ = "channel_config"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    group_size: Mapped[int] = mapped_column(Integer, default=2)
    recent_rounds: Mapped[int] = mapped_column(Integer, default=4)
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Same-team groups only as a last resort (`/mingle admin setup … across-teams`).
    across_teams: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Schedule(Base):
    """When something recurs in a channel: `kind` is "round" or "prompt"."""

    __tablename__ = "schedule"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")  # weekly|biweekly|monthly
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    time_of_day: Mapped[str] = mapped_column(String(5), default="10:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    anchor_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    skip_next: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who set it up: the admin told when something can't be delivered.
    created_by: Mapped[str] = mapped_column(String(32), default="", server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- rounds and matches -------------------------------------------------------------------


class Round(Base):
    """One coffee-chat round in a channel, claimed once per scheduled slot."""

    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "scheduled_for"),
        UniqueConstraint("run_now_after", "team_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[RoundStatus] = mapped_column(
        StrEnumColumn(RoundStatus, 16), default=RoundStatus.PLANNED
    )
    participant_count: Mapped[int] = mapped_column(Integer, default=0)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)
    upper_bound: Mapped[float] = mapped_column(Float, default=0.0)
    followup_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    followup_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A run-now round: the id of the channel's latest round when it was asked for (0: none),
    # unique per channel, so two run-nows of the same moment make one round.
    run_now_after: Mapped[int | None] = mapped_column(Integer, nullable=True)

    matches: Mapped[list[Match]] = relationship(
        back_populates="round", cascade="all, delete-orphan", lazy="selectin"
    )


class RoundSkip(Base):
    """A member's "skip this round" for a channel's next slot."""

    __tablename__ = "round_skip"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Match(Base):
    """A group of members put together in a round, with its reasons and outcome."""

    __tablename__ = "match_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[MatchOutcome | None] = mapped_column(
        StrEnumColumn(MatchOutcome, 16), nullable=True
    )
    outcome_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    asked_again_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    round: Mapped[Round] = relationship(back_populates="matches")
    members: Mapped[list[MatchMember]] = relationship(
        back_populates="match", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def user_ids(self) -> list[str]:
        return [m.user_id for m in self.members]


class MatchMember(Base):
    """One person in a match."""

    __tablename__ = "match_member"

    match_id: Mapped[int] = mapped_column(
        ForeignKey("match_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)

    match: Mapped[Match] = relationship(back_populates="members")


class MeetingSlot(Base):
    """A 30-minute time offered to a group (`bot.core.slots`): `batch` 1 in the intro, 2 and
    on after "None of these work"; `agreed_at` once every member picked it."""

    __tablename__ = "meeting_slot"
    __table_args__ = (UniqueConstraint("match_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match_group.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    batch: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlotPick(Base):
    """A member's "Works for me" on a slot."""

    __tablename__ = "slot_pick"

    slot_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_slot.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThankYouNote(Base):
    """A short thank-you a member sent the others of a group that met (one per member and
    group); delivered as DMs through the outbox."""

    __tablename__ = "thank_you_note"
    __table_args__ = (UniqueConstraint("match_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match_group.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- delivery -----------------------------------------------------------------------------


class OutboundMessage(Base):
    """The delivery outbox: one row per message Mingle must send exactly once."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbound_message_status_not_before", "status", "not_before"),
        Index("ix_outbound_message_status_priority_id", "status", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[OutboxKind] = mapped_column(StrEnumColumn(OutboxKind, 32))
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    ephemeral_user: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnumColumn(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sent_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_group.id", ondelete="SET NULL"), nullable=True
    )
    notify_user: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Lower goes first: what a person just asked for jumps a round's backlog.
    priority: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProcessedEvent(Base):
    """Slack event IDs already handled, so a retried event is processed once."""

    __tablename__ = "processed_event"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- prompts and answers ------------------------------------------------------------------


class PromptTemplate(Base):
    """A channel's own prompt in its bank (the built-in bank lives in code)."""

    __tablename__ = "prompt_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Prompt(Base):
    """A prompt posted (or claimed for posting) in a channel for a scheduled slot."""

    __tablename__ = "prompt"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    bank_key: Mapped[str] = mapped_column(String(32))  # "builtin:12" | "custom:5"
    text: Mapped[str] = mapped_column(String(500))
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    permalink: Mapped[str | None] = mapped_column(String(300), nullable=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Base):
    """A useful answer someone shared: a prompt thread reply, a modal entry or a saved message."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "message_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompt.id", ondelete="SET NULL"), nullable=True, index=True
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(80), default="")
    permalink: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(16), default="thread")  # thread|modal|shortcut
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    saved_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AnswerTerm(Base):
    """Inverted index of answer words, so search stays fast on SQLite and PostgreSQL."""

    __tablename__ = "answer_term"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    __table_args__ = (Index("ix_answer_term_team_id_term", "team_id", "term"),)


# --- connect ------------------------------------------------------------------------------


class Introduction(Base):
    """A member introduced two people."""

    __tablename__ = "introduction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    introducer_id: Mapped[str] = mapped_column(String(32), index=True)
    a_user_id: Mapped[str] = mapped_column(String(32))
    b_user_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nudge(Base):
    """A reconnect nudge sent to a member about someone they met."""

    __tablename__ = "nudge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    other_user_id: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Avoid(Base):
    """Someone a member would rather not be grouped with: private to `user_id`, never shown
    to `other_user_id`. Rounds, suggestions and nudges honour it either way round."""

    __tablename__ = "avoid"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    other_user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Welcome(Base):
    """Who was already welcomed in which channel (no welcome spam on repeat joins)."""

    __tablename__ = "welcome"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    welcomed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- installs ------------------------------------------------------------------------------


class Workspace(Base):
    """A workspace Mingle serves, and whether it was uninstalled.

    Recorded when Mingle is installed there, or when a workspace of an Enterprise Grid
    organisation first uses the organisation's install (`enterprise_id`). Once
    `uninstalled_at` is set its schedules stop, its requests are ignored, and its data is
    deleted after the retention period. `refresh_lease_until` lets one instance at a time
    refresh the workspace's rotating token.
    """

    __tablename__ = "workspace"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    installed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uninstalled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refresh_lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- operations -----------------------------------------------------------------------------


class RoundAlone(Base):
    """Someone left without a group in a round (they get a boost in the next one).

    Written when the round is planned; matching reads it, never the outbox."""

    __tablename__ = "round_alone"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class DeliveryLease(Base):
    """Whose turn it is to send a workspace's outbox: one instance at a time, so the
    instances together keep to Slack's rate limits (`bot.services.delivery_lease`)."""

    __tablename__ = "delivery_lease"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)  # a team id, or "*"
    holder: Mapped[str] = mapped_column(String(100))
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


#: slack_sdk's installation and OAuth state tables (multi-workspace mode), defined by slack_sdk
#: and created by Mingle's migrations: ``(slack_bots, slack_installations, slack_oauth_states)``.
SLACK_TABLES = define_slack_tables(Base.metadata)
