"""Messages for connect: introductions, find results, reconnect nudges and the welcome.

Every function returns a `Reply` (fallback text plus blocks) or a view. Names, topics and
reasons are escaped here; texts that arrive as mrkdwn say so in their parameter name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import ids
from bot.core.blocks import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Reply,
    actions,
    bullet_list,
    button,
    channel_link,
    context,
    escape,
    mention,
    plain,
    section,
    text_input,
    truncate,
)
from bot.core.connect import BIO, CAN_HELP, INTEREST, MAX_REASON, Found

# Modal block and action ids (the view's callback_id is ids.VIEW_INTRO).
INTRO_A = "intro_a"
INTRO_B = "intro_b"
INTRO_REASON = "intro_reason"
MAX_GROUND = 4
MAX_RESULTS = 10
DEFAULT_SELF_INTRO = "I found you through Mingle and would love to have a chat."


@dataclass(frozen=True)
class PersonRow:
    """One person in a list of find results or suggestions."""

    user_id: str
    found: tuple[Found, ...] = ()
    ground: tuple[str, ...] = ()  # plain-text reasons (common ground with the viewer)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _quote(mrkdwn: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in mrkdwn.splitlines())


def ground_lines(reasons: Sequence[str], limit: int = MAX_GROUND) -> list[str]:
    return [escape(reason) for reason in list(reasons)[:limit]]


# --- introductions ------------------------------------------------------------------------


def intro_message(
    introducer: str,
    a: str,
    b: str,
    *,
    reason_mrkdwn: str,
    ground: Sequence[str],
    self_intro: bool = False,
) -> Reply:
    """The group DM that introduces `a` and `b` (sent through the outbox).

    With `self_intro`, `introducer` is `a`, who asked Mingle to introduce them to `b`.
    """
    if self_intro:
        opening = (
            f":wave: {mention(b)}, meet {mention(a)}! They found you with `/mingle find` "
            "and asked me to introduce you."
        )
        fallback = f"Mingle introduced {mention(a)} to {mention(b)}"
        why_title = f"*In {mention(a)}'s words:*"
    else:
        opening = (
            f":wave: {mention(a)}, meet {mention(b)}! {mention(introducer)} thinks you two "
            "should talk."
        )
        fallback = f"{mention(introducer)} introduced {mention(a)} and {mention(b)}"
        why_title = f"*Why, in {mention(introducer)}'s words:*"
    blocks: list[Block] = [section(opening)]
    if reason_mrkdwn:
        blocks.append(section(why_title + "\n" + _quote(reason_mrkdwn)))
    lines = ground_lines(ground)
    if lines:
        blocks.append(section("*What you have in common on Mingle*\n" + bullet_list(lines)))
    blocks.append(context("Say hello here and find a time that works for both of you."))
    return Reply(fallback, blocks)


def intro_queued_reply(a: str, b: str) -> Reply:
    text = (
        f":incoming_envelope: Your introduction of {mention(a)} and {mention(b)} is on its "
        "way: I'm opening a group DM with the three of you."
    )
    return Reply("Your introduction is on its way.", [section(text)])


def self_intro_queued_reply(b: str) -> Reply:
    text = (
        f":incoming_envelope: On its way: I'm opening a group DM with you and {mention(b)} "
        "to introduce you."
    )
    return Reply("Your introduction is on its way.", [section(text)])


def _reason_input(initial: str, optional: bool = True) -> Block:
    return text_input(
        INTRO_REASON,
        "Why should they meet?",
        max_length=MAX_REASON,
        multiline=True,
        optional=optional,
        placeholder="You both run on-call rotations and love a good postmortem.",
        initial=initial,
    )


def _user_input(block_id: str, label: str, initial: str | None) -> Block:
    element: dict[str, Any] = {
        "type": "users_select",
        "action_id": block_id,
        "placeholder": plain("Pick someone"),
    }
    if initial:
        element["initial_user"] = initial
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def intro_modal(a: str | None = None, b: str | None = None, reason: str = "") -> dict[str, Any]:
    """The "Introduce two people" modal (global shortcut)."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_INTRO,
        "title": plain("Introduce two people"),
        "submit": plain("Introduce"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"mode": "pair"}),
        "blocks": [
            section(
                "Mingle opens a group DM with the two of them and you, with your words and "
                "what they have in common."
            ),
            _user_input(INTRO_A, "Introduce", a),
            _user_input(INTRO_B, "to", b),
            _reason_input(reason),
        ],
    }


