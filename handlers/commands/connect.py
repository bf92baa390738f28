"""`/mingle intro | find | reconnect` (routes register on import)."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.services import connect
from bot.services.deps import Deps
from handlers.commands.router import Invocation


def intro(deps: Deps, inv: Invocation, cmd: c.Intro) -> Reply:
    return connect.introduce(
        deps, inv.team_id, inv.user_id, cmd.a_user_id, cmd.b_user_id, cmd.reason
    )


def find(deps: Deps, inv: Invocation, cmd: c.Find) -> Reply:
    return connect.find(deps, inv.team_id, inv.user_id, cmd.words)


def reconnect(deps: Deps, inv: Invocation, cmd: c.Reconnect) -> Reply:
    return connect.set_reconnect(deps, inv.team_id, inv.user_id, cmd.enabled, cmd.after_days)
