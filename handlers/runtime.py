"""What every handler shares: the services from the Bolt context, and friendly failures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext, Respond

from bot.core.blocks import Reply
from bot.core.commands import CommandError
from bot.core.messages.help import error_reply, help_reply
from bot.errors import MingleError
from bot.services.deps import Deps

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


@contextmanager
def friendly(
    respond: Respond | None, on_error: Callable[[Reply], None] | None = None
) -> Iterator[None]:
    """Turn a `MingleError` into a friendly ephemeral reply, and anything else into an apology."""

    def show(reply: Reply) -> None:
        if on_error is not None:
            on_error(reply)
        elif respond is not None:
            send(respond, reply)

    try:
        yield
    except CommandError as exc:
        show(help_reply(exc.topic, exc.message))
    except MingleError as exc:
        show(error_reply(exc.message))
    except Exception:
        log.exception("handler failed")
        show(error_reply(SORRY))


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
