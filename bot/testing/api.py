"""Plumbing shared by the emulator's Web API method handlers.

A handler is a plain function ``handler(ws, req) -> dict`` registered with :func:`method`.
It reads arguments through :class:`ApiRequest` (which copes with both form-encoded strings
and JSON bodies, as ``slack_sdk`` sends either), raises :class:`SlackApiError` for Slack's
``{"ok": false, "error": ...}`` answers, and returns the success payload *without* the
``ok`` key (the dispatcher adds it).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.testing.state import Workspace

JSON = dict[str, Any]
Handler = Callable[["Workspace", "ApiRequest"], JSON]

#: Every Web API method the emulator answers, by name.
REGISTRY: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of Web API method ``name``."""

    def register(fn: Handler) -> Handler:
        REGISTRY[name] = fn
        return fn

    return register


class SlackApiError(Exception):
    """An error answer: ``{"ok": false, "error": code, ...extra}``."""

    def __init__(self, error: str, *, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.extra = extra

    def to_response(self) -> JSON:
        body: JSON = {"ok": False, "error": self.error}
        body.update(self.extra)
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


@dataclass
class ApiRequest:
    """One authenticated Web API call as a handler sees it."""

    method: str
    args: JSON
    token: str
    caller: str
    """User id of the token's owner: the bot user for the bot token."""
    is_bot: bool
    is_enterprise_install: bool = False
    """The token is an org-wide install's (Enterprise Grid): ``auth.test`` says so."""

    # -- typed argument access ------------------------------------------------

    def has(self, name: str) -> bool:
        value = self.args.get(name)
        return value is not None and value != ""

    def str_arg(self, name: str, default: str | None = None) -> str | None:
        value = self.args.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def required_str(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.str_arg(name)
        if value is None or value == "":
            raise SlackApiError(error, messages=[f"[ERROR] missing required field: {name}"])
        return value

    def bool_arg(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        return str(value).strip().lower() in {"1", "true", "yes", "on"}

    def int_arg(self, name: str, default: int) -> int:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackApiError(
                "invalid_arguments", messages=[f"[ERROR] {name} must be an integer"]
            ) from None

    def json_arg(self, name: str, error: str = "invalid_arguments") -> Any:
        """Return a JSON-valued argument, decoding it if it arrived as a string."""
        value = self.args.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackApiError(error, messages=[f"[ERROR] {name} is not valid JSON"]) from None
        return value

    def list_arg(self, name: str) -> list[str]:
        """A comma-separated (or JSON array) list of ids."""
        value = self.args.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).split(",") if part.strip()]


# -- cursors --------------------------------------------------------------------


def encode_cursor(kind: str, value: str) -> str:
    """Opaque cursor in the style Slack uses (base64 of ``kind:value``)."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode("ascii")


def decode_cursor(cursor: str, kind: str) -> str:
    """Inverse of :func:`encode_cursor`; raise ``invalid_cursor`` when malformed."""
    try:
        raw = base64.b64decode(cursor.encode("ascii"), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise SlackApiError("invalid_cursor") from None
    prefix, sep, value = raw.partition(":")
    if not sep or prefix != kind or not value:
        raise SlackApiError("invalid_cursor")
    return value


def page_limit(req: ApiRequest, default: int, maximum: int) -> int:
    """The ``limit`` argument, 0 meaning "the default", capped at ``maximum``."""
    limit = req.int_arg("limit", default)
    if limit < 0:
        raise SlackApiError("invalid_limit")
    if limit == 0:
        limit = default
    return min(limit, maximum)
