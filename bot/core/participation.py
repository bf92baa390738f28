"""Who takes part in a round: the one rule, used by planning, the preview and heads-ups.

Someone takes part in a channel's round when they are

- in the channel, and a person: not a bot, not Mingle itself, not deactivated;
- joined to Mingle and not paused on the round's day *in their own timezone* (a pause whose
  end date has come counts as over, and so does one without an end date: pauses always
  get one);
- not skipping that round ("Skip this round").

Their timezone is Slack's (it is fresher), else the one stored, else UTC.

Someone who was alone last round, or whose group could not meet, is "left out" and gets a
boost in the next round (`LEFT_OUT_BOOST`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.status import MatchOutcome, MemberStatus

#: Boost for someone who was alone, or whose match couldn't meet, last round.
LEFT_OUT_BOOST = 1.0


@dataclass(frozen=True)
class Account:
    """What Slack says about someone (users.list)."""

    user_id: str
    is_bot: bool = False
    deleted: bool = False
    tz: str = ""


@dataclass(frozen=True)
class Membership:
    """What Mingle stored about someone who used it."""

    user_id: str
    status: str
    paused_until: dt.date | None = None
    tz: str = "UTC"


@dataclass(frozen=True)
class Turnout:
    """Who takes part (ids, sorted), and the timezone of every member Mingle looked at:
    the people in the channel who have a membership, taking part or not."""

    participants: tuple[str, ...]
    timezones: Mapping[str, str]


def valid_tz(name: str) -> str:
    """`name` when it is a timezone Python knows, else "UTC"."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def is_taking_part(status: str, paused_until: dt.date | None, on: dt.date) -> bool:
    """Joined and not paused on `on` (a pause whose end date has come, or that has none,
    counts as over)."""
    if status == MemberStatus.ACTIVE:
        return True
    return status == MemberStatus.PAUSED and (paused_until is None or paused_until <= on)


def who_takes_part(
    *,
    in_channel: Set[str],
    accounts: Iterable[Account],
    bot_user_id: str,
    members: Mapping[str, Membership],
    skipped: Set[str],
    slot: dt.datetime,
) -> Turnout:
    """Who takes part in the round of `slot` (see the module docstring for the rule).

    `accounts` may list the whole workspace; `members` may hold more people than the channel.
    """
    people = {
        account.user_id: account
        for account in accounts
        if account.user_id in in_channel
        and not account.is_bot
        and not account.deleted
        and account.user_id != bot_user_id
    }
    participants: list[str] = []
    timezones: dict[str, str] = {}
    for user_id in sorted(people.keys() & members.keys()):
        member = members[user_id]
        tz = valid_tz(people[user_id].tz or member.tz)
        timezones[user_id] = tz
        local_day = slot.astimezone(ZoneInfo(tz)).date()
        if user_id in skipped or not is_taking_part(member.status, member.paused_until, local_day):
            continue
        participants.append(user_id)
    return Turnout(tuple(participants), timezones)


def left_out(groups: Iterable[tuple[str | None, Iterable[str]]], alone: Iterable[str]) -> set[str]:
    """Who was left out of a round: alone, or in a group (outcome, members) that couldn't
    meet. They get `LEFT_OUT_BOOST` in the next round."""
    people = set(alone)
    for outcome, members in groups:
        if outcome == MatchOutcome.COULD_NOT:
            people.update(members)
    return people
