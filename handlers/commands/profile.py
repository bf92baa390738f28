"""`/mingle help | join | leave | pause | resume | interests | profile`."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.core.messages.help import help_reply
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from handlers.commands.router import Invocation


def show_help(deps: Deps, inv: Invocation, cmd: c.Help) -> Reply:
    return help_reply(cmd.topic)


def join(deps: Deps, inv: Invocation, cmd: c.Join) -> Reply:
    return ProfileService(deps).join(inv.team_id, inv.user_id)


def leave(deps: Deps, inv: Invocation, cmd: c.Leave) -> Reply:
    return ProfileService(deps).leave(inv.team_id, inv.user_id, forget=cmd.forget)


def pause(deps: Deps, inv: Invocation, cmd: c.Pause) -> Reply:
    return ProfileService(deps).pause(inv.team_id, inv.user_id, cmd.until)


def resume(deps: Deps, inv: Invocation, cmd: c.Resume) -> Reply:
    return ProfileService(deps).resume(inv.team_id, inv.user_id)


def interests(deps: Deps, inv: Invocation, cmd: c.InterestsList) -> Reply:
    return ProfileService(deps).list_interests(inv.team_id, inv.user_id)


def interests_add(deps: Deps, inv: Invocation, cmd: c.InterestsAdd) -> Reply:
    return ProfileService(deps).add_interests(inv.team_id, inv.user_id, cmd.names)


def interests_remove(deps: Deps, inv: Invocation, cmd: c.InterestsRemove) -> Reply:
    return ProfileService(deps).remove_interests(inv.team_id, inv.user_id, cmd.names)


def profile(deps: Deps, inv: Invocation, cmd: c.ShowProfile) -> Reply:
    return ProfileService(deps).show_profile(inv.team_id, inv.user_id, cmd.user_id)
