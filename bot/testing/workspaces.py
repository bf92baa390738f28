"""Seeding and inspecting one emulated workspace: users, channels, messages, views, files.

:class:`WorkspaceView` holds what tests use to set a workspace up and to look at what the
app did there. :class:`~bot.testing.emulator.SlackEmulator` is the view of its first
workspace, so single-workspace tests read as before; ``emu.workspace("T2")`` is the view of
any other one. Every view shares the emulator's lock, server and call log.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from bot.testing.api import JSON
from bot.testing.state import Conversation, User, Workspace


class WorkspaceView:
    """Setup and inspection of one workspace, under the emulator's lock."""

    _ws: Workspace
    _lock: threading.RLock
    _changed: threading.Condition
    _base_url: str | None
    bot_user_id: str

    def __init__(
        self,
        ws: Workspace,
        lock: threading.RLock,
        changed: threading.Condition,
        base_url: str | None,
    ) -> None:
        self._ws = ws
        self._lock = lock
        self._changed = changed
        self._base_url = base_url
        self.bot_user_id = ws.bot_user_id

    # -- identity ------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._ws.team_id

    @property
    def team_name(self) -> str:
        return self._ws.team_name

    @property
    def enterprise_id(self) -> str | None:
        """The Enterprise Grid organisation the workspace belongs to, if any."""
        return self._ws.enterprise_id

    @property
    def bot_id(self) -> str:
        return self._ws.bot_id

    @property
    def app_id(self) -> str:
        return self._ws.app_id

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the emulator must be started)."""
        if self._base_url is None:
            raise RuntimeError("SlackEmulator is not started; call start() first")
        return self._base_url

    @property
    def api_url(self) -> str:
        """Web API base URL with trailing slash, for ``WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        """A ``response_url`` on the emulator; posts to it are kept under ``key``."""
        return f"{self.base_url}/response/{key}"

    # -- workspace setup -----------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "UTC",
        title: str = "",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        *,
        display_name: str | None = None,
        is_primary_owner: bool | None = None,
        is_restricted: bool = False,
    ) -> JSON:
        """Add (or replace) a user; returns the user object as ``users.info`` shows it."""
        with self._lock:
            user = User(
                id=user_id,
                name=name,
                real_name=real_name if real_name is not None else name,
                display_name=display_name if display_name is not None else name,
                tz=tz,
                title=title,
                is_admin=is_admin or is_owner,
                is_owner=is_owner,
                is_primary_owner=is_owner if is_primary_owner is None else is_primary_owner,
                is_bot=is_bot,
                deleted=deleted,
                email=email,
                is_restricted=is_restricted,
                bot_id=f"B{user_id[1:]}" if is_bot else None,
            )
            self._ws.users[user_id] = user
            self._changed.notify_all()
            return self._ws.render_user(user)

    def update_user(self, user_id: str, **changes: Any) -> JSON:
        """Change fields of a user (e.g. ``tz``, ``deleted``, ``title``, ``display_name``)."""
        with self._lock:
            user = self._ws.users[user_id]
            for key, value in changes.items():
                if not hasattr(user, key) or key == "id":
                    raise AttributeError(f"unknown user field {key!r}")
                setattr(user, key, value)
            user.updated = int(time.time())
            self._changed.notify_all()
            return self._ws.render_user(user)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        is_private: bool = False,
        bot_is_member: bool = True,
        *,
        is_archived: bool = False,
        is_general: bool = False,
        topic: str = "",
        purpose: str = "",
    ) -> JSON:
        """Add a public or private channel; returns it as ``conversations.info`` shows it."""
        with self._lock:
            people = list(dict.fromkeys(members or []))
            unknown = [u for u in people if u not in self._ws.users]
            if unknown:
                raise ValueError(f"unknown users {unknown}: add_user() them first")
            if bot_is_member and self.bot_user_id not in people:
                people.append(self.bot_user_id)
            if not bot_is_member and self.bot_user_id in people:
                people.remove(self.bot_user_id)
            conv = Conversation(
                id=channel_id,
                kind="channel",
                name=name.lstrip("#"),
                is_private=is_private,
                members=people,
                created=int(time.time()),
                creator=people[0] if people else self.bot_user_id,
                is_archived=is_archived,
                is_general=is_general,
                topic=topic,
                purpose=purpose,
            )
            self._ws.conversations[channel_id] = conv
            self._changed.notify_all()
            return self._ws.render_conversation(conv, self.bot_user_id)

    def add_channel_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            conv = self._ws.conversations[channel_id]
            if user_id not in self._ws.users:
                raise ValueError(f"unknown user {user_id}")
            if user_id not in conv.members:
                conv.members.append(user_id)
            self._changed.notify_all()

    def remove_channel_member(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            conv = self._ws.conversations[channel_id]
            if user_id in conv.members:
                conv.members.remove(user_id)
            self._changed.notify_all()

    def archive_channel(self, channel_id: str, archived: bool = True) -> None:
        with self._lock:
            self._ws.conversations[channel_id].is_archived = archived
            self._changed.notify_all()

    def channel_members(self, channel_id: str) -> list[str]:
        with self._lock:
            return list(self._ws.conversations[channel_id].members)

    def user_token(self, user_id: str) -> str:
        """A user token (``xoxp-...``) acting as ``user_id``, e.g. to post a human reply."""
        with self._lock:
            return self._ws.user_token(user_id)

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A fresh trigger id, as an interaction payload would carry, tied to ``user_id``."""
        with self._lock:
            trigger = f"{int(time.time())}.{self._ws.new_id('')}.{self._ws.new_hash()[-8:]}"
            self._ws.triggers[trigger] = user_id
            return trigger

    def post_message(
        self,
        channel_id: str,
        user: str,
        text: str = "",
        *,
        thread_ts: str | None = None,
        blocks: list[JSON] | None = None,
        metadata: JSON | None = None,
        ts: str | None = None,
    ) -> JSON:
        """Put a message straight into a conversation (no API call, not recorded in calls).

        For seeding history, e.g. human replies in a thread; ``ts`` may be given to backdate.
        """
        with self._lock:
            conv = self._ws.conversations[channel_id]
            message: JSON = {
                "user": user,
                "type": "message",
                "ts": ts or self._ws.next_ts(),
                "text": text,
                "team": self.team_id,
            }
            if blocks:
                message["blocks"] = copy.deepcopy(blocks)
            if metadata is not None:
                message["metadata"] = copy.deepcopy(metadata)
            if thread_ts:
                message["thread_ts"] = thread_ts
            if user == self.bot_user_id:
                message.update(self._ws.bot_identity())
            message["_has_text_fallback"] = bool(text.strip())
            self._ws.add_message(conv, message)
            self._changed.notify_all()
            return self._ws.record_message(message)

    # -- inspection ----------------------------------------------------------------

    def messages(self, channel_id: str, include_replies: bool = True) -> list[JSON]:
        """Messages stored in a conversation, oldest first (each with ``channel`` and
        ``has_text_fallback`` added); ``[]`` for an unknown conversation."""
        with self._lock:
            conv = self._ws.conversations.get(channel_id)
            if conv is None:
                return []
            return [
                self._ws.record_message(m)
                for m in conv.messages
                if include_replies
                or not m.get("thread_ts")
                or m.get("thread_ts") == m["ts"]
                or m.get("subtype") == "thread_broadcast"
            ]

    def conversations(self, kind: str | None = None) -> list[JSON]:
        """Every conversation (``kind``: "channel", "im" or "mpim"), with ``members``."""
        with self._lock:
            out = []
            for conv in self._ws.conversations.values():
                if kind is None or conv.kind == kind:
                    rendered = self._ws.render_conversation(conv, self.bot_user_id)
                    rendered["members"] = list(conv.members)
                    out.append(rendered)
            return out

    def dm_channel(self, *user_ids: str) -> str | None:
        """Id of the bot's IM/MPIM with exactly these users, if it was opened."""
        with self._lock:
            return self._ws.dm_index.get(frozenset({self.bot_user_id, *user_ids}))

    def ephemerals(self, channel_id: str | None = None, user: str | None = None) -> list[JSON]:
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ws.ephemerals
                if (channel_id is None or e["channel"] == channel_id)
                and (user is None or e["user"] == user)
            ]

    def home_view(self, user_id: str) -> JSON | None:
        """The Home tab last published for ``user_id`` (as ``views.publish`` returned it)."""
        with self._lock:
            view = self._ws.home.get(user_id)
            return self._ws.render_view(view) if view is not None else None

    def open_views(self) -> list[JSON]:
        """Modals opened, pushed or updated, in order, with ``view_id``, ``hash``, ``user``,
        ``trigger`` and ``method``."""
        with self._lock:
            return copy.deepcopy(self._ws.view_log)

    def files(self, channel_id: str | None = None) -> list[JSON]:
        """Completed uploads (``content`` holds the bytes), optionally for one channel."""
        with self._lock:
            out = []
            for f in self._ws.files.values():
                if not f.completed or (channel_id is not None and channel_id not in f.channels):
                    continue
                out.append(
                    {
                        "id": f.id,
                        "title": f.title,
                        "filename": f.filename,
                        "content": f.content,
                        "length": f.length,
                        "size": len(f.content or b""),
                        "channels": list(f.channels),
                        "initial_comment": f.initial_comment,
                        "thread_ts": f.thread_ts,
                        "user": f.user,
                        "alt_txt": f.alt_txt,
                        "snippet_type": f.snippet_type,
                        "message_ts": dict(f.message_ts),
                    }
                )
            return out

    def responses(self, key: str | None = None) -> list[JSON]:
        """Posts received on ``response_url``\\ s, in order (optionally for one key)."""
        with self._lock:
            return [copy.deepcopy(r) for r in self._ws.responses if key is None or r["key"] == key]
