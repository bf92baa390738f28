"""Driving a running Mingle over HTTP the way Slack does: signed requests, real payload shapes.

Used by the end-to-end tests and by `mingle demo`. Each method POSTs one request to the
app's `/slack/events`, signed with `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`, and
returns the HTTP status and body. `response_url`s point at the emulator, which records what
the app sends there.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol


class ResponseRecorder(Protocol):
    def response_url(self, key: str) -> str: ...


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


_MARKUP = re.compile(r"<(?:[@#!][^<>]*|https?://[^<>]*|mailto:[^<>]*)>")


def slack_escape_typed(text: str) -> str:
    """What Slack sends for typed text: `&`, `<`, `>` as entities, except its own markup
    (mentions `<@U…|name>`, channels `<#C…|name>`, `<!channel>`, links)."""

    def plain(part: str) -> str:
        return part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        out.append(plain(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(plain(text[position:]))
    return "".join(out)


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    """Sends Slack-shaped, signed requests to a Mingle app at `app_url`."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        recorder: ResponseRecorder,
        *,
        team_id: str = "T0001",
        api_app_id: str = "A0MINGLE",
        bot_user_id: str = "UBOT",
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
        first_id: int = 1,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.recorder = recorder
        self.team_id = team_id
        self.api_app_id = api_app_id
        #: Who the events are for: the installation Slack names in ``authorizations``.
        self.bot_user_id = bot_user_id
        self.enterprise_id = enterprise_id
        self.is_enterprise_install = is_enterprise_install
        #: Request ids (and so response keys, which the emulator files across workspaces)
        #: count from here: drivers of different workspaces start far apart.
        self._ids = itertools.count(first_id)

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.signing_secret, ts, body),
        }
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.app_url, data=body.encode(), headers=all_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return HttpResult(response.status, text, time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            return HttpResult(exc.code, exc.read().decode(), time.perf_counter() - started)

    # slash commands -----------------------------------------------------------------------

    def command(
        self, user_id: str, text: str, *, channel_id: str = "C0COFFEE", command: str = "/mingle"
    ) -> tuple[HttpResult, str]:
        """Run a slash command; returns the HTTP result and the response_url key."""
        key = self._next("cmd")
        form = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "coffee-chats",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": slack_escape_typed(text),
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "true" if self.is_enterprise_install else "false",
            "response_url": self.recorder.response_url(key),
            "trigger_id": self._next("1337."),
        }
        if self.enterprise_id is not None:  # as Slack sends it from a Grid workspace
            form["enterprise_id"] = self.enterprise_id
        body = urllib.parse.urlencode(form)
        return self.post(body, "application/x-www-form-urlencoded"), key

    # events -------------------------------------------------------------------------------

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> HttpResult:
        payload = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self._next("Ev"),
            "event_time": int(time.time()),
            "authorizations": [self._authorization()],
        }
        if self.enterprise_id is not None:
            payload["enterprise_id"] = self.enterprise_id
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(payload), "application/json", headers=headers)

    def _authorization(self) -> dict[str, Any]:
        return {
            "enterprise_id": self.enterprise_id,
            "team_id": None if self.is_enterprise_install else self.team_id,
            "user_id": self.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": self.is_enterprise_install,
        }

    def app_uninstalled(self) -> HttpResult:
        """Slack's ``app_uninstalled`` event for this driver's workspace."""
        return self.event({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"})

    def tokens_revoked(self, tokens: dict[str, list[str]]) -> HttpResult:
        """Slack's ``tokens_revoked`` event; ``tokens`` as ``SlackEmulator.revoke_tokens``
        returns it (``{"oauth": [user ids], "bot": [bot user ids]}``)."""
        return self.event(
            {"type": "tokens_revoked", "tokens": tokens, "event_ts": f"{time.time():.6f}"}
        )

    def url_verification(self, challenge: str) -> HttpResult:
        payload = {"token": "x", "challenge": challenge, "type": "url_verification"}
        return self.post(json.dumps(payload), "application/json")

    # interactivity ------------------------------------------------------------------------

    def _interaction(self, payload: dict[str, Any]) -> HttpResult:
        payload.setdefault("team", {"id": self.team_id, "domain": "acme"})
        payload.setdefault("api_app_id", self.api_app_id)
        payload.setdefault("token", "deprecated-verification-token")
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def _user(self, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "username": user_id.lower(), "team_id": self.team_id}

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "b",
    ) -> tuple[HttpResult, str]:
        """Click a button, on a message (give channel_id and message) or a view (Home)."""
        key = self._next("act")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "trigger_id": self._next("1337."),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message is not None and channel_id is not None:
            payload["container"] = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id}
            payload["message"] = message
            payload["response_url"] = self.recorder.response_url(key)
        else:
            payload["container"] = {"type": "view", "view_id": (view or {}).get("id", "V0HOME")}
            payload["view"] = view or {"id": "V0HOME", "type": "home"}
        return self._interaction(payload), key

    def view_submission(
        self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> HttpResult:
        """Submit a modal. `values` is {block_id: {action_id: element state}}."""
        submitted = dict(view)
        submitted.setdefault("id", self._next("V"))
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "user": self._user(user_id),
            "trigger_id": self._next("1337."),
            "view": submitted,
            "response_urls": [],
        }
        return self._interaction(payload)

    def block_suggestion(self, user_id: str, action_id: str, value: str) -> HttpResult:
        payload = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "action_id": action_id,
            "block_id": "interest",
            "value": value,
            "view": {"id": "V0MODAL", "type": "modal"},
        }
        return self._interaction(payload)

    def message_shortcut(
        self, user_id: str, callback_id: str, channel_id: str, message: dict[str, Any]
    ) -> tuple[HttpResult, str]:
        key = self._next("sc")
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message": message,
            "message_ts": message.get("ts"),
            "trigger_id": self._next("1337."),
            "response_url": self.recorder.response_url(key),
        }
        return self._interaction(payload), key

    def global_shortcut(self, user_id: str, callback_id: str) -> HttpResult:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "user": self._user(user_id),
            "trigger_id": self._next("1337."),
            "action_ts": f"{time.time():.6f}",
        }
        return self._interaction(payload)


def text_input(value: str, action_id: str | None = None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def multi_select(values: list[str]) -> dict[str, Any]:
    return {
        "type": "multi_external_select",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }
