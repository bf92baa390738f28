"""Parsing `/mingle` text into typed requests.

Slack escapes mentions in slash-command text (the manifest sets `should_escape`), so
`@ana` arrives as `<@U123|ana>` and `#coffee` as `<#C123|coffee>`. Malformed input raises
`CommandError` with a message that says what was wrong and how to say it instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.core.text import unescape_entities
from bot.errors import InvalidInputError

USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
MAX_PAUSE_WEEKS = 52


class CommandError(InvalidInputError):
    """The text after `/mingle` could not be understood."""

    def __init__(self, message: str, topic: str = "") -> None:
        super().__init__(message)
        self.topic = topic


@dataclass(frozen=True)
class Help:
    topic: str = ""


@dataclass(frozen=True)
class Join:
    pass


@dataclass(frozen=True)
class Leave:
    forget: bool = False


@dataclass(frozen=True)
class Pause:
    until: dt.date


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class InterestsList:
    pass


@dataclass(frozen=True)
class InterestsAdd:
    names: tuple[str, ...]


@dataclass(frozen=True)
class InterestsRemove:
    names: tuple[str, ...]


@dataclass(frozen=True)
class ShowProfile:
    user_id: str | None = None  # None: my own


@dataclass(frozen=True)
class Reconnect:
    enabled: bool
    after_days: int | None = None


@dataclass(frozen=True)
class Answers:
    words: str = ""
    user_id: str | None = None


@dataclass(frozen=True)
class Intro:
    a_user_id: str
    b_user_id: str
    reason: str = ""


@dataclass(frozen=True)
class Find:
    words: str = ""


@dataclass(frozen=True)
class Hours:
    """`/mingle hours [spec]`: show (empty spec) or set working hours and days."""

    spec: str = ""


@dataclass(frozen=True)
class AvoidList:
    """`/mingle avoid`: show my private avoid list."""


@dataclass(frozen=True)
class AvoidAdd:
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class AvoidRemove:
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class Admin:
    """`/mingle admin <action> [args]`: args are kept raw; the admin service parses them."""

    action: str
    args: tuple[str, ...] = field(default_factory=tuple)
    raw: str = ""


Command = (
    Help
    | Join
    | Leave
    | Pause
    | Resume
    | InterestsList
    | InterestsAdd
    | InterestsRemove
    | ShowProfile
    | Reconnect
    | Answers
    | Intro
    | Find
    | Hours
    | AvoidList
    | AvoidAdd
    | AvoidRemove
    | Admin
)


class AdminCommand(NamedTuple):
    """How to call one `/mingle admin` sub-command, and one line of help for it."""

    usage: str
    help: str


#: Every `/mingle admin` sub-command, in help order. A new sub-command is added here (its
#: name, usage and help line) and its route under the same name in
#: `handlers.commands.admin.ADMIN_ROUTES`; a test checks the two name sets are equal.
ADMIN_COMMANDS: dict[str, AdminCommand] = {
    "setup": AdminCommand(
        "/mingle admin setup [weekly|biweekly|monthly] [monday] [10:00] [Europe/Berlin] [size 2]"
        " [across-teams]",
        "Run coffee-chat rounds in this channel (no arguments opens a form); `across-teams` "
        "makes same-team groups a last resort.",
    ),
    "pause": AdminCommand("/mingle admin pause", "Pause rounds in this channel."),
    "resume": AdminCommand("/mingle admin resume", "Resume rounds in this channel."),
    "skip-next": AdminCommand("/mingle admin skip-next", "Skip the next round in this channel."),
    "preview": AdminCommand("/mingle admin preview", "Dry run: show the groups, only to you."),
    "run-now": AdminCommand(
        "/mingle admin run-now [again]",
        "Run a round in this channel now (`again`: even if one started in the last hour).",
    ),
    "prompts": AdminCommand(
        "/mingle admin prompts on [cadence day time tz] | off | add <text> | list | remove <id>",
        "Answer-sharing prompts in this channel.",
    ),
    "export": AdminCommand(
        "/mingle admin export [#channel] [since YYYY-MM-DD]",
        "Get the participation workbook (.xlsx) in a DM.",
    ),
    "stats": AdminCommand("/mingle admin stats [#channel]", "Headline participation figures."),
}


def user_id_of(token: str) -> str | None:
    match = USER_MENTION.match(token)
    return match.group(1) if match else None


def channel_id_of(token: str) -> str | None:
    match = CHANNEL_MENTION.match(token)
    return match.group(1) if match else None


def parse_command(text: str, today: dt.date) -> Command:
    """Parse the text after `/mingle` as Slack sends it (typed `&`, `<`, `>` as entities).
    `today` is the caller's local date (for pauses)."""
    text = unescape_entities(text)  # mention markup has no entities; replies escape again
    words = text.strip().split()
    if not words:
        return Help()
    head, rest = words[0].lower(), words[1:]
    rest_text = text.strip()[len(words[0]) :].strip()
    if head in ("help", "?", "-h", "--help"):
        return Help(rest[0].lower() if rest else "")
    if head == "join":
        _no_args(rest, "join")
        return Join()
    if head == "leave":
        if not rest:
            return Leave()
        if rest == ["--forget"] or [w.lower() for w in rest] == ["--forget"]:
            return Leave(forget=True)
        raise CommandError("`/mingle leave` takes only `--forget`.", "leave")
    if head == "pause":
        return Pause(parse_pause(rest, today))
    if head == "resume":
        _no_args(rest, "resume")
        return Resume()
    if head == "interests":
        return _parse_interests(rest, rest_text)
    if head == "profile":
        if not rest:
            return ShowProfile()
        if len(rest) == 1 and (uid := user_id_of(rest[0])):
            return ShowProfile(uid)
        raise CommandError("Say whose profile: `/mingle profile @someone`.", "profile")
    if head == "reconnect":
        return _parse_reconnect(rest)
    if head == "answers":
        if len(rest) == 1 and (uid := user_id_of(rest[0])):
            return Answers(user_id=uid)
        if not rest_text:
            raise CommandError(
                "Say what to look for: `/mingle answers kubernetes upgrade`.", "answers"
            )
        return Answers(words=rest_text)
    if head in ("intro", "introduce"):
        return _parse_intro(rest, rest_text)
    if head == "find":
        return Find(rest_text)
    if head in ("hours", "hour", "workhours"):
        return Hours(rest_text)
    if head in ("avoid", "unavoid"):
        return _parse_avoid(head, rest)
    if head == "admin":
        if not rest:
            raise CommandError("Which admin command? See `/mingle help admin`.", "admin")
        action = rest[0].lower()
        if action not in ADMIN_COMMANDS:
            raise CommandError(f"I don't know `admin {rest[0]}`.", "admin")
        raw = rest_text[len(rest[0]) :].strip()
        return Admin(action, tuple(rest[1:]), raw)
    raise CommandError(f"I don't know `{words[0]}`.")


