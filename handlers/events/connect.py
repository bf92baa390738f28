"""member_joined_channel: welcome people who join a Mingle channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.services import connect
from handlers.runtime import deps_of, team_of


def member_joined_channel(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    connect.welcome(
        deps_of(context),
        team_of(context),
        str(event.get("channel") or ""),
        str(event.get("user") or ""),
        app_id=str(body.get("api_app_id") or ""),
    )
