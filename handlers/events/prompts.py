"""Events for prompts: replies in prompt threads (new, edited, deleted) and reactions.

Only thread replies and edits/deletions reach the answer service (see `_answer_related`);
every other message returns at once, and the service ignores every message that is not in a
prompt's thread (or an edit or deletion of a kept answer). This is the app's one `message`
listener (Bolt runs only the first matching one): a feature that needs other messages
should be called from here.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.services.answers import AnswerService
from handlers.runtime import deps_of, team_of

log = logging.getLogger(__name__)


def _answer_related(event: dict[str, Any]) -> bool:
    """A thread reply, or an edit or deletion (which may concern a kept answer)."""
    subtype = event.get("subtype")
    if subtype in ("message_changed", "message_deleted"):
        return True
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


def message(event: dict[str, Any], context: BoltContext) -> None:
    if not _answer_related(event):
        return
    outcome = AnswerService(deps_of(context)).on_message(team_of(context), event)
    log.debug("message event: %s", outcome)


def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
    AnswerService(deps_of(context)).on_reaction(team_of(context), event, +1)


def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
    AnswerService(deps_of(context)).on_reaction(team_of(context), event, -1)
