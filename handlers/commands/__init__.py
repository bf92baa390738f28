"""The `/mingle` slash command: ack first, parse, route to a feature, answer ephemerally.

`ROUTES` maps every request type `bot.core.commands.parse_command` returns to its route; a
new command adds its request type there and here. `/mingle admin …` has one route, which
checks the caller is an admin and then looks the sub-command up in
`handlers.commands.admin.ADMIN_ROUTES`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.core import commands as c
from bot.core import ids
from bot.core.commands import CommandError, parse_command
from bot.services.profiles import ProfileService
from handlers.commands import admin, connect, preferences, profile, prompts
from handlers.commands.router import Invocation, Route
from handlers.runtime import deps_of, friendly_listener, send, team_of

#: request type -> its route.
ROUTES: dict[type, Route] = {
    c.Help: profile.show_help,
    c.Join: profile.join,
    c.Leave: profile.leave,
    c.Pause: profile.pause,
    c.Resume: profile.resume,
    c.InterestsList: profile.interests,
    c.InterestsAdd: profile.interests_add,
    c.InterestsRemove: profile.interests_remove,
    c.ShowProfile: profile.profile,
    c.Reconnect: connect.reconnect,
    c.Answers: prompts.answers,
    c.Intro: connect.intro,
    c.Find: connect.find,
    c.Hours: preferences.hours,
    c.AvoidList: preferences.avoid_list,
    c.AvoidAdd: preferences.avoid,
    c.AvoidRemove: preferences.unavoid,
    c.Admin: admin.admin,
}


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
    today = ProfileService(deps).today_for(invocation.team_id, invocation.user_id)
    request = parse_command(str(command.get("text") or ""), today)
    route = ROUTES.get(type(request))
    if route is None:
        raise CommandError("That command isn't available yet.")
    reply = route(deps, invocation, request)
    if reply is not None:
        send(respond, reply)


def register(app: App) -> None:
    app.command(ids.COMMAND)(friendly_listener(mingle_command, "command"))
