"""Modal submissions for answers: "Share an answer" (a prompt's button) and the topic of a
message kept with "Save as answer". Validation errors show in the modal itself."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.messages.prompts import metadata_id
from bot.services.answers import AnswerService, read_shared_answer
from handlers.runtime import deps_of, plain_values, team_of


def share_answer_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    shared = read_shared_answer(view, plain_values(view))
    if isinstance(shared, dict):
        ack(response_action="errors", errors=shared)
        return
    ack()
    AnswerService(deps_of(context)).share(team_of(context), str(body["user"]["id"]), shared)


def save_answer_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    answer_id = metadata_id(str(view.get("private_metadata") or ""), "answer")
    topic = str(plain_values(view).get("topic") or "")
    if answer_id is None:
        ack()
        return
    AnswerService(deps_of(context)).set_topic(team_of(context), answer_id, topic)
    ack()
