"""Coffee-chat rounds, the pure parts: setup arguments, timing, icebreakers, button values.

`parse_setup` reads `/mingle admin setup weekly monday 10:00 Europe/Berlin size 3
across-teams` (the parts in any order, each optional; the schedule grammar is
`bot.core.schedule`'s, shared with prompts) into a `RoundSetup`, and names the part it
could not read.
The timing helpers say when the heads-up and the "Did you meet?" follow-up are due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.core.schedule import (
    Cadence,
    ScheduleError,
    check_timezone,
    next_run,
    parse_cadence,
    parse_schedule_words,
    parse_time,
    parse_weekday,
    previous_run,
    twice,
)
from bot.core.status import MatchOutcome
from bot.errors import InvalidInputError

T = TypeVar("T")

GROUP_SIZES = (2, 3, 4)
DEFAULT_CADENCE = "weekly"
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = dt.time(10, 0)
DEFAULT_GROUP_SIZE = 2

#: A heads-up DM goes out this long before a round.
HEADS_UP_BEFORE = dt.timedelta(days=1)
#: How much sooner than `HEADS_UP_BEFORE` a heads-up may still go out.
HEADS_UP_EARLY = dt.timedelta(minutes=5)
#: "Not yet" is asked again once, this long after it was answered.
ASK_AGAIN_AFTER = dt.timedelta(days=3)

OUTCOMES = tuple(MatchOutcome)

SETUP_USAGE = (
    "Try `/mingle admin setup weekly monday 10:00 Europe/Berlin size 3` "
    "(every part is optional), or `/mingle admin setup` for a form."
)


@dataclass(frozen=True)
class RoundSetup:
    """A channel's round settings as an admin gave them."""

    cadence: str = DEFAULT_CADENCE
    weekday: int = DEFAULT_WEEKDAY
    at: dt.time = DEFAULT_TIME
    tz: str = "UTC"
    group_size: int = DEFAULT_GROUP_SIZE
    #: Same-team groups only as a last resort (`across-teams`); None: leave it as it is
    #: (the setup form does not ask).
    across_teams: bool | None = False

    def as_cadence(self, anchor: dt.date | None = None) -> Cadence:
        return Cadence(self.cadence, self.weekday, self.at, self.tz, anchor)

    def describe(self) -> str:
        size = "pairs" if self.group_size == 2 else f"groups of {self.group_size}"
        across = ", across teams (same-team groups only as a last resort)"
        return f"{self.as_cadence().describe()}, in {size}{across if self.across_teams else ''}"


class SetupError(InvalidInputError):
    """The setup arguments could not be read; the message names the bad part."""


_SIZE_WORDS = {"pairs": 2, "pair": 2, "trios": 3, "triples": 3}
#: Words that ask for groups across teams (`/mingle admin setup weekly across-teams`).
ACROSS_TEAMS_WORDS = ("across-teams", "across_teams", "cross-team", "cross-teams")


def parse_group_size(text: str) -> int:
    value = text.strip().lower()
    if value in _SIZE_WORDS:
        return _SIZE_WORDS[value]
    if not value.isdigit() or int(value) not in GROUP_SIZES:
        raise SetupError(f"Group size `{text}` won't work: choose 2, 3 or 4 people per group.")
    return int(value)


def parse_setup(args: Sequence[str], default_tz: str) -> RoundSetup:
    """Read setup arguments in any order: the schedule's words (`bot.core.schedule`) and a
    group size (`size 3`, `groups of 3`, `size=3`, `pairs`, `trios`); missing parts take
    their defaults; `across-teams` makes same-team groups a last resort."""
    sizes: list[int] = []
    across: list[bool] = []

    def group_size(tokens: Sequence[str], i: int) -> int:
        """Read a group size at `tokens[i]`: how many tokens it took (0: not a size)."""
        token, low = tokens[i], tokens[i].lower()
        if low in ACROSS_TEAMS_WORDS:
            if across:
                raise twice("across-teams option", token)
            across.append(True)
            return 1
        if low in ("size", "group", "groups", "group-size"):
            rest = [t.lower() for t in tokens[i + 1 : i + 3]]
            step = 1
            if rest[:1] == ["of"]:
                rest, step = rest[1:], 2
            if not rest:
                raise SetupError(f"Say how many people per group after `{token}`: `size 3`.")
            size, used, step = parse_group_size(tokens[i + step]), tokens[i + step], step + 1
        elif low.startswith(("size=", "size:")):
            size, used, step = parse_group_size(token[5:]), token, 1
        elif low in _SIZE_WORDS:
            size, used, step = _SIZE_WORDS[low], token, 1
        else:
            return 0
        if sizes:
            raise twice("group size", used)
        sizes.append(size)
        return step

    try:
        cadence = parse_schedule_words(
            args,
            weekday=DEFAULT_WEEKDAY,
            default_tz=default_tz,
            own_words=group_size,
            own_words_are=("a group size like `size 3`", "`across-teams`"),
        )
    except (ScheduleError, SetupError) as exc:
        raise SetupError(f"{exc} {SETUP_USAGE}") from None
    return RoundSetup(
        cadence=cadence.kind,
        weekday=cadence.weekday,
        at=cadence.at,
        tz=cadence.tz,
        group_size=sizes[0] if sizes else DEFAULT_GROUP_SIZE,
        across_teams=bool(across),
    )


