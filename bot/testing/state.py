"""The emulated workspace: users, conversations, messages, views, files.

Everything here is plain data guarded by the emulator's lock; nothing in this module does
I/O. Objects are rendered into Slack's JSON shapes on demand, so values derived from the
clock (a user's ``tz_offset``) are always current.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.testing.api import JSON, ApiRequest, SlackApiError

# Long-form names Slack shows as ``tz_label``, keyed by zone then by "is DST in effect".
_TZ_LABELS: dict[str, tuple[str, str]] = {
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Sao_Paulo": ("Brasilia Standard Time", "Brasilia Summer Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Dublin": ("Greenwich Mean Time", "Irish Standard Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
    "Europe/Paris": ("Central European Time", "Central European Summer Time"),
    "Europe/Madrid": ("Central European Time", "Central European Summer Time"),
    "Europe/Helsinki": ("Eastern European Time", "Eastern European Summer Time"),
    "Asia/Kolkata": ("India Standard Time", "India Standard Time"),
    "Asia/Singapore": ("Singapore Standard Time", "Singapore Standard Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time"),
    "Australia/Sydney": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
    "Pacific/Auckland": ("New Zealand Standard Time", "New Zealand Daylight Time"),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
}

_AVATAR = "https://avatars.slack-edge.com/emulator/{user}_{size}.png"


def tz_fields(tz: str, at: datetime | None = None) -> tuple[str, int]:
    """``(tz_label, tz_offset seconds)`` for an IANA zone at ``at`` (default: now)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
        tz = "UTC"
    moment = (at or datetime.now(tz=zone)).astimezone(zone)
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    dst = moment.dst()
    in_dst = bool(dst and dst.total_seconds())
    labels = _TZ_LABELS.get(tz)
    label = labels[1 if in_dst else 0] if labels else (moment.tzname() or tz)
    return label, seconds


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for a Slack ``ts`` string ("1700000000.000100")."""
    whole, _, frac = ts.partition(".")
    try:
        return int(whole), int((frac + "000000")[:6])
    except ValueError:
        raise SlackApiError("invalid_ts") from None


def _short_hash(*parts: str, length: int = 5) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()
    return digest[:length]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    title: str
    is_admin: bool
    is_owner: bool
    is_primary_owner: bool
    is_bot: bool
    deleted: bool
    email: str | None
    is_restricted: bool = False
    bot_id: str | None = None
    is_app_user: bool = False
    updated: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Conversation:
    id: str
    kind: str
    """"channel" (public or private), "im" or "mpim"."""
    name: str
    is_private: bool
    members: list[str]
    created: int
    creator: str
    is_archived: bool = False
    is_general: bool = False
    topic: str = ""
    purpose: str = ""
    messages: list[JSON] = field(default_factory=list)
    by_ts: dict[str, JSON] = field(default_factory=dict)


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    user: str
    created: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    message_ts: dict[str, str] = field(default_factory=dict)


@dataclass
class View:
    id: str
    view: JSON
    """The view as submitted by the app (type, title, blocks, ...)."""
    hash: str
    user: str | None
    trigger_id: str | None
    root_view_id: str
    previous_view_id: str | None
    external_id: str | None


#: Keys of stored messages that never go out through the API.
_PRIVATE_KEYS = ("_channel", "_has_text_fallback")


class Workspace:
    """State of one emulated Slack workspace (team)."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        team_domain: str,
        bot_token: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self.enterprise_name = enterprise_name
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.base_url = ""
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        self.dm_index: dict[frozenset[str], str] = {}
        self.user_tokens: dict[str, str] = {}
        self.ephemerals: list[JSON] = []
        self.views: dict[str, View] = {}
        self.view_log: list[JSON] = []
        self.home: dict[str, View] = {}
        self.modal_stacks: dict[str | None, list[str]] = {}
        self.triggers: dict[str, str | None] = {}
        self.files: dict[str, UploadedFile] = {}
        self.responses: list[JSON] = []
        self._counter = itertools.count(1)
        self._last_ts = 0

    # -- ids and timestamps ------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08X}"

    def next_ts(self) -> str:
        """A message ``ts``: wall-clock based, strictly increasing."""
        micros = max(int(time.time() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def observe_ts(self, ts: str) -> None:
        whole, frac = ts_key(ts)
        self._last_ts = max(self._last_ts, whole * 1_000_000 + frac)

    def new_hash(self) -> str:
        return f"{int(time.time())}.{next(self._counter):08x}"

    # -- tokens ------------------------------------------------------------------

    def identify(self, token: str) -> tuple[str, bool] | None:
        """``(user_id, is_bot)`` for a known token, else ``None``."""
        if token == self.bot_token:
            return self.bot_user_id, True
        for user_id, user_token in self.user_tokens.items():
            if user_token == token:
                return user_id, False
        return None

    def user_token(self, user_id: str) -> str:
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}")
        token = self.user_tokens.get(user_id)
        if token is None:
            token = f"xoxp-{self.team_id}-{user_id}-{_short_hash(user_id, self.team_id, length=12)}"
            self.user_tokens[user_id] = token
        return token

    # -- users -------------------------------------------------------------------

    def render_user(self, user: User) -> JSON:
        label, offset = tz_fields(user.tz)
        first, _, last = user.real_name.partition(" ")
        profile: JSON = {
            "title": user.title,
            "phone": "",
            "skype": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": _short_hash(user.id, length=12),
            "first_name": first,
            "last_name": last,
            "team": self.team_id,
        }
        for size in (24, 32, 48, 72, 192, 512):
            profile[f"image_{size}"] = _AVATAR.format(user=user.id, size=size)
        if user.email is not None:
            profile["email"] = user.email
        if user.is_bot:
            profile["bot_id"] = user.bot_id or ""
            profile["api_app_id"] = self.app_id if user.id == self.bot_user_id else ""
            profile["always_active"] = False
        body: JSON = {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": _short_hash(user.id, length=6),
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": label,
            "tz_offset": offset,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": user.is_primary_owner,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": user.is_app_user,
            "updated": user.updated,
            "is_email_confirmed": user.email is not None,
            "who_can_share_contact_card": "EVERYONE",
        }
        return body

    def get_user(self, user_id: str | None, error: str = "user_not_found") -> User:
        if not user_id or user_id not in self.users:
            raise SlackApiError(error)
        return self.users[user_id]

    # -- conversations -----------------------------------------------------------

    def render_conversation(self, conv: Conversation, caller: str) -> JSON:
        if conv.kind == "im":
            other = next((m for m in conv.members if m != caller), caller)
            other_user = self.users.get(other)
            return {
                "id": conv.id,
                "created": conv.created,
                "is_archived": conv.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": conv.created * 1000,
                "user": other,
                "is_user_deleted": bool(other_user and other_user.deleted),
                "priority": 0,
                "is_open": True,
                "last_read": "0000000000.000000",
            }
        is_mpim = conv.kind == "mpim"
        body: JSON = {
            "id": conv.id,
            "name": conv.name,
            "is_channel": not is_mpim and not conv.is_private,
            "is_group": conv.is_private and not is_mpim,
            "is_im": False,
            "is_mpim": is_mpim,
            "is_private": conv.is_private,
            "created": conv.created,
            "is_archived": conv.is_archived,
            "is_general": conv.is_general,
            "unlinked": 0,
            "name_normalized": conv.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "updated": conv.created * 1000,
            "parent_conversation": None,
            "creator": conv.creator,
            "is_ext_shared": False,
            "shared_team_ids": [self.team_id],
            "pending_connected_team_ids": [],
            "is_member": caller in conv.members,
            "topic": {"value": conv.topic, "creator": "", "last_set": 0},
            "purpose": {"value": conv.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        return body

    def find_conversation(self, ref: str) -> Conversation | None:
        conv = self.conversations.get(ref)
        if conv is not None:
            return conv
        name = ref.lstrip("#")
        for candidate in self.conversations.values():
            if candidate.kind == "channel" and candidate.name == name:
                return candidate
        return None

    def visible_conversation(self, req: ApiRequest, ref: str | None) -> Conversation:
        """The conversation ``ref`` names, as far as the caller can see it."""
        if not ref:
            raise SlackApiError("channel_not_found")
        conv = self.find_conversation(ref)
        if conv is None:
            raise SlackApiError("channel_not_found")
        if (conv.is_private or conv.kind != "channel") and req.caller not in conv.members:
            raise SlackApiError("channel_not_found")
        return conv

    def member_conversation(self, req: ApiRequest, ref: str | None) -> Conversation:
        """Like :meth:`visible_conversation`, and the caller must be a member."""
        conv = self.visible_conversation(req, ref)
        if req.caller not in conv.members:
            raise SlackApiError("not_in_channel")
        return conv

    def open_dm(self, caller: str, others: list[str]) -> tuple[Conversation, bool]:
        """The IM or MPIM between ``caller`` and ``others``: ``(conversation, already_open)``."""
        people = [caller, *[u for u in others if u != caller]]
        key = frozenset(people)
        existing = self.dm_index.get(key)
        if existing is not None:
            return self.conversations[existing], True
        now = int(time.time())
        if len(people) <= 2:
            conv = Conversation(
                id=self.new_id("D"),
                kind="im",
                name=people[-1],
                is_private=True,
                members=people if len(people) == 2 else [caller],
                created=now,
                creator=caller,
            )
        else:
            humans = [u for u in people if u != self.bot_user_id]
            names = [self.users[u].name if u in self.users else u for u in humans]
            conv = Conversation(
                id=self.new_id("G"),
                kind="mpim",
                name="mpdm-" + "--".join(names) + "-1",
                is_private=True,
                members=people,
                created=now,
                creator=caller,
            )
        self.conversations[conv.id] = conv
        self.dm_index[key] = conv.id
        return conv, False

    def resolve_post_target(self, req: ApiRequest, ref: str | None) -> Conversation:
        """Where chat.postMessage & co. deliver: a conversation id/name or a user id (its DM)."""
        if ref and ref not in self.conversations and ref in self.users:
            user = self.users[ref]
            if user.is_bot and ref != req.caller:
                raise SlackApiError("cannot_dm_bot")
            conv, _ = self.open_dm(req.caller, [ref])
            return conv
        conv = self.member_conversation(req, ref)
        if conv.is_archived:
            raise SlackApiError("is_archived")
        return conv

    # -- messages ----------------------------------------------------------------

    def add_message(self, conv: Conversation, message: JSON) -> JSON:
        """Store ``message`` (must carry ``ts``), threading it if it has ``thread_ts``."""
        message["_channel"] = conv.id
        ts = message["ts"]
        key = ts_key(ts)
        index = len(conv.messages)
        while index > 0 and ts_key(conv.messages[index - 1]["ts"]) > key:
            index -= 1
        conv.messages.insert(index, message)
        conv.by_ts[ts] = message
        self.observe_ts(ts)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            parent = conv.by_ts.get(thread_ts)
            if parent is not None:
                message.setdefault("parent_user_id", parent.get("user"))
                self._refresh_thread(conv, parent)
        return message

    def replies_of(self, conv: Conversation, parent_ts: str) -> list[JSON]:
        return [
            m for m in conv.messages if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
        ]

    def _refresh_thread(self, conv: Conversation, parent: JSON) -> None:
        replies = self.replies_of(conv, parent["ts"])
        if not replies:
            for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
                parent.pop(key, None)
            if parent.get("thread_ts") == parent["ts"]:
                parent.pop("thread_ts")
            return
        users: list[str] = []
        for reply in replies:
            user = reply.get("user")
            if isinstance(user, str) and user not in users:
                users.append(user)
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = len(replies)
        parent["reply_users"] = users
        parent["reply_users_count"] = len(users)
        parent["latest_reply"] = replies[-1]["ts"]
        parent["is_locked"] = False
        parent["subscribed"] = False

    def remove_message(self, conv: Conversation, message: JSON) -> None:
        ts = message["ts"]
        thread_ts = message.get("thread_ts")
        is_parent = thread_ts == ts and bool(self.replies_of(conv, ts))
        if is_parent:
            # Slack keeps a tombstone so the thread survives its parent.
            for key in ("text", "blocks", "attachments", "metadata", "files", "bot_id"):
                message.pop(key, None)
            message.update(
                {"subtype": "tombstone", "text": "This message was deleted.", "hidden": True}
            )
            return
        conv.messages.remove(message)
        del conv.by_ts[ts]
        if thread_ts and thread_ts != ts:
            parent = conv.by_ts.get(thread_ts)
            if parent is not None:
                self._refresh_thread(conv, parent)

    def find_message(self, conv: Conversation, ts: str | None) -> JSON:
        message = conv.by_ts.get(ts or "")
        if message is None:
            raise SlackApiError("message_not_found")
        return message

    @staticmethod
    def public_message(message: JSON, *, include_metadata: bool = True) -> JSON:
        """The message as the API returns it (private keys removed)."""
        out = {k: copy.deepcopy(v) for k, v in message.items() if k not in _PRIVATE_KEYS}
        if not include_metadata:
            out.pop("metadata", None)
        return out

    @staticmethod
    def record_message(message: JSON) -> JSON:
        """The message as the emulator's inspection helpers return it."""
        out = {k: copy.deepcopy(v) for k, v in message.items() if k not in _PRIVATE_KEYS}
        out["channel"] = message.get("_channel")
        out["has_text_fallback"] = message.get("_has_text_fallback", True)
        return out

    def bot_identity(self) -> JSON:
        """The fields Slack adds to messages an app's bot posts."""
        return {
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.users[self.bot_user_id].real_name,
                "deleted": False,
                "team_id": self.team_id,
                "updated": int(time.time()),
                "icons": {"image_48": _AVATAR.format(user=self.bot_user_id, size=48)},
            },
        }

    def permalink(self, conv: Conversation, message: JSON) -> str:
        link = (
            f"https://{self.team_domain}.slack.com/archives/{conv.id}/"
            f"p{message['ts'].replace('.', '')}"
        )
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={conv.id}"
        return link

    # -- views -------------------------------------------------------------------

    def render_view(self, view: View) -> JSON:
        submitted = copy.deepcopy(view.view)
        body: JSON = {
            "id": view.id,
            "team_id": self.team_id,
            "type": submitted.get("type"),
            "blocks": submitted.get("blocks", []),
            "private_metadata": submitted.get("private_metadata", ""),
            "callback_id": submitted.get("callback_id", ""),
            "state": {"values": {}},
            "hash": view.hash,
            "title": submitted.get("title"),
            "clear_on_close": bool(submitted.get("clear_on_close", False)),
            "notify_on_close": bool(submitted.get("notify_on_close", False)),
            "close": submitted.get("close"),
            "submit": submitted.get("submit"),
            "previous_view_id": view.previous_view_id,
            "root_view_id": view.root_view_id,
            "app_id": self.app_id,
            "external_id": view.external_id or "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if body["type"] == "home":
            for key in ("title", "close", "submit"):
                if body[key] is None:
                    del body[key]
        return body


_SLUG = re.compile(r"[^a-z0-9]+")


def domain_from_name(name: str) -> str:
    """A plausible workspace domain ("Acme Corp" -> "acme-corp")."""
    return _SLUG.sub("-", name.lower()).strip("-") or "workspace"