def self_intro_modal(target: str, reason: str = DEFAULT_SELF_INTRO) -> dict[str, Any]:
    """The modal behind "Introduce me": a note to the person found, editable before sending."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_INTRO,
        "title": plain("Introduce me"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"mode": "self", "b": target}),
        "blocks": [
            section(
                f"Mingle opens a group DM with you and {mention(target)}, with your note and "
                "what you have in common."
            ),
            text_input(
                INTRO_REASON,
                "Your note",
                max_length=MAX_REASON,
                multiline=True,
                optional=True,
                initial=reason,
            ),
        ],
    }


# --- find ---------------------------------------------------------------------------------

FIELD_LABELS = {INTEREST: "likes", CAN_HELP: "can help with", BIO: "bio mentions"}


def found_text(found: Sequence[Found]) -> str:
    """ "likes *machine learning*; can help with *k8s*" (escaped)."""
    by_field: dict[str, list[str]] = {}
    for item in found:
        by_field.setdefault(item.field, [])
        if item.topic not in by_field[item.field]:
            by_field[item.field].append(item.topic)
    parts = []
    for key in (INTEREST, CAN_HELP, BIO):
        topics = by_field.get(key)
        if topics:
            named = ", ".join(f"*{escape(t)}*" for t in topics[:4])
            if len(topics) > 4:
                named += f" and {len(topics) - 4} more"
            parts.append(f"{FIELD_LABELS[key]} {named}")
    return "; ".join(parts)


def _person_blocks(row: PersonRow, *, show_found: bool) -> list[Block]:
    text = mention(row.user_id)
    if show_found and row.found:
        text += ": " + found_text(row.found)
    blocks = [
        section(
            text,
            accessory=button("Introduce me", ids.ACTION_INTRODUCE_ME, value=row.user_id),
        )
    ]
    lines = ground_lines(row.ground, 3)
    if lines:
        blocks.append(context(" · ".join(lines)))
    return blocks


def find_results(words: str, rows: Sequence[PersonRow], *, viewer_joined: bool) -> Reply:
    query = escape(truncate(words, 100))
    if not rows:
        text = (
            f":mag: Nobody's profile mentions *{query}* yet. Try other words, or "
            "`/mingle find` on its own for three people worth meeting."
        )
        return Reply(f"Nobody matches {query} yet.", [section(text)])
    rows = rows[:MAX_RESULTS]
    count = len(rows)
    people = "person" if count == 1 else "people"
    blocks: list[Block] = [section(f":mag: *{count} {people} for “{query}”*, best match first:")]
    for row in rows:
        blocks.extend(_person_blocks(row, show_found=True))
    if not viewer_joined:
        blocks.append(
            context(
                "Join Mingle (`/mingle join`) and add interests to see what you have in common."
            )
        )
    return Reply(f"{count} {people} for {query}", blocks[:MAX_MESSAGE_BLOCKS])


def suggestions_reply(rows: Sequence[PersonRow]) -> Reply:
    if not rows:
        text = (
            ":mag: I have no suggestions right now: you've already been matched with everyone "
            "who's in Mingle, or nobody else has joined yet. Try `/mingle find <interest>`."
        )
        return Reply("No suggestions right now.", [section(text)])
    blocks: list[Block] = [
        section(":sparkles: *People you haven't met yet, with the most in common with you:*")
    ]
    for row in rows:
        blocks.extend(_person_blocks(row, show_found=False))
    blocks.append(context("Search by interest with `/mingle find <words>`."))
    return Reply(f"{len(rows)} people you haven't met yet", blocks)


def join_first_reply() -> Reply:
    text = (
        "Suggestions are based on your profile: join with `/mingle join` and add your "
        "interests first. You can search anytime: `/mingle find kubernetes`."
    )
    return Reply("Join Mingle first for suggestions.", [section(text)])


# --- keep in touch ------------------------------------------------------------------------


def reconnect_reply(enabled: bool, after_days: int) -> Reply:
    if enabled:
        text = (
            f":seedling: Reconnect nudges are *on*. Every few weeks I'll remind you of someone "
            f"you met through Mingle at least {after_days} days ago. "
            "`/mingle reconnect off` stops them."
        )
        return Reply(f"Reconnect nudges are on ({after_days} days).", [section(text)])
    text = "Reconnect nudges are *off*. `/mingle reconnect on` turns them back on."
    return Reply("Reconnect nudges are off.", [section(text)])


def nudge_message(
    other: str, *, met_on: dt.date, ground: Sequence[str], nudge_id: int, met: bool
) -> Reply:
    how = "met" if met else "were matched"
    text = (
        f":seedling: You {how} {mention(other)} through Mingle on {_date(met_on)}. "
        "It's been a while: why not say hi?"
    )
    blocks: list[Block] = [section(text)]
    lines = ground_lines(ground, 3)
    if lines:
        blocks.append(section("*What you had in common*\n" + bullet_list(lines)))
    blocks.append(
        actions(
            button("Say hi", ids.ACTION_SAY_HI, value=str(nudge_id), style="primary"),
            block_id="mingle_nudge",
        )
    )
    blocks.append(context("You get these because of `/mingle reconnect on`; `off` stops them."))
    return Reply(f"Time to reconnect with {mention(other)}?", blocks)


def say_hi_message(sender: str, other: str) -> Reply:
    text = (
        f":wave: {mention(other)}, {mention(sender)} wanted to say hi! You met through Mingle "
        "a while ago. How have you been?"
    )
    return Reply(f"{mention(sender)} says hi!", [section(text)])


def say_hi_reply(other: str) -> Reply:
    text = f":wave: Done: I opened a DM with you and {mention(other)} and said hi for you."
    return Reply("Said hi.", [section(text)])


# --- welcome ------------------------------------------------------------------------------


def home_link(team_id: str, app_id: str) -> str:
    """mrkdwn link to Mingle's Home tab, or plain words when the app id is unknown."""
    if team_id and app_id:
        return f"<slack://app?team={team_id}&id={app_id}&tab=home|Mingle's Home tab>"
    return "Mingle's *Home* tab"


def welcome_message(channel_id: str, *, team_id: str, app_id: str) -> Reply:
    text = (
        f":wave: Welcome to {channel_link(channel_id)}! This channel uses *Mingle* to set up "
        "coffee chats between colleagues. Join to be matched in the next rounds, then tell "
        f"people what you're into in {home_link(team_id, app_id)}."
    )
    blocks: list[Block] = [
        section(text),
        actions(
            button("Join Mingle", ids.ACTION_JOIN, value="welcome", style="primary"),
            block_id="mingle_welcome",
        ),
        context("Only you can see this. `/mingle help` lists everything Mingle can do."),
    ]
    return Reply("Welcome! This channel uses Mingle for coffee chats.", blocks)


def done_modal(reply: Reply) -> dict[str, Any]:
    """What the intro modal turns into once submitted."""
    return {
        "type": "modal",
        "title": plain("Introduction"),
        "close": plain("Done"),
        "blocks": reply.blocks or [section(escape(reply.text))],
    }