def validate_setup_form(
    cadence: str | None,
    weekday: str | None,
    time_text: str | None,
    tz: str | None,
    group_size: str | None,
) -> tuple[RoundSetup | None, dict[str, str]]:
    """Check the setup modal's values: the setup, or errors by block_id."""
    errors: dict[str, str] = {}

    def read(block_id: str, value: str | None, parse: Callable[[str], T], fallback: T) -> T:
        if not value or not value.strip():
            errors[block_id] = "Please fill this in."
            return fallback
        try:
            return parse(value.strip())
        except (ScheduleError, SetupError) as exc:
            errors[block_id] = str(exc)[:150]
            return fallback

    setup = RoundSetup(
        cadence=read("cadence", cadence, parse_cadence, DEFAULT_CADENCE),
        weekday=read("weekday", weekday, parse_weekday, DEFAULT_WEEKDAY),
        at=read("time", time_text, parse_time, DEFAULT_TIME),
        tz=read("timezone", tz, check_timezone, "UTC"),
        group_size=read("group_size", group_size, parse_group_size, DEFAULT_GROUP_SIZE),
        across_teams=None,
    )
    return (None, errors) if errors else (setup, {})


# --- timing -------------------------------------------------------------------------------


def followup_time(slot: dt.datetime, next_slot: dt.datetime) -> dt.datetime:
    """Midway between a round and the next one: when "Did you meet?" is asked."""
    return slot + (next_slot - slot) / 2


def round_followup_time(cadence: Cadence, planned_at: dt.datetime) -> dt.datetime:
    """When to ask "Did you meet?" for a round planned at `planned_at`: half a cycle later.

    A scheduled round's cycle runs to the next slot. A round run by hand (`run-now`, off the
    cadence) gets a whole cycle's length too, not just the time left to the next slot.
    """
    following = next_run(cadence, planned_at)
    if previous_run(cadence, planned_at) == planned_at:
        return followup_time(planned_at, following)
    cycle = next_run(cadence, following) - following
    return planned_at + cycle / 2


def heads_up_due(slot: dt.datetime, now: dt.datetime) -> bool:
    """Whether the heads-up for `slot` should go out now: within the day before it, or up to
    `HEADS_UP_EARLY` sooner (the scheduler's job may fire a little early)."""
    return slot - HEADS_UP_BEFORE - HEADS_UP_EARLY <= now < slot


def slot_key(slot: dt.datetime) -> str:
    """A compact, stable text form of a slot (UTC, to the minute) for keys and button values."""
    return slot.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def parse_slot_key(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InvalidInputError("That button is out of date.") from None


# --- button values ------------------------------------------------------------------------


def skip_value(channel_id: str, slot: dt.datetime) -> str:
    return f"{channel_id}|{slot_key(slot)}"


def parse_skip_value(value: str) -> tuple[str, dt.datetime]:
    channel_id, _, key = value.partition("|")
    if not re.fullmatch(r"[CG][A-Z0-9]+", channel_id):
        raise InvalidInputError("That button is out of date.")
    return channel_id, parse_slot_key(key)


# --- icebreakers --------------------------------------------------------------------------

ICEBREAKERS = (
    "What's something you learned recently that surprised you?",
    "What does a really good workday look like for you?",
    "What's a small thing that made your week better?",
    "If you could instantly master one skill, what would it be?",
    "What's the best piece of advice you've been given at work?",
    "What did you want to be when you were a kid?",
    "What's a book, podcast or show you'd recommend right now?",
    "What's the most interesting problem you've worked on this year?",
    "Where in the world would you most like to work from for a month?",
    "What's a hobby you picked up (or dropped) in the last few years?",
    "What's your favourite tool or shortcut that others might not know?",
    "What's the view from your window right now?",
    "What's something about your team that others in the company might not know?",
    "What's a tradition from where you grew up that you still keep?",
    "If you had a free afternoon tomorrow, how would you spend it?",
    "What's the last thing you made with your hands?",
    "What's a question you'd love to ask someone in a completely different role?",
    "What's the best meal you've had recently?",
    "What's one thing you'd change about how we work, if you could?",
    "Which skill of yours would you happily teach someone else?",
    "What's something you're looking forward to this month?",
    "What's a place near you that visitors should not miss?",
    "What's the most useful thing you've learned from a colleague?",
    "Coffee, tea, or something else entirely, and how do you take it?",
)


def icebreaker_for(key: str) -> str:
    """An icebreaker question picked deterministically from `key` (the same key, the same
    question, on every machine and every run)."""
    digest = hashlib.sha256(key.encode()).digest()
    return ICEBREAKERS[int.from_bytes(digest[:4], "big") % len(ICEBREAKERS)]
