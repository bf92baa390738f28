"""The "Share an answer" button on a prompt: opens the answer modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.core.blocks import Reply
from bot.services.answers import AnswerService
from handlers.runtime import deps_of, friendly, send, team_of


def share_answer(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")

    def show(reply: Reply) -> None:
        if body.get("response_url"):
            send(respond, reply)

    with friendly(None, show):
        prompt_id = int(value) if value.isdigit() else -1
        AnswerService(deps_of(context)).open_share_modal(
            team_of(context), prompt_id, str(body["trigger_id"])
        )
