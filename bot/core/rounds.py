"""Coffee-chat rounds, the pure parts: setup arguments, timing, icebreakers, button values.

`parse_setup` reads `/mingle admin setup weekly monday 10:00 Europe/Berlin size 3` (the parts
in any order, each optional) into a `RoundSetup`, and names the part it could not read.
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
    CADENCE_ALIASES,
    WEEKDAYS,
    Cadence,
    ScheduleError,
    check_timezone,
    next_run,
    parse_cadence,
    parse_time,
    parse_weekday,
    previous_run,
)
from bot.errors import InvalidInputError

T = TypeVar("T")

GROUP_SIZES = (2, 3, 4)
DEFAULT_CADENCE = "weekly"
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = dt.time(10, 0)
DEFAULT_GROUP_SIZE = 2

#: A heads-up DM goes out this long before a round.
HEADS_UP_BEFORE = dt.timedelta(days=1)
#: "Not yet" is asked again once, this long after it was answered.
ASK_AGAIN_AFTER = dt.timedelta(days=3)

OUTCOMES = ("met", "not_yet", "could_not")

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

    def as_cadence(self, anchor: dt.date | None = None) -> Cadence:
        return Cadence(self.cadence, self.weekday, self.at, self.tz, anchor)

    def describe(self) -> str:
        size = "pairs" if self.group_size == 2 else f"groups of {self.group_size}"
        return f"{self.as_cadence().describe()}, in {size}"


class SetupError(InvalidInputError):
    """The setup arguments could not be read; the message names the bad part."""


_SIZE_WORDS = {"pairs": 2, "pair": 2, "trios": 3, "triples": 3}


def _is_time(token: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}(:\d{2})?\s*(am|pm)?", token.lower()))


def _weekday_of(token: str) -> int | None:
    name = token.lower()
    if name.endswith("s") and name[:-1] in WEEKDAYS:  # "mondays"
        name = name[:-1]
    if len(name) >= 3 and any(day.startswith(name) for day in WEEKDAYS):
        return parse_weekday(name)
    return None


def _looks_like_timezone(token: str) -> bool:
    return "/" in token or token.upper() in ("UTC", "GMT")


_EVERY = {
    ("week",): "weekly",
    ("2", "weeks"): "biweekly",
    ("two", "weeks"): "biweekly",
    ("other", "week"): "biweekly",
    ("month",): "monthly",
}


def parse_group_size(text: str) -> int:
    value = text.strip().lower()
    if value in _SIZE_WORDS:
        return _SIZE_WORDS[value]
    if not value.isdigit() or int(value) not in GROUP_SIZES:
        raise SetupError(f"Group size `{text}` won't work: choose 2, 3 or 4 people per group.")
    return int(value)


class _Parts:
    """What the admin gave so far; a part given twice is an error."""

    def __init__(self) -> None:
        self.cadence: str | None = None
        self.weekday: int | None = None
        self.at: dt.time | None = None
        self.tz: str | None = None
        self.size: int | None = None

    def put(self, part: str, value: object, token: str) -> None:
        attr = {"cadence": "cadence", "weekday": "weekday", "time": "at", "timezone": "tz"}.get(
            part, "size"
        )
        if getattr(self, attr) is not None:
            raise SetupError(f"You gave two {part}s (the second is `{token}`). {SETUP_USAGE}")
        setattr(self, attr, value)


def parse_setup(args: Sequence[str], default_tz: str) -> RoundSetup:
    """Read setup arguments in any order; missing parts take their defaults."""
    parts = _Parts()
    tokens = [t.strip() for t in args if t.strip()]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        low = token.lower()
        step = 1
        try:
            if low in ("size", "group", "groups", "group-size"):
                rest = [t.lower() for t in tokens[i + 1 : i + 3]]
                if rest[:1] == ["of"]:
                    rest, step = rest[1:], 2
                if not rest:
                    raise SetupError(f"Say how many people per group after `{token}`: `size 3`.")
                parts.put("group size", parse_group_size(tokens[i + step]), tokens[i + step])
                step += 1
            elif low.startswith(("size=", "size:")):
                parts.put("group size", parse_group_size(token[5:]), token)
            elif low in _SIZE_WORDS:
                parts.put("group size", _SIZE_WORDS[low], token)
            elif low == "every":
                for words, kind in _EVERY.items():
                    if tuple(t.lower() for t in tokens[i + 1 : i + 1 + len(words)]) == words:
                        parts.put("cadence", kind, " ".join(tokens[i : i + 1 + len(words)]))
                        step += len(words)
                        break
                else:
                    raise SetupError(
                        "After `every`, say `week`, `2 weeks` or `month`. " + SETUP_USAGE
                    )
            elif low in CADENCE_ALIASES:
                parts.put("cadence", parse_cadence(low), token)
            elif (weekday := _weekday_of(low)) is not None:
                parts.put("weekday", weekday, token)
            elif low in ("at", "on", "in"):
                pass  # "on monday at 10:00 in Europe/Berlin"
            elif _is_time(low):
                parts.put("time", parse_time(low), token)
            elif _looks_like_timezone(token):
                zone = "UTC" if low in ("utc", "gmt") else token
                parts.put("timezone", check_timezone(zone), token)
            else:
                raise SetupError(
                    f"I couldn't read `{token[:40]}`: it isn't a cadence (weekly, biweekly, "
                    "monthly), a weekday, a time like 10:00, a timezone like Europe/Berlin, "
                    f"or a group size like `size 3`. {SETUP_USAGE}"
                )
        except ScheduleError as exc:
            raise SetupError(f"{exc} {SETUP_USAGE}") from None
        except SetupError as exc:
            if SETUP_USAGE in exc.message:
                raise
            raise SetupError(f"{exc.message} {SETUP_USAGE}") from None
        i += step

    tz = parts.tz
    if tz is None:
        try:
            tz = check_timezone(default_tz)
        except ScheduleError:
            tz = "UTC"
    return RoundSetup(
        cadence=parts.cadence or DEFAULT_CADENCE,
        weekday=DEFAULT_WEEKDAY if parts.weekday is None else parts.weekday,
        at=parts.at or DEFAULT_TIME,
        tz=tz,
        group_size=parts.size or DEFAULT_GROUP_SIZE,
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
    """Whether the heads-up for `slot` should go out now (within the day before it)."""
    return slot - HEADS_UP_BEFORE <= now < slot


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


def parse_match_value(value: str) -> int:
    if not value.isdigit():
        raise InvalidInputError("That button is out of date.")
    return int(value)


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
