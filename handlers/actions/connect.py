"""Buttons for connect: "Introduce me" (find results) and "Say hi" (reconnect nudges).

The welcome's "Join Mingle" button reuses `ids.ACTION_JOIN`, answered in
`handlers.actions` with an ephemeral reply on the message.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.core.blocks import Reply
from bot.services import connect
from handlers.runtime import deps_of, send, team_of


def _value(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def _show(body: dict[str, Any], respond: Respond) -> Any:
    def show(reply: Reply) -> None:
        if body.get("response_url"):
            send(respond, reply)

    return show


def introduce_me(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    connect.open_self_intro_modal(
        deps_of(context),
        team_of(context),
        str(body["user"]["id"]),
        _value(body),
        str(body["trigger_id"]),
    )


def say_hi(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    _show(body, respond)(
        connect.say_hi(deps_of(context), team_of(context), str(body["user"]["id"]), _value(body))
    )
