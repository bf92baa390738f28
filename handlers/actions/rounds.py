"""Buttons on round messages: "Skip this round" on the heads-up, and the answers to
"Did you meet?" (met / not yet / couldn't).

The payload only says which message was pressed; the service checks it is Mingle's own
message for that very round or match, and replaces that stored message, never one the
payload names. When nothing was replaced, the person gets the reply ephemerally.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.core import ids
from bot.core.blocks import Reply
from bot.core.numbers import button_id
from bot.core.rounds import parse_skip_value
from bot.core.status import MatchOutcome
from bot.services import round_followup
from handlers.runtime import deps_of, send, team_of

OUTCOME_OF = {
    ids.ACTION_MET: MatchOutcome.MET,
    ids.ACTION_NOT_YET: MatchOutcome.NOT_YET,
    ids.ACTION_COULD_NOT: MatchOutcome.COULD_NOT,
}


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    """(user, action_id, value) of the clicked button."""
    action = (body.get("actions") or [{}])[0]
    return str(body["user"]["id"]), str(action.get("action_id", "")), str(action.get("value", ""))


def _pressed(body: dict[str, Any]) -> round_followup.Message | None:
    """(channel, ts) of the message the payload says the button is on (untrusted)."""
    container = body.get("container") or {}
    channel = container.get("channel_id")
    ts = container.get("message_ts")
    if container.get("type") != "message" or not channel or not ts:
        return None
    return str(channel), str(ts)


def _show(body: dict[str, Any], respond: Respond, answer: tuple[Reply, bool]) -> None:
    """Tell the person ephemerally, unless Mingle's message itself now shows the reply."""
    reply, replaced = answer
    if not replaced and body.get("response_url"):
        send(respond, reply)


def skip_round(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, _, value = _clicked(body)
    channel_id, slot = parse_skip_value(value)
    answer = round_followup.skip_round(
        deps_of(context), team_of(context), user_id, channel_id, slot, _pressed(body)
    )
    _show(body, respond, answer)


def answer_followup(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    user_id, action_id, value = _clicked(body)
    answer = round_followup.record_outcome(
        deps_of(context),
        team_of(context),
        user_id,
        button_id(value),
        OUTCOME_OF[action_id],
        _pressed(body),
    )
    _show(body, respond, answer)
