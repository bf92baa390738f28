"""`/mingle admin <action>`: the dispatch table every feature adds its admin actions to.

`handlers.commands.rounds` registers the one `@route(Admin)`, which checks that the caller
is an admin (`require_admin`) before any action runs, then calls
`ADMIN_ACTIONS[request.action]`. A feature adds its actions when its handler module is
imported, for example `ADMIN_ACTIONS["prompts"] = prompts_admin`.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.blocks import Reply
from bot.core.commands import Admin, CommandError
from bot.services.admins import require_admin
from bot.services.deps import Deps
from handlers.commands.router import Invocation

AdminHandler = Callable[[Deps, Invocation, Admin], Reply | None]

#: action name (as `bot.core.commands.ADMIN_ACTIONS` spells it) -> its handler.
ADMIN_ACTIONS: dict[str, AdminHandler] = {}


def dispatch_admin(deps: Deps, inv: Invocation, request: Admin) -> Reply | None:
    """Refuse non-admins politely, then run the action."""
    require_admin(deps, inv.user_id)
    handler = ADMIN_ACTIONS.get(request.action)
    if handler is None:
        raise CommandError(f"`/mingle admin {request.action}` isn't available yet.", "admin")
    return handler(deps, inv, request)
