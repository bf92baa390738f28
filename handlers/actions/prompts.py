"""The "Share an answer" button on a prompt: opens the answer modal.

The button's value names a prompt; the service shows its text only to someone in the
prompt's channel (`AnswerService.shareable_prompt`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.messages.help import moved_on
from bot.core.numbers import read_id
from bot.errors import NotFoundError
from bot.services.answers import AnswerService
from handlers.runtime import deps_of, team_of


def share_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    prompt_id = read_id(str(action.get("value") or ""))
    if prompt_id is None:
        raise NotFoundError(moved_on("that prompt"))
    AnswerService(deps_of(context)).open_share_modal(
        team_of(context), str(body["user"]["id"]), prompt_id, str(body["trigger_id"])
    )
