"""`/mingle hours [spec]`, `/mingle avoid [@someone]`, `/mingle unavoid @someone`."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.services import preferences
from bot.services.deps import Deps
from handlers.commands.router import Invocation


def hours(deps: Deps, inv: Invocation, cmd: c.Hours) -> Reply:
    return preferences.hours(deps, inv.team_id, inv.user_id, cmd.spec)


def avoid_list(deps: Deps, inv: Invocation, cmd: c.AvoidList) -> Reply:
    return preferences.avoid_list(deps, inv.team_id, inv.user_id)


def avoid(deps: Deps, inv: Invocation, cmd: c.AvoidAdd) -> Reply:
    return preferences.avoid(deps, inv.team_id, inv.user_id, cmd.user_ids)


def unavoid(deps: Deps, inv: Invocation, cmd: c.AvoidRemove) -> Reply:
    return preferences.unavoid(deps, inv.team_id, inv.user_id, cmd.user_ids)
