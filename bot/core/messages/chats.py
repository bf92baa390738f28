"""Your chats: the Home tab's list of your last groups ("Say hi again"), and thank-you
notes after "We met" (the modal, the DM, the answers).

A note is the writer's own words: escaped in blocks and in the fallback text, so a typed
`<!channel>` or `&` shows as typed and never pings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import ids
from bot.core.blocks import Block, Reply, button, channel_link, context, escape, plain, section
from bot.core.messages.rounds import names
from bot.core.slots import slack_date

#: The longest thank-you note.
MAX_NOTE = 500
#: The note's input in the modal (and the field its errors show under).
NOTE_FIELD = "note"

OUTCOME_WORDS = {
    "met": ":tada: Met",
    "not_yet": ":hourglass_flowing_sand: Not yet",
    "could_not": ":handshake: Couldn't make it",
    None: ":grey_question: No answer yet",
}


@dataclass(frozen=True)
class ChatView:
    """One of your groups as the Home tab shows it."""

    match_id: int
    channel_id: str
    at: dt.datetime
    others: tuple[str, ...]
    outcome: str | None
    agreed_at: dt.datetime | None = None


def _day(at: dt.datetime) -> str:
    utc = at.astimezone(dt.UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short}}|{utc:%d %b %Y}>"


def chats_section(chats: Sequence[ChatView]) -> list[Block]:
    """The Home tab's "Your chats": the last groups, newest first, each with its outcome,
    the other members, the date and "Say hi again"."""
    blocks: list[Block] = [section("*Your chats*")]
    if not chats:
        blocks.append(context("Your coffee chats will show here once you've been matched."))
        return blocks
    for chat in chats:
        who = names(chat.others) if chat.others else "_a former member_"
        line = (
            f"{_day(chat.at)} in {channel_link(chat.channel_id)} with {who}\n"
            f"{OUTCOME_WORDS.get(chat.outcome, OUTCOME_WORDS[None])}"
        )
        if chat.agreed_at is not None:
            line += f" · time agreed: {slack_date(chat.agreed_at)}"
        accessory = (
            button("Say hi again", ids.ACTION_SAY_HI_AGAIN, str(chat.match_id))
            if chat.others
            else None
        )
        blocks.append(section(line, accessory=accessory))
    return blocks


def say_hi_again_message(sender: str, user_ids: Sequence[str]) -> Reply:
    """To the others of a past group (`user_ids`): `sender` says hi again."""
    text = (
        f":wave: {names(user_ids)}, {names([sender])} wanted to say hi again! You had a coffee "
        "chat through Mingle. How have you been?"
    )
    return Reply(f"{names([sender])} says hi again!", [section(text)])


def say_hi_again_reply(user_ids: Sequence[str]) -> Reply:
    text = f":wave: Done: I said hi again for you in a DM with {names(user_ids)}."
    return Reply("Said hi again.", [section(text)])


def thank_you_modal(match_id: int) -> dict[str, Any]:
    """The "Send a thank-you" modal; `private_metadata` carries the group (checked again
    on submit)."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_THANK_YOU,
        "private_metadata": str(match_id),
        "title": plain("Send a thank-you", 24),
        "submit": plain("Send", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section("A short note to the others in your coffee chat. They get it as a DM."),
            {
                "type": "input",
                "block_id": NOTE_FIELD,
                "label": plain("Your note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_FIELD,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                    "placeholder": plain("Thanks for the chat! I loved hearing about…"),
                },
            },
        ],
    }


def thank_you_message(sender: str, note: str) -> Reply:
    """The DM a thank-you note arrives in (the note escaped)."""
    quoted = "\n".join(f">{line}" for line in escape(note).splitlines() or [""])
    text = f":sparkles: {names([sender])} sent you a thank-you for your coffee chat:\n{quoted}"
    fallback = f"{names([sender])} says thank you: {escape(note)}"
    return Reply(fallback[:3000], [section(text[:3000])])


def thank_you_sent_reply(user_ids: Sequence[str]) -> Reply:
    text = f":sparkles: Your thank-you is on its way to {names(user_ids)}."
    return Reply("Your thank-you is on its way.", [section(text)])
