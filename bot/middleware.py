"""Mingle's trust boundary inside the Bolt app: what a request must look like, and whose it
may be, before any listener sees it.

Two global middlewares, in HTTP and in Socket Mode alike (`bot.app.build_app` installs
them; `bot.server` has already checked the signature and that the body parses):

- `CheckShape` (run right after Bolt's signature check, before anything reads the body):
  a payload of a kind Mingle does not know, or with a field missing or of the wrong type,
  is answered 400 at once, logged as one WARNING line, and goes no further.
- `workspace_boundary`: a request from a workspace that is not installed (`is_installed`)
  is acknowledged (200, empty), logged as one WARNING line, and stores nothing.

Every ID that passes is still untrusted: listeners check it against stored state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.services.deps import Deps

log = logging.getLogger("mingle.requests")

Next = Callable[[], BoltResponse | None]

#: The most an ID or short field may hold; Slack's are far shorter.
MAX_ID_CHARS = 255


def is_installed(deps: Deps, team_id: str | None, enterprise_id: str | None) -> bool:
    """Whether Mingle is installed in the workspace (or org) a request comes from.

    With one bot token, Mingle serves the workspace that token belongs to (learnt with
    auth.test at start-up, `deps.team_id`); when that is unknown (no token check), every
    workspace is taken as installed. In multi-workspace mode, a workspace is installed when
    the installation store has an install for it (its own or its org's) and it has not
    uninstalled Mingle (`bot.services.workspaces`).
    """
    if deps.workspaces is not None:
        return deps.workspaces.is_installed(team_id, enterprise_id)
    if not deps.team_id:
        return True
    return team_id == deps.team_id


def knows_workspace(deps: Deps, team_id: str | None, enterprise_id: str | None) -> bool:
    """Whether Mingle serves, or has served, the workspace (or org): Slack's revocation
    events (`app_uninstalled`, `tokens_revoked`) are acted on only for those, in either
    order, even after the first one has uninstalled it."""
    if deps.workspaces is not None:
        return deps.workspaces.knows(team_id, enterprise_id)
    return not deps.team_id or team_id == deps.team_id


# --- shapes ------------------------------------------------------------------------------


def _text(value: Any, *, limit: int = MAX_ID_CHARS) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _id(value: Any) -> bool:
    return _text(value) and bool(value)


def _user(body: Mapping[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _id(user.get("id")):
        return "user.id"
    return None


def _optional(body: Mapping[str, Any], checks: Mapping[str, Callable[[Any], bool]]) -> str | None:
    for key, check in checks.items():
        if key in body and body[key] is not None and not check(body[key]):
            return key
    return None


def _required(body: Mapping[str, Any], checks: Mapping[str, Callable[[Any], bool]]) -> str | None:
    for key, check in checks.items():
        if not check(body.get(key)):
            return key
    return None


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and _id(value.get("id"))


def _team(body: Mapping[str, Any]) -> str | None:
    """`team` (an object with an id, or null for org-wide installs) and `team_id`."""
    team = body.get("team")
    if team is not None and not (isinstance(team, str) or _has_id(team)):
        return "team"
    return _optional(body, {"team_id": _id, "enterprise": lambda v: isinstance(v, dict | str)})


def _url(value: Any) -> bool:
    return _text(value, limit=2000) and str(value).startswith(("https://", "http://"))


def _message(value: Any) -> bool:
    return isinstance(value, dict) and _text(value.get("ts")) and bool(value.get("ts"))


def _action(value: Any) -> bool:
    if not isinstance(value, dict) or not _id(value.get("action_id")):
        return False
    return _optional(value, {"value": lambda v: _text(v, limit=2000), "block_id": _text}) is None


def _state(view: Mapping[str, Any]) -> bool:
    state = view.get("state")
    if state is None:
        return True
    if not isinstance(state, dict):
        return False
    values = state.get("values", {})
    if not isinstance(values, dict):
        return False
    for elements in values.values():
        if not isinstance(elements, dict):
            return False
        if not all(isinstance(element, dict) for element in elements.values()):
            return False
    return True


def _view(value: Any) -> bool:
    if not isinstance(value, dict) or not _id(value.get("callback_id")):
        return False
    if not _id(value.get("type")):  # Bolt reads it to tell workflow steps apart
        return False
    problem = _optional(
        value,
        {
            "id": _text,
            "private_metadata": lambda v: _text(v, limit=3000),
            "blocks": lambda v: isinstance(v, list),
            "team_id": _text,
            "app_installed_team_id": _text,
        },
    )
    return problem is None and _state(value)


INTERACTIVE_OPTIONAL: dict[str, Callable[[Any], bool]] = {
    "trigger_id": _text,
    "response_url": _url,
    "container": lambda v: isinstance(v, dict),
    "channel": _has_id,
    "message": _message,
    "view": lambda v: isinstance(v, dict),
    "api_app_id": _text,
}


def _block_actions(body: Mapping[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not all(map(_action, actions)):
        return "actions"
    return _user(body) or _optional(body, INTERACTIVE_OPTIONAL)


def _block_suggestion(body: Mapping[str, Any]) -> str | None:
    return (
        _user(body)
        or _required(body, {"action_id": _id, "value": lambda v: _text(v, limit=2000)})
        or _optional(body, {"block_id": _text, "view": lambda v: isinstance(v, dict)})
    )


def _view_payload(body: Mapping[str, Any]) -> str | None:
    return _user(body) or _required(body, {"view": _view}) or _optional(body, {"trigger_id": _text})


def _shortcut(body: Mapping[str, Any]) -> str | None:
    return (
        _user(body)
        or _required(body, {"callback_id": _id, "trigger_id": _id})
        or _optional(body, INTERACTIVE_OPTIONAL)
    )


def _message_action(body: Mapping[str, Any]) -> str | None:
    return _shortcut(body) or _required(body, {"channel": _has_id, "message": _message})


#: Fields of an event that, when present, are text (IDs, timestamps, names).
EVENT_TEXT = ("type", "subtype", "user", "channel", "ts", "thread_ts", "tab", "text", "reaction")
EVENT_OBJECTS = ("item", "message", "previous_message")
#: What each event Mingle listens to must hold (`handlers.events.EVENTS`).
EVENT_NEEDS: dict[str, tuple[str, ...]] = {
    "app_home_opened": ("user",),
    "member_joined_channel": ("user", "channel"),
    "reaction_added": ("user", "reaction", "item"),
    "reaction_removed": ("user", "reaction", "item"),
    "message": ("channel",),
}


def _event_callback(body: Mapping[str, Any]) -> str | None:
    event = body.get("event")
    if not isinstance(event, dict) or not _id(event.get("type")):
        return "event.type"
    for key in EVENT_TEXT:
        if key in event and event[key] is not None and not _text(event[key], limit=40_000):
            return f"event.{key}"
    for key in EVENT_OBJECTS:
        if key in event and event[key] is not None and not isinstance(event[key], dict):
            return f"event.{key}"
    for key in EVENT_NEEDS.get(event["type"], ()):
        if not event.get(key):
            return f"event.{key}"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "authorizations"
    return _required(body, {"event_id": _id, "team_id": _id})


def _slash_command(body: Mapping[str, Any]) -> str | None:
    return _required(
        body,
        {
            "command": _id,
            "user_id": _id,
            "team_id": _id,
            "channel_id": _id,
            "text": lambda v: _text(v, limit=4000),
        },
    ) or _optional(body, {"trigger_id": _text, "response_url": _url})


def _url_verification(body: Mapping[str, Any]) -> str | None:
    return _required(body, {"challenge": _id})


#: Each kind of payload Mingle answers (its `type`), and what it must hold.
SHAPES: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "event_callback": _event_callback,
    "url_verification": _url_verification,
    "block_actions": _block_actions,
    "block_suggestion": _block_suggestion,
    "view_submission": _view_payload,
    "view_closed": _view_payload,
    "shortcut": _shortcut,
    "message_action": _message_action,
}


def payload_problem(body: Any) -> str | None:
    """What is wrong with a request's payload (a short phrase, never its content), or None
    when it has the shape of a request Mingle answers."""
    if not isinstance(body, dict):
        return f"the payload is {type(body).__name__}, not an object"
    if body.get("ssl_check"):
        return None
    kind = body.get("type")
    if kind is None and "command" in body:
        field = _slash_command(body)
    elif not isinstance(kind, str):
        return "the payload has no type"
    elif kind not in SHAPES:
        return f"unknown payload type {kind[:40]!r}"
    else:
        field = SHAPES[kind](body) or (None if kind == "url_verification" else _team(body))
    return None if field is None else f"{field} is missing or malformed"


def describe(body: Any) -> str:
    """A request in a few words for the log: its type and Slack ID, never its content."""
    if not isinstance(body, dict):
        return type(body).__name__
    kind = body.get("type")
    if kind is None and "command" in body:
        return "slash command"
    return kind if isinstance(kind, str) and kind in SHAPES else "unrecognised"


# --- middlewares ---------------------------------------------------------------------------


class CheckShape(Middleware):
    """Answer 400 to a payload Mingle does not know or that is malformed.

    A `Middleware` subclass, not a function: Bolt builds a function middleware's arguments
    from the body (its `view`, `action`, `event`…), which raises on some malformed bodies
    before the function could run."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        problem = payload_problem(req.body)
        if problem is None:
            return next()
        log.warning("ignored a malformed %s request: %s", describe(req.body), problem)
        return BoltResponse(status=400, body="")


def workspace_boundary(deps: Deps) -> Callable[..., BoltResponse | None]:
    def within_workspace(
        body: dict[str, Any], context: BoltContext, next: Next
    ) -> BoltResponse | None:
        """Acknowledge, and drop, a request from a workspace that is not installed."""
        if is_installed(deps, context.team_id, context.enterprise_id):
            return next()
        log.warning(
            "ignored a %s request from a workspace that is not installed (team %s, org %s)",
            describe(body),
            str(context.team_id)[:40],
            str(context.enterprise_id)[:40],
        )
        return BoltResponse(status=200, body="")

    return within_workspace
