"""Which Slack events Mingle will act on, decided before anything is written.

Every event Slack sends is deduplicated by its `event_id` (a `processed_event` row), so a
retry or a second instance never acts twice. In a busy workspace most events are chatter
Mingle ignores: an ordinary message, a reaction to someone else's message. `acts_on` tells
those apart with at most one read, so an ignored event costs no write; the listeners
themselves ignore the same events (`handlers.events`, `bot.services.answers`).

When in doubt it answers True: recording an event that turns out to be ignored costs a
row (pruned after a day), while not recording one that is acted on would lose the dedup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.deps import Deps
from storage.repositories import answers as answers_repo
from storage.repositories import prompts as prompts_repo

#: Message subtypes that may be a reply in a prompt's thread (`AnswerService`).
_REPLIES = (None, "thread_broadcast", "file_share")


def acts_on(deps: Deps, team_id: str, event: Mapping[str, Any]) -> bool:
    """Whether a listener will do something with `event` (so it must be deduplicated)."""
    kind = event.get("type")
    if kind == "message":
        return _message_matters(deps, team_id, event)
    if kind in ("reaction_added", "reaction_removed"):
        item = event.get("item") or {}
        if item.get("type") != "message" or event.get("user") == deps.bot_user_id:
            return False
        return _is_answer(deps, team_id, item.get("channel"), item.get("ts"))
    if kind == "app_home_opened":
        return bool(event.get("tab", "home") == "home")
    return True


def _message_matters(deps: Deps, team_id: str, event: Mapping[str, Any]) -> bool:
    subtype = event.get("subtype")
    channel = event.get("channel")
    if subtype == "message_deleted":
        return _is_answer(deps, team_id, channel, event.get("deleted_ts"))
    if subtype == "message_changed":
        message = event.get("message") or {}
        return _is_answer(deps, team_id, channel, message.get("ts")) or _in_prompt_thread(
            deps, team_id, channel, message
        )
    if subtype not in _REPLIES:
        return False
    return _in_prompt_thread(deps, team_id, channel, event)


def _in_prompt_thread(deps: Deps, team_id: str, channel: Any, message: Mapping[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    if not channel or not thread_ts or thread_ts == message.get("ts"):
        return False
    with deps.sessions() as session:
        found = prompts_repo.prompt_for_thread(session, team_id, str(channel), str(thread_ts))
        return found is not None


def _is_answer(deps: Deps, team_id: str, channel: Any, ts: Any) -> bool:
    if not channel or not ts:
        return False
    with deps.sessions() as session:
        return answers_repo.get_answer(session, team_id, str(channel), str(ts)) is not None
