"""What every handler shares: the services from the Bolt context, and friendly failures.

Friendly failures are handled in one place, `friendly_listener`, which each surface's
`register` wraps around every callback of its table: a handler just raises.
`CommandError` becomes the help for that command, any other `MingleError` its message, and
anything else is logged with its traceback and becomes an apology; the person sees it
ephemerally (in a modal, under an input; for a Home-tab button, on the Home tab), and
Slack always gets its acknowledgement.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any, Literal

from slack_bolt import Ack, BoltContext, Respond
from slack_bolt.kwargs_injection.args import Args

from bot.core.blocks import Reply
from bot.core.commands import CommandError
from bot.core.messages.help import error_reply, help_reply
from bot.errors import MingleError
from bot.services.deps import Deps
from bot.services.profiles import ProfileService

log = logging.getLogger("mingle.handlers")

SORRY = "Sorry, something went wrong on Mingle's side. Please try again in a minute."


def deps_of(context: BoltContext) -> Deps:
    deps = context["deps"]
    assert isinstance(deps, Deps)
    return deps


def team_of(context: BoltContext) -> str:
    return str(context.team_id or context.enterprise_id or deps_of(context).team_id)


def send(respond: Respond, reply: Reply, *, replace: bool = False) -> None:
    respond(response_type="ephemeral", replace_original=replace, **reply.as_kwargs())


Surface = Literal["command", "action", "options", "view", "shortcut", "event"]

#: The longest error Slack shows under a modal's input.
MAX_FIELD_ERROR = 150


def failure_reply(exc: Exception) -> Reply:
    """What the person is told when a handler raised `exc` (anything unexpected is logged
    with its traceback)."""
    if isinstance(exc, CommandError):
        return help_reply(exc.topic, exc.message)
    if isinstance(exc, MingleError):
        return error_reply(exc.message)
    log.error("a handler failed", exc_info=exc)
    return error_reply(SORRY)


def _message_of(exc: Exception) -> str:
    return exc.message if isinstance(exc, MingleError) else SORRY


def _input_blocks(view: Any) -> list[str]:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    return [
        str(block.get("block_id"))
        for block in blocks or []
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id")
    ]


def error_field(view: Any, exc: Exception, errors_on: str | None) -> str | None:
    """The modal input to show an error under: the one the error names (when the modal has
    it), else `errors_on`, else the modal's first input."""
    inputs = _input_blocks(view)
    named = getattr(exc, "field", None)
    if isinstance(named, str) and named in inputs:
        return named
    if errors_on is not None:
        return errors_on
    return inputs[0] if inputs else None


def _fail(surface: Surface, args: Args, exc: Exception, errors_on: str | None) -> None:
    ack: Ack = args.ack
    acknowledged = ack.response is not None
    if surface == "view":
        if not isinstance(exc, MingleError):
            log.error("a modal submission failed", exc_info=exc)
        elif acknowledged:
            log.info("a modal's error could not be shown: %s", exc.message)
        if acknowledged:
            return
        field = error_field(args.view, exc, errors_on)
        if field is None:
            ack()
            return
        ack(response_action="errors", errors={field: _message_of(exc)[:MAX_FIELD_ERROR]})
        return
    if surface == "options":
        failure_reply(exc)
        if not acknowledged:
            ack(options=[])
        return
    if surface == "event":
        if isinstance(exc, MingleError):
            log.info("an event was not handled: %s", exc.message)
        else:
            log.error("an event handler failed", exc_info=exc)
        return
    if not acknowledged:
        ack()
    reply = failure_reply(exc)
    body = args.body if isinstance(args.body, dict) else {}
    respond: Respond | None = args.respond
    if respond is None or not body.get("response_url"):
        if surface == "action" and _on_home(body):
            _show_on_home(args, body, reply)
            return
        log.info("an error had nowhere to be shown: %s", reply.text)
        return
    try:
        send(respond, reply)
    except Exception as failure:  # Slack's response_url failed: nothing more to tell anyone
        log.warning("couldn't show an error reply: %s", type(failure).__name__)


def _on_home(body: dict[str, Any]) -> bool:
    """Whether a button was pressed on the App Home tab (its answer has no response_url)."""
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "home"


def _show_on_home(args: Args, body: dict[str, Any], reply: Reply) -> None:
    """A Home-tab button's refusal, shown on top of the refreshed Home tab, where it was
    pressed (a stale or foreign press is answered, not ignored)."""
    context: BoltContext = args.context
    try:
        ProfileService(deps_of(context)).show_on_home(
            team_of(context), str(body["user"]["id"]), reply
        )
    except Exception:  # the Home tab refreshes again when it is opened
        log.warning("couldn't show an error on the Home tab", exc_info=True)


def friendly_listener(
    callback: Callable[..., Any], surface: Surface, *, errors_on: str | None = None
) -> Callable[[Args], None]:
    """`callback`, with its failures made friendly (see the module docstring); Bolt passes
    it exactly the arguments it names. `errors_on`: the modal input that shows an error
    which names none."""
    names = inspect.getfullargspec(callback).args

    def listener(args: Args) -> None:
        try:
            callback(**{name: getattr(args, name) for name in names})
        except Exception as exc:
            _fail(surface, args, exc, errors_on)

    listener.__name__ = listener.__qualname__ = getattr(callback, "__name__", "listener")
    return listener


def plain_values(view: dict[str, Any]) -> dict[str, Any]:
    """Flatten a submitted view's state into {block_id: value or list of values}."""
    result: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            kind = element.get("type")
            if kind in ("multi_external_select", "multi_static_select"):
                result[block_id] = [o["value"] for o in element.get("selected_options") or []]
            elif kind in ("external_select", "static_select", "radio_buttons"):
                option = element.get("selected_option")
                result[block_id] = option["value"] if option else None
            elif kind in ("multi_users_select",):
                result[block_id] = list(element.get("selected_users") or [])
            elif kind == "users_select":
                result[block_id] = element.get("selected_user")
            elif kind == "conversations_select":
                result[block_id] = element.get("selected_conversation")
            elif kind == "channels_select":
                result[block_id] = element.get("selected_channel")
            elif kind == "timepicker":
                result[block_id] = element.get("selected_time")
            elif kind == "datepicker":
                result[block_id] = element.get("selected_date")
            else:
                result[block_id] = element.get("value")
    return result
