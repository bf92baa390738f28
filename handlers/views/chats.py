"""The "Send a thank-you" modal's submission: the note is checked (a field error under the
input) and sent; the group in `private_metadata` is checked again by the service."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.messages.chats import NOTE_FIELD
from bot.services import chats
from handlers.runtime import deps_of, plain_values, team_of


def thank_you_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    note = str(plain_values(view).get(NOTE_FIELD) or "")
    metadata = str(view.get("private_metadata") or "")[:100]
    chats.check_note(note)  # a bad note shows under the input (`friendly_listener`)
    chats.send_thank_you(
        deps_of(context), team_of(context), str(body["user"]["id"]), metadata, note
    )
    ack()
