"""Answers: capturing them (prompt threads, the modal, "Save as answer"), their reactions,
and finding them again (`/mingle answers`).

Only prompt threads are read: a message event is an answer when it replies in the thread of
a prompt Mingle posted; every other message is ignored. Capture is idempotent on
(team, channel, message_ts), on top of the app's event-id dedup. An edited reply updates
its answer and a deleted one removes it; the same holds for saved messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.blocks import Reply
from bot.core.messages import prompts as msg
from bot.core.messages.help import error_reply, moved_on
from bot.core.prompts import answer_problem, clean_topic
from bot.core.search import query_terms
from bot.core.text import defuse
from bot.errors import InvalidInputError, NotAllowedError, NotFoundError, SlackError
from bot.services.admins import is_admin
from bot.services.deps import Deps
from bot.services.prompts import answer_view, author_names
from storage.models import Answer
from storage.repositories import answers as repo
from storage.repositories import prompts as prompts_repo

log = logging.getLogger(__name__)

NOT_IN_CHANNEL = "Only people in that prompt's channel can answer it."
NOT_YOURS = "Only the person who wrote this answer, who saved it, or an admin can change it."

#: Message subtypes that are a person's reply (others, such as joins, are not answers).
REPLY_SUBTYPES = (None, "thread_broadcast", "file_share")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
FILE_ONLY = (
    "Mingle keeps the words of answers, and your reply has none, so it wasn't kept. "
    "Add a sentence about the file so people can find it with `/mingle answers`."
)


@dataclass(frozen=True)
class SharedAnswer:
    """A validated "Share an answer" modal submission."""

    prompt_id: int
    text: str
    topic: str
    view_id: str


def _ts_time(ts: str, fallback: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return fallback


def read_shared_answer(
    view: Mapping[str, Any], values: Mapping[str, Any]
) -> SharedAnswer | dict[str, str]:
    """The modal's answer, or Block Kit `errors` ({block_id: message}) to show in it."""
    prompt_id = msg.metadata_id(str(view.get("private_metadata") or ""), "prompt")
    text = str(values.get("answer") or "")
    errors: dict[str, str] = {}
    problem = answer_problem(text)
    if problem:
        errors["answer"] = problem
    elif prompt_id is None:
        errors["answer"] = "Mingle lost track of this prompt. Reply in its thread instead."
    try:
        topic = clean_topic(str(values.get("topic") or ""))
    except InvalidInputError as exc:
        errors["topic"] = exc.message
        topic = ""
    if errors or prompt_id is None:
        return errors
    return SharedAnswer(prompt_id, text.strip(), topic, str(view.get("id") or ""))


