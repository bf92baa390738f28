"""The "Share an answer" button on a prompt: opens the answer modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.numbers import read_id
from bot.services.answers import AnswerService
from handlers.runtime import deps_of, team_of


def share_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    prompt_id = read_id(value) or -1
    AnswerService(deps_of(context)).open_share_modal(
        team_of(context), prompt_id, str(body["trigger_id"])
    )
