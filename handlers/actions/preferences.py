"""The Home tab's "Avoid list" button: open the owner's avoid-list modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import preferences
from handlers.runtime import deps_of, team_of


def open_avoid_list(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    preferences.open_avoid_modal(
        deps_of(context), team_of(context), str(body["user"]["id"]), str(body["trigger_id"])
    )
