"""The "Save as answer" message shortcut: keep the message, then offer to add a topic."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services.answers import AnswerService
from handlers.runtime import deps_of, team_of


def save_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    AnswerService(deps_of(context)).open_saved_modal(
        team_of(context),
        str(body["user"]["id"]),
        str((body.get("channel") or {}).get("id") or ""),
        body.get("message") or {},
        str(body["trigger_id"]),
    )
