"""Buttons for meeting times and your chats: "Works for me" and "None of these work" on a
group's times, "Send a thank-you" after "We met", and "Say hi again" on the Home tab.

Each value names a slot or a group, untrusted: the services check it against stored state
and the presser, and a stale or foreign press gets a friendly ephemeral answer.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.core.blocks import Reply
from bot.services import chats, meeting_slots
from handlers.runtime import deps_of, send, team_of


def _clicked(body: dict[str, Any]) -> tuple[str, str]:
    """(user, value) of the clicked button."""
    action = (body.get("actions") or [{}])[0]
    return str(body["user"]["id"]), str(action.get("value") or "")[:100]


def _show(body: dict[str, Any], respond: Respond, reply: Reply) -> None:
    if body.get("response_url"):
        send(respond, reply)


def pick_slot(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, value = _clicked(body)
    _show(body, respond, meeting_slots.pick(deps_of(context), team_of(context), user_id, value))


def more_slots(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, value = _clicked(body)
    _show(body, respond, meeting_slots.more(deps_of(context), team_of(context), user_id, value))


def thank_you(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, value = _clicked(body)
    chats.open_thank_you(
        deps_of(context), team_of(context), user_id, value, str(body["trigger_id"])
    )


def say_hi_again(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, value = _clicked(body)
    reply = chats.say_hi_again(deps_of(context), team_of(context), user_id, value)
    _show(body, respond, reply)