class AnswerService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # thread replies ------------------------------------------------------------------------

    def on_message(self, team_id: str, event: Mapping[str, Any]) -> str:
        """Handle a message event; returns what was done (for logs and tests)."""
        subtype = event.get("subtype")
        if subtype == "message_changed":
            return self._changed(team_id, event)
        if subtype == "message_deleted":
            return self._deleted(team_id, str(event.get("channel") or ""), event.get("deleted_ts"))
        if subtype not in REPLY_SUBTYPES:
            return "ignored"
        return self._reply(team_id, str(event.get("channel") or ""), event)

    def _is_person(self, message: Mapping[str, Any]) -> bool:
        user = message.get("user")
        return bool(user) and not message.get("bot_id") and user != self.deps.bot_user_id

    def _reply(self, team_id: str, channel_id: str, message: Mapping[str, Any]) -> str:
        ts, thread_ts = str(message.get("ts") or ""), message.get("thread_ts")
        if not thread_ts or thread_ts == ts or not channel_id or not self._is_person(message):
            return "ignored"
        with self.deps.sessions.begin() as session:
            prompt = prompts_repo.prompt_for_thread(session, team_id, channel_id, str(thread_ts))
            if prompt is None:
                return "ignored"
            prompt_id = prompt.id
            if repo.get_answer(session, team_id, channel_id, ts) is not None:
                return "duplicate"
        user_id = str(message["user"])
        text = str(message.get("text") or "")
        problem = answer_problem(text)
        if problem:
            self._tell(
                channel_id,
                user_id,
                str(thread_ts),
                FILE_ONLY if message.get("files") and not text.strip() else problem,
            )
            return "rejected"
        now = self.deps.clock()
        search_text, permalink = self._plain(text), self._permalink(channel_id, ts)
        with self.deps.sessions.begin() as session:
            _, created = repo.save_answer(
                session,
                team_id=team_id,
                channel_id=channel_id,
                message_ts=ts,
                user_id=user_id,
                text=text,
                search_text=search_text,
                now=now,
                source="thread",
                permalink=permalink,
                prompt_id=prompt_id,
                created_at=_ts_time(ts, now),
            )
        return "captured" if created else "duplicate"

    def _changed(self, team_id: str, event: Mapping[str, Any]) -> str:
        channel_id = str(event.get("channel") or "")
        message = event.get("message") or {}
        ts = str(message.get("ts") or "")
        if not channel_id or not ts:
            return "ignored"
        with self.deps.sessions() as session:
            exists = repo.get_answer(session, team_id, channel_id, ts) is not None
        if not exists:
            # A reply that was too long or empty and is now fine becomes an answer.
            return self._reply(team_id, channel_id, message)
        text = str(message.get("text") or "")
        problem = answer_problem(text)
        if problem:
            user = str(message.get("user") or "")
            thread_ts = str(message.get("thread_ts") or "")
            if user and self._is_person(message):
                self._tell(
                    channel_id,
                    user,
                    thread_ts or None,
                    problem + " Mingle kept your earlier version.",
                )
            return "rejected"
        search_text = self._plain(text)
        with self.deps.sessions.begin() as session:
            answer = repo.get_answer(session, team_id, channel_id, ts)
            if answer is None:
                return "ignored"
            repo.update_answer(
                session, answer, now=self.deps.clock(), text=text, search_text=search_text
            )
        return "updated"

    def _deleted(self, team_id: str, channel_id: str, deleted_ts: Any) -> str:
        if not channel_id or not deleted_ts:
            return "ignored"
        with self.deps.sessions.begin() as session:
            removed = repo.delete_answer(session, team_id, channel_id, str(deleted_ts))
        return "deleted" if removed else "ignored"

    # reactions -----------------------------------------------------------------------------

    def on_reaction(self, team_id: str, event: Mapping[str, Any], delta: int) -> str:
        item = event.get("item") or {}
        if item.get("type") != "message" or event.get("user") == self.deps.bot_user_id:
            return "ignored"
        channel_id, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
        if not channel_id or not ts:
            return "ignored"
        with self.deps.sessions.begin() as session:
            found = repo.adjust_reactions(session, team_id, channel_id, ts, delta)
        return "counted" if found else "ignored"

    # the modal -----------------------------------------------------------------------------

    def shareable_prompt(self, team_id: str, user_id: str, prompt_id: int) -> tuple[str, str]:
        """(channel, text) of a prompt `user_id` may answer: one of this workspace's, in a
        channel they are in (Slack's member list: a private channel's prompt is for its
        members only, its text included)."""
        with self.deps.sessions() as session:
            prompt = prompts_repo.get_prompt(session, prompt_id)
            if prompt is None or prompt.team_id != team_id:
                raise NotFoundError(moved_on("that prompt"))
            channel_id, text = prompt.channel_id, prompt.text
        if user_id not in self.deps.slack.channel_members(channel_id):
            raise NotAllowedError(NOT_IN_CHANNEL)
        return channel_id, text

    def open_share_modal(self, team_id: str, user_id: str, prompt_id: int, trigger_id: str) -> None:
        _, text = self.shareable_prompt(team_id, user_id, prompt_id)
        self.deps.slack.open_modal(trigger_id, msg.share_answer_modal(prompt_id, text))

    def share(self, team_id: str, user_id: str, shared: SharedAnswer) -> Answer | None:
        """Keep a modal answer and post it in the prompt's thread (its message then
        stands for the answer: its permalink and its reactions). Only for a prompt the
        person may answer (`shareable_prompt`)."""
        self.shareable_prompt(team_id, user_id, shared.prompt_id)
        now = self.deps.clock()
        key = f"modal:{shared.view_id or now.timestamp()}"
        with self.deps.sessions.begin() as session:
            prompt = prompts_repo.get_prompt(session, shared.prompt_id)
            if prompt is None or prompt.team_id != team_id:
                return None
            channel_id, thread_ts = prompt.channel_id, prompt.message_ts
            answer, created = repo.save_answer(
                session,
                team_id=team_id,
                channel_id=channel_id,
                message_ts=key,
                user_id=user_id,
                text=shared.text,
                search_text=shared.text,  # typed in a modal: plain text already
                now=now,
                source="modal",
                permalink=prompt.permalink or "",
                prompt_id=prompt.id,
                topic=shared.topic,
            )
            answer_id = answer.id
        if not created or thread_ts is None:
            return answer
        names = author_names(self.deps, team_id, [user_id])
        post = msg.modal_answer_post(names[user_id], answer.search_text, shared.topic)
        try:
            response = self.deps.slack.post_message(
                channel_id, post.text, post.blocks, thread_ts=thread_ts
            )
        except SlackError:
            log.warning("could not post a modal answer in its thread", exc_info=True)
            return answer
        ts = str(response.get("ts") or "")
        permalink = self._permalink(channel_id, ts) if ts else ""
        with self.deps.sessions.begin() as session:
            stored = session.get(Answer, answer_id)
            if stored is not None and ts:
                repo.update_answer(session, stored, now=now, message_ts=ts, permalink=permalink)
            return stored

    # "Save as answer" ----------------------------------------------------------------------

    def save_message(
        self, team_id: str, user_id: str, channel_id: str, message: Mapping[str, Any]
    ) -> tuple[Answer, bool]:
        """Keep a message someone chose with the shortcut; `(answer, created)`."""
        ts = str(message.get("ts") or "")
        if not ts or not channel_id:
            raise InvalidInputError("Mingle couldn't read that message. Try again in a moment.")
        with self.deps.sessions() as session:
            existing = repo.get_answer(session, team_id, channel_id, ts)
        if existing is not None:
            return existing, False
        author = str(message.get("user") or "")
        if not author:
            raise InvalidInputError(
                "Mingle can keep messages people wrote, and this one has no author."
            )
        if author == self.deps.bot_user_id:
            raise InvalidInputError(
                "That's one of Mingle's own messages. Save the answers people wrote instead."
            )
        text = str(message.get("text") or "")
        problem = answer_problem(text)
        if problem:
            raise InvalidInputError(problem.replace("That answer", "That message"))
        now = self.deps.clock()
        search_text, permalink = self._plain(text), self._permalink(channel_id, ts)
        with self.deps.sessions.begin() as session:
            thread_ts = message.get("thread_ts")
            prompt = (
                prompts_repo.prompt_for_thread(session, team_id, channel_id, str(thread_ts))
                if thread_ts and thread_ts != ts
                else None
            )
            return repo.save_answer(
                session,
                team_id=team_id,
                channel_id=channel_id,
                message_ts=ts,
                user_id=author,
                text=text,
                search_text=search_text,
                now=now,
                source="shortcut",
                permalink=permalink,
                prompt_id=prompt.id if prompt is not None else None,
                saved_by=user_id,
                created_at=_ts_time(ts, now),
            )

    def open_saved_modal(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        message: Mapping[str, Any],
        trigger_id: str,
    ) -> None:
        answer, created = self.save_message(team_id, user_id, channel_id, message)
        view = msg.saved_answer_modal(
            answer.id, answer.user_id, answer.search_text or answer.text, answer.topic, created
        )
        self.deps.slack.open_modal(trigger_id, view)

    def set_topic(self, team_id: str, user_id: str, answer_id: int, topic: str) -> None:
        """Change an answer's topic: for its author, the person who saved it, or an admin."""
        cleaned = clean_topic(topic)
        with self.deps.sessions() as session:
            answer = repo.get_by_id(session, team_id, answer_id)
            if answer is None:
                raise NotFoundError(moved_on("that answer"))
            own = user_id in (answer.user_id, answer.saved_by)
        if not own and not is_admin(self.deps, user_id):
            raise NotAllowedError(NOT_YOURS)
        with self.deps.sessions.begin() as session:
            answer = repo.get_by_id(session, team_id, answer_id)
            if answer is None:
                raise NotFoundError(moved_on("that answer"))
            repo.update_answer(session, answer, now=self.deps.clock(), topic=cleaned)

    # finding -------------------------------------------------------------------------------

    def search(self, team_id: str, words: str) -> Reply:
        terms = query_terms(words)
        if not terms:
            return error_reply(
                "Those words are too short or too common to search for. "
                "Try something more specific, like `/mingle answers kubernetes upgrade`."
            )
        with self.deps.sessions() as session:
            hits = repo.search(session, team_id, terms, limit=msg.RESULTS_SHOWN)
            views = [answer_view(hit.answer, {}) for hit in hits]
        return msg.search_reply(words, views, terms)

    def by_person(self, team_id: str, user_id: str) -> Reply:
        with self.deps.sessions() as session:
            answers, total = repo.answers_by_user(session, team_id, user_id, msg.USER_ANSWERS_SHOWN)
            views = [answer_view(a, {}) for a in answers]
        if total == 0:
            self.deps.slack.user(user_id)  # an unknown person gets "I can't find that person"
        return msg.user_answers_reply(user_id, views, total)

    # helpers -------------------------------------------------------------------------------

    def _plain(self, text: str) -> str:
        """The answer's text with Slack markup resolved (names for mentions), never pinging."""
        names: dict[str, str] = {}
        for user_id in set(_MENTION.findall(text)):
            try:
                names[user_id] = self.deps.slack.user(user_id).label
            except SlackError:  # an unknown user keeps their ID
                continue
        return defuse(text, names)

    def _permalink(self, channel_id: str, ts: str) -> str:
        try:
            link = self.deps.slack.permalink(channel_id, ts)
        except SlackError:
            return ""
        return link if len(link) <= 300 else ""

    def _tell(self, channel_id: str, user_id: str, thread_ts: str | None, text: str) -> None:
        """A friendly note only `user_id` sees, in the thread they wrote in."""
        reply = error_reply(text)
        try:
            self.deps.slack.post_ephemeral(
                channel_id, user_id, thread_ts=thread_ts, **reply.as_kwargs()
            )
        except SlackError:
            log.info("could not tell %s about a rejected answer", user_id, exc_info=True)
