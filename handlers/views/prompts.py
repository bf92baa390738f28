"""Modal submissions for answers: "Share an answer" (a prompt's button) and the topic of a
message kept with "Save as answer". Validation errors and refusals show in the modal
itself: the prompt or answer the modal's metadata names is checked against the submitter
(a member of the prompt's channel; the answer's author, its saver or an admin)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.messages.help import moved_on
from bot.core.messages.prompts import metadata_id
from bot.errors import NotFoundError
from bot.services.answers import AnswerService, read_shared_answer
from handlers.runtime import deps_of, plain_values, team_of


def share_answer_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    shared = read_shared_answer(view, plain_values(view))
    if isinstance(shared, dict):
        ack(response_action="errors", errors=shared)
        return
    service, user_id = AnswerService(deps_of(context)), str(body["user"]["id"])
    # Checked before ack(), so a refusal shows in the modal (one conversations.members).
    service.shareable_prompt(team_of(context), user_id, shared.prompt_id)
    ack()
    service.share(team_of(context), user_id, shared)


def save_answer_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    answer_id = metadata_id(str(view.get("private_metadata") or ""), "answer")
    topic = str(plain_values(view).get("topic") or "")
    if answer_id is None:
        raise NotFoundError(moved_on("that answer"))
    # Before ack(), so a refusal (not the author, the saver or an admin) shows in the modal.
    AnswerService(deps_of(context)).set_topic(
        team_of(context), str(body["user"]["id"]), answer_id, topic
    )
    ack()
