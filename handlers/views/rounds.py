"""The `/mingle admin setup` modal's submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.rounds import validate_setup_form
from bot.errors import MingleError
from bot.services import channels
from bot.services.admins import require_admin
from handlers.runtime import deps_of, plain_values, team_of

log = logging.getLogger(__name__)


def setup_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    values = plain_values(view)
    setup, errors = validate_setup_form(
        values.get("cadence"),
        values.get("weekday"),
        values.get("time"),
        values.get("timezone"),
        values.get("group_size"),
    )
    if setup is None:
        ack(response_action="errors", errors=errors)
        return
    deps = deps_of(context)
    user_id = str(body["user"]["id"])
    channel_id = str(view.get("private_metadata") or "")
    # Both are quick (a recent admin answer is cached; conversations.info is one call), and
    # a refusal shows in the modal (`handlers.runtime.friendly_listener`).
    require_admin(deps, user_id)
    channels.check_bot_in_channel(deps, channel_id)
    ack()
    reply = channels.save_setup(deps, team_of(context), channel_id, user_id, setup)
    try:
        deps.slack.post_ephemeral(channel_id, user_id, reply.text, reply.blocks)
    except MingleError:  # the settings are saved; the confirmation is a courtesy
        log.warning("couldn't confirm the setup to %s in %s", user_id, channel_id, exc_info=True)
