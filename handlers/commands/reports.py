"""`/mingle admin export [#channel] [since YYYY-MM-DD]` and `/mingle admin stats [#channel]`.

Both are admin routes (`handlers.commands.admin.ADMIN_ROUTES`): the one `/mingle admin`
route has already refused non-admins before these run.
"""

from __future__ import annotations

from bot.core.blocks import Reply
from bot.core.commands import Admin
from bot.services.deps import Deps
from bot.services.export import ExportService
from bot.services.stats import StatsService
from handlers.commands.router import Invocation
from handlers.runtime import send


def export(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    return ExportService(deps).export_to_dm(
        inv.team_id, inv.user_id, request.args, lambda reply: send(inv.respond, reply)
    )


def stats(deps: Deps, inv: Invocation, request: Admin) -> Reply:
    return StatsService(deps).stats_reply(inv.team_id, request.args)
