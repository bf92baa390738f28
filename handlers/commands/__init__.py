"""The `/mingle` slash command: ack first, parse, route to a feature, answer ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.core import ids
from bot.core.commands import CommandError, parse_command
from bot.services.profiles import ProfileService
from handlers.commands import connect, profile, prompts, reports, rounds  # noqa: F401 (routes)
from handlers.commands.router import ROUTES, Invocation
from handlers.runtime import deps_of, friendly, send, team_of


def mingle_command(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    invocation = Invocation(
        team_id=team_of(context),
        user_id=str(command.get("user_id", "")),
        channel_id=str(command.get("channel_id", "")),
        trigger_id=str(command.get("trigger_id", "")),
        respond=respond,
    )
    with friendly(respond):
        today = ProfileService(deps).today_for(invocation.team_id, invocation.user_id)
        request = parse_command(str(command.get("text") or ""), today)
        handler = ROUTES.get(type(request))
        if handler is None:
            raise CommandError("That command isn't available yet.")
        reply = handler(deps, invocation, request)
        if reply is not None:
            send(respond, reply)


def register(app: App) -> None:
    app.command(ids.COMMAND)(mingle_command)
