"""`/mingle help | join | leave | pause | resume | interests | profile`."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.core.messages.help import help_reply
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from handlers.commands.router import Invocation, route


@route(c.Help)
def show_help(deps: Deps, inv: Invocation, cmd: c.Help) -> Reply:
    return help_reply(cmd.topic)


@route(c.Join)
def join(deps: Deps, inv: Invocation, cmd: c.Join) -> Reply:
    return ProfileService(deps).join(inv.team_id, inv.user_id)


@route(c.Leave)
def leave(deps: Deps, inv: Invocation, cmd: c.Leave) -> Reply:
    return ProfileService(deps).leave(inv.team_id, inv.user_id, forget=cmd.forget)


@route(c.Pause)
def pause(deps: Deps, inv: Invocation, cmd: c.Pause) -> Reply:
    return ProfileService(deps).pause(inv.team_id, inv.user_id, cmd.until)


@route(c.Resume)
def resume(deps: Deps, inv: Invocation, cmd: c.Resume) -> Reply:
    return ProfileService(deps).resume(inv.team_id, inv.user_id)


@route(c.InterestsList)
def interests(deps: Deps, inv: Invocation, cmd: c.InterestsList) -> Reply:
    return ProfileService(deps).list_interests(inv.team_id, inv.user_id)


@route(c.InterestsAdd)
def interests_add(deps: Deps, inv: Invocation, cmd: c.InterestsAdd) -> Reply:
    return ProfileService(deps).add_interests(inv.team_id, inv.user_id, cmd.names)


@route(c.InterestsRemove)
def interests_remove(deps: Deps, inv: Invocation, cmd: c.InterestsRemove) -> Reply:
    return ProfileService(deps).remove_interests(inv.team_id, inv.user_id, cmd.names)


@route(c.ShowProfile)
def profile(deps: Deps, inv: Invocation, cmd: c.ShowProfile) -> Reply:
    return ProfileService(deps).show_profile(inv.team_id, inv.user_id, cmd.user_id)
