"""The keys of outbox messages, built in this one place.

A key names one message Mingle must send exactly once: enqueueing the same key twice does
nothing (`storage.repositories.outbox.enqueue`). A key says what the message is about, so
a retry, a second scheduler or a double click finds the same key. Keys fit in 120
characters (the column's size).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from bot.core.rounds import slot_key

MAX_LENGTH = 120


# --- rounds ---------------------------------------------------------------------------------


def round_intro(round_id: int, match_id: int) -> str:
    return f"round:{round_id}:intro:{match_id}"


def round_alone(round_id: int, user_id: str) -> str:
    return f"{round_alone_prefix(round_id)}{user_id}"


def round_prefix(round_id: int) -> str:
    """What the keys of every message of a round start with."""
    return f"round:{round_id}:"


def round_alone_prefix(round_id: int) -> str:
    """What the keys of a round's "left alone" notes start with."""
    return f"round:{round_id}:alone:"


def round_summary(round_id: int) -> str:
    return f"round:{round_id}:summary"


def round_problem(team_id: str, channel_id: str, slot: dt.datetime) -> str:
    return f"problem:{team_id}:{channel_id}:{slot_key(slot)}"


def slot_problem(kind: str, team_id: str, channel_id: str, slot: dt.datetime, user_id: str) -> str:
    """An admin told that a scheduled round or prompt (`kind`) could not run."""
    return f"problem:{kind}:{team_id}:{channel_id}:{slot_key(slot)}:{user_id}"


def heads_up(team_id: str, channel_id: str, slot: dt.datetime, user_id: str) -> str:
    return f"headsup:{team_id}:{channel_id}:{slot_key(slot)}:{user_id}"


def followup(match_id: int, *, again: bool) -> str:
    return f"followup:{match_id}:{2 if again else 1}"


# --- meeting times and thank-you notes --------------------------------------------------------


def slot_offer(match_id: int, batch: int) -> str:
    """More meeting times for a group (batch 2 and on; batch 1 rides on the intro)."""
    return f"slots:{match_id}:{batch}"


def slot_agreed(match_id: int, slot_id: int) -> str:
    return f"slots:{match_id}:{slot_id}:agreed"


def slot_invite(match_id: int, slot_id: int) -> str:
    return f"slots:{match_id}:{slot_id}:invite"


def slot_invite_id_of(key: str) -> int | None:
    """The slot a `slot_invite(...)` key is for; None for any other key."""
    parts = key.split(":")
    if len(parts) == 4 and parts[0] == "slots" and parts[3] == "invite" and parts[2].isdigit():
        return int(parts[2])
    return None


def thank_you(note_id: int, to: str) -> str:
    return f"thanks:{note_id}:{to}"


def say_hi_again(team_id: str, match_id: int, user_id: str) -> str:
    """A member's "Say hi again" to a past group (once per member and group)."""
    return f"say_hi:{team_id}:m{match_id}:{user_id}"


# --- connect --------------------------------------------------------------------------------


def intro(team_id: str, introduction_id: int) -> str:
    return f"intro:{team_id}:{introduction_id}"


def nudge(team_id: str, nudge_id: int) -> str:
    return f"nudge:{team_id}:{nudge_id}"


def say_hi(team_id: str, nudge_id: int) -> str:
    return f"say_hi:{team_id}:{nudge_id}"


def welcome(team_id: str, channel_id: str, user_id: str) -> str:
    return f"welcome:{team_id}:{channel_id}:{user_id}"


# --- prompts --------------------------------------------------------------------------------


def prompt(prompt_id: int) -> str:
    return f"prompt:{prompt_id}"


def prompt_id_of(key: str) -> int | None:
    """The prompt a `prompt(...)` key is for; None for any other key."""
    kind, _, rest = key.partition(":")
    return int(rest) if kind == "prompt" and rest.isdigit() else None


# --- delivery -------------------------------------------------------------------------------


def notice(key: str, to: str | None = None) -> str:
    """The key of the admin notice about the message keyed `key` (within `MAX_LENGTH`);
    `to` names the admin when several are told (one notice each)."""
    about = f"{key}>{to}" if to else key
    candidate = f"notice:{about}"
    if len(candidate) <= MAX_LENGTH:
        return candidate
    return "notice:" + hashlib.sha256(about.encode()).hexdigest()


# --- forget me ------------------------------------------------------------------------------


def forgotten(key: str, user_id: str, row_id: int) -> str:
    """`key` without a forgotten person's ID in it (their place taken by the row's id, so the
    key stays unique), within `MAX_LENGTH`."""
    candidate = key.replace(user_id, f"~{row_id}")
    if len(candidate) <= MAX_LENGTH:
        return candidate
    return f"forgotten:{row_id}"
