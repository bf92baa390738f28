"""`/mingle admin <action>`: one route checks the caller is an admin, then runs the action.

`ADMIN_ROUTES` maps each sub-command, by the name `bot.core.commands.ADMIN_COMMANDS` gives
it (with its usage and help line), to its route. A new admin sub-command is added there
and here.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.blocks import Reply
from bot.core.commands import Admin, CommandError
from bot.services.admins import require_admin
from bot.services.deps import Deps
from handlers.commands import prompts, reports, rounds
from handlers.commands.router import Invocation

AdminRoute = Callable[[Deps, Invocation, Admin], Reply | None]

#: sub-command name -> its route (the caller has been checked to be an admin).
ADMIN_ROUTES: dict[str, AdminRoute] = {
    "setup": rounds.setup,
    "pause": rounds.pause,
    "resume": rounds.resume,
    "skip-next": rounds.skip_next,
    "preview": rounds.preview,
    "run-now": rounds.run_now,
    "prompts": prompts.prompts_admin,
    "export": reports.export,
    "stats": reports.stats,
}


def admin(deps: Deps, inv: Invocation, request: Admin) -> Reply | None:
    """Refuse non-admins politely, then run the action."""
    require_admin(deps, inv.user_id)
    route = ADMIN_ROUTES.get(request.action)
    if route is None:
        raise CommandError(f"`/mingle admin {request.action}` isn't available yet.", "admin")
    return route(deps, inv, request)
