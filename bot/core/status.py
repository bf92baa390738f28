"""Statuses and kinds: the words Mingle stores in its status and kind columns, as types.

Each is a `StrEnum`, so a member's status *is* the string stored in the database ("active")
and compares equal to it; the columns in `storage.models` are typed by these enums. Adding a
value here is all a new status needs (no migration: the columns are plain strings).
"""

from __future__ import annotations

from enum import StrEnum


class MemberStatus(StrEnum):
    """Where a member stands with Mingle."""

    ACTIVE = "active"  # joined: matched in the next rounds
    PAUSED = "paused"  # joined, but sitting rounds out (until `paused_until`, if set)
    LEFT = "left"  # left, or never joined (kept until they ask to be forgotten)


#: Joined Mingle (opted in): active or paused. The one definition of "joined".
JOINED: frozenset[MemberStatus] = frozenset({MemberStatus.ACTIVE, MemberStatus.PAUSED})


class RoundStatus(StrEnum):
    """What became of a claimed round slot."""

    PLANNED = "planned"  # groups made (or being made) and their messages queued
    SKIPPED = "skipped"  # an admin skipped the slot
    EMPTY = "empty"  # nobody took part


class MatchOutcome(StrEnum):
    """A group's answer to "Did you meet?"."""

    MET = "met"
    NOT_YET = "not_yet"
    COULD_NOT = "could_not"


#: The answers that say a group has not met (yet).
NOT_MET: tuple[MatchOutcome, ...] = (MatchOutcome.NOT_YET, MatchOutcome.COULD_NOT)


class OutboxStatus(StrEnum):
    """Where an outbox row is: pending -> sending -> sent | failed | skipped.

    A "sending" row goes back to pending when its attempt is released (rate limited, retried).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxKind(StrEnum):
    """What an outbox message is; `bot.services.delivery` says each in words to admins."""

    ROUND_INTRO = "round_intro"  # a group's intro DM, with reasons and an icebreaker
    ROUND_ALONE = "round_alone"  # to someone left without a group
    ROUND_SUMMARY = "round_summary"  # the round's summary in the channel
    HEADS_UP = "heads_up"  # the day-before heads-up of a round
    ROUND_FOLLOWUP = "round_followup"  # "Did you meet?"
    ROUND_PROBLEM = "round_problem"  # to the admin: a round couldn't run
    INTRO = "intro"  # a member introduced two people
    NUDGE = "nudge"  # reconnect with someone you met
    SAY_HI = "say_hi"  # a nudged member says hi
    WELCOME = "welcome"  # welcome to a Mingle channel
    PROMPT = "prompt"  # a prompt posted in a channel
    ADMIN_NOTICE = "admin_notice"  # to the admin: a message couldn't be delivered
    SLOT_OFFER = "slot_offer"  # more meeting times for a group ("None of these work")
    SLOT_AGREED = "slot_agreed"  # everyone picked the same time: confirmed in the group DM
    SLOT_INVITE = "slot_invite"  # the agreed time's .ics invitation, uploaded to the group DM
    THANK_YOU = "thank_you"  # a member's thank-you note to someone they met
