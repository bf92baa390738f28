"""`/mingle admin setup | pause | resume | skip-next | preview | run-now [again]` (admin routes: the
caller has been checked to be an admin)."""

from __future__ import annotations

from bot.core.blocks import Reply
from bot.core.commands import Admin, CommandError
from bot.services import channels, rounds
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from handlers.commands.router import Invocation
from handlers.runtime import send


def _no_args(request: Admin) -> None:
    if request.args:
        raise CommandError(f"`/mingle admin {request.action}` takes no arguments.", "admin")


def setup(deps: Deps, inv: Invocation, request: Admin) -> Reply | None:
    if request.args:
        return channels.setup_from_args(
            deps, inv.team_id, inv.channel_id, inv.user_id, request.args
        )
    channels.open_setup_modal(deps, inv.team_id, inv.channel_id, inv.user_id, inv.trigger_id)
    return None


def pause(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    _no_args(request)
    return channels.pause(deps, inv.team_id, inv.channel_id)


def resume(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    _no_args(request)
    return channels.resume(deps, inv.team_id, inv.channel_id)


def skip_next(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    _no_args(request)
    return channels.skip_next(deps, inv.team_id, inv.channel_id)


def preview(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    _no_args(request)
    return rounds.preview(deps, inv.team_id, inv.channel_id)


def run_now(deps: Deps, inv: Invocation, request: Admin) -> None:
    """`run-now`, or `run-now again` to start another round even if one just started."""
    again = [arg.lower() for arg in request.args] == ["again"]
    if request.args and not again:
        raise CommandError(
            "`/mingle admin run-now` takes nothing, or `again` to start another round "
            "even if one started in the last hour.",
            "admin",
        )
    reply, planned = rounds.run_now(deps, inv.team_id, inv.channel_id, again=again)
    send(inv.respond, reply)  # answer first: delivering a big round takes a while
    if planned.created:
        deliver_now(deps)