def _no_args(rest: list[str], name: str) -> None:
    if rest:
        raise CommandError(f"`/mingle {name}` takes no arguments.", name)


def parse_pause(rest: list[str], today: dt.date) -> dt.date:
    """`2 weeks`, `1 week`, `3w` or `until 2026-12-24` -> the first day back."""
    usage = "Try `/mingle pause 2 weeks` or `/mingle pause until 2026-12-24`."
    if not rest:
        raise CommandError(f"For how long? {usage}", "pause")
    if rest[0].lower() == "until":
        if len(rest) != 2:
            raise CommandError(f"Give one date after `until`. {usage}", "pause")
        try:
            until = dt.date.fromisoformat(rest[1])
        except ValueError:
            raise CommandError(f"`{rest[1]}` is not a date like 2026-12-24.", "pause") from None
        if until <= today:
            raise CommandError("That date has already passed; pick a day after today.", "pause")
        if until > today + dt.timedelta(weeks=MAX_PAUSE_WEEKS):
            raise CommandError("You can pause for at most a year.", "pause")
        return until
    match = re.fullmatch(r"(\d{1,3})\s*(w|wk|wks|week|weeks)?", " ".join(rest).lower())
    if not match:
        raise CommandError(f"I couldn't read `{' '.join(rest)}`. {usage}", "pause")
    weeks = int(match.group(1))
    if not 1 <= weeks <= MAX_PAUSE_WEEKS:
        raise CommandError(f"Pause for 1 to {MAX_PAUSE_WEEKS} weeks.", "pause")
    return today + dt.timedelta(weeks=weeks)


