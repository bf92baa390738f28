"""A local emulator of Slack's Web API for tests and ``mingle demo``.

:class:`SlackEmulator` runs a real HTTP server on 127.0.0.1 (a ``ThreadingHTTPServer`` in a
background thread) that the real ``slack_sdk.WebClient`` talks to::

    with SlackEmulator() as emu:
        emu.add_user("U1", name="alice", tz="Europe/Berlin")
        emu.add_channel("C1", name="coffee", members=["U1"])
        client = WebClient(base_url=emu.api_url, token=emu.bot_token)
        client.chat_postMessage(channel="C1", text="hi")
        assert emu.messages("C1")[0]["text"] == "hi"

It keeps a workspace's users, channels and conversations, answers with Slack's envelopes and
error codes, paginates with cursors, records every call, can be told to fail or rate-limit
calls, supports message metadata, views and the three-step external file upload, and
records posts to ``response_url``\\ s. State lives behind one lock, so tests may inspect it
while the app under test calls the API from other threads.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

# Importing the handler modules registers the Web API methods they implement.
from bot.testing import methods_chat, methods_core, methods_files, methods_views  # noqa: F401
from bot.testing.api import JSON, REGISTRY, ApiRequest, SlackApiError
from bot.testing.blockkit import validate_blocks
from bot.testing.ratelimit import RateLimiter
from bot.testing.server import HttpAnswer, make_server, parse_api_body, parse_multipart
from bot.testing.state import Conversation, User, Workspace, domain_from_name

T = TypeVar("T")
_log = logging.getLogger(__name__)

#: Arguments that slack_sdk sends JSON-encoded in form posts; Call.args holds them decoded.
_JSON_ARGS = ("blocks", "attachments", "metadata", "view", "files")


@dataclass(frozen=True)
class Call:
    """One Web API call the emulator answered."""

    method: str
    args: JSON
    token: str | None
    status: int
    response: JSON
    at: float

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _ForcedFailure:
    error: str
    retry_after: int
    remaining: int


class SlackEmulator:
    """An in-process stand-in for one Slack workspace's Web API."""

    def __init__(
        self,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str = "B0001",
        app_id: str = "A0001",
        bot_name: str = "mingle",
        team_domain: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        include_slackbot: bool = True,
    ) -> None:
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self._host = host
        self._port = port
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ws = Workspace(
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain or domain_from_name(team_name),
            bot_token=bot_token,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
        )
        self._calls: list[Call] = []
        #: Unexpected exceptions inside the emulator (answered with HTTP 500), for debugging.
        self.internal_errors: list[str] = []
        self._failures: dict[str, deque[_ForcedFailure]] = {}
        self._limiter = RateLimiter()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self._ws.users[bot_user_id] = User(
            id=bot_user_id,
            name=bot_name,
            real_name=bot_name.capitalize(),
            display_name="",
            tz="America/Los_Angeles",
            title="",
            is_admin=False,
            is_owner=False,
            is_primary_owner=False,
            is_bot=True,
            deleted=False,
            email=None,
            bot_id=bot_id,
            is_app_user=False,
        )
        if include_slackbot:
            # Real workspaces list Slackbot as a user; famously with is_bot false.
            self._ws.users["USLACKBOT"] = User(
                id="USLACKBOT",
                name="slackbot",
                real_name="Slackbot",
                display_name="Slackbot",
                tz="America/Los_Angeles",
                title="",
                is_admin=False,
                is_owner=False,
                is_primary_owner=False,
                is_bot=False,
                deleted=False,
                email=None,
            )

    # -- identity ------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._ws.team_id

    @property
    def team_name(self) -> str:
        return self._ws.team_name

    @property
    def bot_id(self) -> str:
        return self._ws.bot_id

    @property
    def app_id(self) -> str:
        return self._ws.app_id

    # -- lifecycle -----------------------------------------------------------------

    def start(self, port: int | None = None) -> None:
        """Start serving (idempotent). ``port`` overrides the constructor's (0: any free)."""
        with self._lock:
            if self._server is not None:
                return
            if port is not None:
                self._port = port
            server = make_server(self, self._host, self._port)
            bound_host, bound_port = server.server_address[:2]
            if isinstance(bound_host, bytes):
                bound_host = bound_host.decode()
            self._server = server
            self._base_url = f"http://{bound_host}:{bound_port}"
            self._ws.base_url = self._base_url
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"slack-emulator-{bound_port}",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port (idempotent). State is kept."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = None
            self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

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

    # -- failure injection and rate limits ------------------------------------------

    def fail_next(
        self, method: str, error: str = "ratelimited", retry_after: int = 1, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``error="ratelimited"`` answers HTTP 429 with ``Retry-After: retry_after``; any other
        code answers HTTP 200 ``{"ok": false, "error": code}``.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _ForcedFailure(error=error, retry_after=max(0, int(retry_after)), remaining=times)
            )

    def set_rate_limits(
        self, enabled: bool, scale: float = 1.0, overrides: dict[str, int] | None = None
    ) -> None:
        """Enforce Slack's per-method rate limits (``scale`` multiplies the allowed rates).

        ``overrides`` maps a method to calls per minute, replacing its tier.
        """
        with self._lock:
            self._limiter.configure(enabled, scale, overrides)

    # -- inspection ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

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

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, message: str | None = None
    ) -> T:
        """Return ``predicate()`` as soon as it is truthy; raise AssertionError at the deadline.

        Wakes on every state change of the emulator, and polls in between (so predicates on
        outside state, such as a database, work too).
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._changed:
                self._changed.wait(timeout=min(remaining, 0.05))
        recent = ", ".join(f"{c.method}->{'ok' if c.ok else c.error}" for c in self.calls[-10:])
        what = message or getattr(predicate, "__name__", "condition")
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what}; last value: {result!r}; "
            f"last calls: [{recent}]"
        )

    # -- request handling (called from server threads) ------------------------------

    def _handle_api(self, method: str, raw_args: JSON, authorization: str | None) -> HttpAnswer:
        args = dict(raw_args)
        token = args.pop("token", None)
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        token = str(token) if token else None
        status, headers = 200, {}
        with self._lock:
            at = time.time()
            if args.pop("__invalid_json__", False):
                response: JSON = {"ok": False, "error": "invalid_json"}
            elif method not in REGISTRY:
                response = {"ok": False, "error": "unknown_method"}
            elif not token:
                response = {"ok": False, "error": "not_authed"}
            elif (identity := self._ws.identify(token)) is None:
                response = {"ok": False, "error": "invalid_auth"}
            elif self._ws.users[identity[0]].deleted:
                response = {"ok": False, "error": "account_inactive"}
            else:
                forced = self._take_failure(method)
                retry_after = None
                if forced is not None and forced.error == "ratelimited":
                    retry_after = forced.retry_after
                elif forced is None:
                    retry_after = self._limiter.check(method, self._limit_channel(method, args))
                if retry_after is not None:
                    status = 429
                    headers = {"Retry-After": str(retry_after)}
                    response = {"ok": False, "error": "ratelimited"}
                elif forced is not None:
                    response = {"ok": False, "error": forced.error}
                else:
                    caller, is_bot = identity
                    req = ApiRequest(method, args, token, caller, is_bot)
                    try:
                        response = {"ok": True, **REGISTRY[method](self._ws, req)}
                    except SlackApiError as exc:
                        response = exc.to_response()
                    except Exception as exc:  # a bug in the emulator: fail loudly, keep serving
                        _log.exception("emulator failed on %s", method)
                        self.internal_errors.append(f"{method}: {exc!r}")
                        status = 500
                        response = {"ok": False, "error": "internal_error"}
            self._calls.append(
                Call(method, _decoded(args), token, status, copy.deepcopy(response), at)
            )
            self._changed.notify_all()
        return HttpAnswer(status, response, headers=headers)

    def _take_failure(self, method: str) -> _ForcedFailure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        return failure

    def _limit_channel(self, method: str, args: JSON) -> str | None:
        if method != "chat.postMessage":
            return None
        ref = str(args.get("channel") or "")
        if ref in self._ws.users:
            return self._ws.dm_index.get(frozenset({self.bot_user_id, ref}), ref)
        return ref

    def _handle_upload(self, file_id: str, content_type: str, body: bytes) -> HttpAnswer:
        data = body
        if content_type.lower().startswith("multipart/form-data"):
            _, files = parse_multipart(content_type, body)
            if files:
                data = files.get("file", next(iter(files.values())))
        with self._lock:
            f = self._ws.files.get(file_id)
            if f is None or f.completed:
                return HttpAnswer(404, b"file not found", content_type="text/plain")
            f.content = data
            self._changed.notify_all()
        return HttpAnswer(200, f"OK - {len(data)}".encode(), content_type="text/plain")

    def _handle_response_url(self, key: str, content_type: str, body: bytes) -> HttpAnswer:
        payload = parse_api_body(content_type, body)
        if "payload" in payload and isinstance(payload["payload"], str):
            try:
                payload = json.loads(payload["payload"])
            except json.JSONDecodeError:
                payload = {"__invalid_json__": True}
        if payload.get("__invalid_json__") or not isinstance(payload, dict):
            return HttpAnswer(400, {"ok": False, "error": "invalid_payload"})
        blocks = payload.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return HttpAnswer(400, {"ok": False, "error": "invalid_blocks_format"})
        delete = _truthy(payload.get("delete_original"))
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                return HttpAnswer(
                    400,
                    {
                        "ok": False,
                        "error": "invalid_blocks",
                        "response_metadata": {"messages": problems},
                    },
                )
        text = payload.get("text")
        if not delete and not text and not blocks and not payload.get("attachments"):
            return HttpAnswer(400, {"ok": False, "error": "no_text"})
        record: JSON = {
            "key": key,
            "response_type": payload.get("response_type") or "ephemeral",
            "replace_original": _truthy(payload.get("replace_original")),
            "delete_original": delete,
            "text": text,
            "blocks": blocks,
            "attachments": payload.get("attachments"),
            "thread_ts": payload.get("thread_ts"),
            "metadata": payload.get("metadata"),
            "payload": copy.deepcopy(payload),
            "at": time.time(),
        }
        with self._lock:
            self._ws.responses.append(record)
            self._changed.notify_all()
        return HttpAnswer(200, {"ok": True})


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _decoded(args: JSON) -> JSON:
    """Arguments as recorded in :class:`Call`: JSON-string fields decoded."""
    out = copy.deepcopy(args)
    for key in _JSON_ARGS:
        value = out.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                pass
    return out
