"""The "Introduce two people" global shortcut: opens the intro modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import connect
from handlers.runtime import deps_of


def intro_shortcut(ack: Ack, shortcut: dict[str, Any], context: BoltContext) -> None:
    ack()
    connect.open_intro_modal(deps_of(context), str(shortcut["trigger_id"]))