def split_topics(text: str) -> tuple[str, ...]:
    """Split `a, b; c` into topics (commas, semicolons or new lines separate them)."""
    parts = re.split(r"[,;\n]", text)
    return tuple(part.strip() for part in parts if part.strip())


def _parse_interests(rest: list[str], rest_text: str) -> Command:
    if not rest:
        return InterestsList()
    verb = rest[0].lower()
    payload = rest_text[len(rest[0]) :].strip()
    if verb in ("add", "remove", "rm", "delete"):
        names = split_topics(payload)
        if not names:
            raise CommandError(
                f"Say which interests: `/mingle interests {verb} climbing, rust`.", "interests"
            )
        return InterestsAdd(names) if verb == "add" else InterestsRemove(names)
    if verb in ("list", "ls"):
        return InterestsList()
    raise CommandError(
        "Use `/mingle interests`, `interests add a, b` or `interests remove a`.", "interests"
    )


def _parse_reconnect(rest: list[str]) -> Command:
    usage = "Use `/mingle reconnect on`, `reconnect on 60` (days) or `reconnect off`."
    if not rest or rest[0].lower() not in ("on", "off"):
        raise CommandError(usage, "reconnect")
    enabled = rest[0].lower() == "on"
    if len(rest) == 1:
        return Reconnect(enabled)
    days_text = " ".join(rest[1:]).lower().removesuffix("days").removesuffix("d").strip()
    if not enabled or not days_text.isdigit() or not 14 <= int(days_text) <= 365:
        raise CommandError(f"{usage} Days go from 14 to 365.", "reconnect")
    return Reconnect(True, int(days_text))


#: The most people one `/mingle avoid` or `unavoid` takes.
MAX_AVOID_MENTIONS = 10


def _parse_avoid(head: str, rest: list[str]) -> Command:
    usage = f"Use `/mingle {head} @someone`" + (
        " (or `/mingle avoid` for your list)." if head == "avoid" else "."
    )
    if not rest:
        if head == "avoid":
            return AvoidList()
        raise CommandError(f"Say who. {usage}", head)
    people: list[str] = []
    for token in rest:
        uid = user_id_of(token)
        if uid is None:
            if channel_id_of(token) or token.startswith("<!"):
                raise CommandError(f"That's for people, not channels or groups. {usage}", head)
            shown = (token if len(token) <= 30 else token[:29] + "…").replace("`", "'")
            raise CommandError(f"`{shown}` is not a person I can see. {usage}", head)
        people.append(uid)
    people = list(dict.fromkeys(people))
    if len(people) > MAX_AVOID_MENTIONS:
        raise CommandError(f"Name at most {MAX_AVOID_MENTIONS} people at a time.", head)
    return AvoidAdd(tuple(people)) if head == "avoid" else AvoidRemove(tuple(people))


def _parse_intro(rest: list[str], rest_text: str) -> Command:
    usage = "Use `/mingle intro @ana @bo why they should meet`."
    if len(rest) < 2:
        raise CommandError(f"Name two people. {usage}", "intro")
    a, b = user_id_of(rest[0]), user_id_of(rest[1])
    if a is None or b is None:
        bad = rest[0] if a is None else rest[1]
        if channel_id_of(bad) or bad.startswith("<!"):
            raise CommandError(f"Introductions are between people, not channels. {usage}", "intro")
        raise CommandError(f"`{bad}` is not a person I can see. {usage}", "intro")
    reason = rest_text
    for token in rest[:2]:
        reason = reason[reason.index(token) + len(token) :]
    return Intro(a, b, reason.strip())
