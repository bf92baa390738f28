"""Buttons on round messages: "Skip this round" on the heads-up, and the answers to
"Did you meet?" (met / not yet / couldn't). The answered message is updated in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.core import ids
from bot.core.blocks import Reply
from bot.core.rounds import parse_match_value, parse_skip_value
from bot.services import round_followup
from handlers.runtime import deps_of, send, team_of

OUTCOME_OF = {
    ids.ACTION_MET: "met",
    ids.ACTION_NOT_YET: "not_yet",
    ids.ACTION_COULD_NOT: "could_not",
}


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    """(user, action_id, value) of the clicked button."""
    action = (body.get("actions") or [{}])[0]
    return str(body["user"]["id"]), str(action.get("action_id", "")), str(action.get("value", ""))


def _message(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the message the button is on, if it is on a message."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("type") != "message" or not channel or not ts:
        return None
    return str(channel), str(ts)


def _show(context: BoltContext, body: dict[str, Any], respond: Respond, reply: Reply) -> None:
    """Replace the clicked message with `reply`, or answer ephemerally when there is none."""
    where = _message(body)
    if where is not None:
        round_followup.update_message(deps_of(context), where[0], where[1], reply)
    elif body.get("response_url"):
        send(respond, reply)


def skip_round(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, _, value = _clicked(body)
    channel_id, slot = parse_skip_value(value)
    reply = round_followup.skip_round(deps_of(context), team_of(context), user_id, channel_id, slot)
    _show(context, body, respond, reply)


def answer_followup(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, action_id, value = _clicked(body)
    reply = round_followup.record_outcome(
        deps_of(context),
        team_of(context),
        user_id,
        parse_match_value(value),
        OUTCOME_OF[action_id],
    )
    _show(context, body, respond, reply)
