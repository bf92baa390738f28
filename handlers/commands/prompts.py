"""`/mingle answers <words> | @someone`, and `/mingle admin prompts …` (added to the admin
dispatch table on import; the admin route has already checked the caller is an admin)."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.services.answers import AnswerService
from bot.services.deps import Deps
from bot.services.prompts import PromptService
from handlers.commands.admin import ADMIN_ACTIONS
from handlers.commands.router import Invocation, route


@route(c.Answers)
def answers(deps: Deps, inv: Invocation, cmd: c.Answers) -> Reply:
    service = AnswerService(deps)
    if cmd.user_id is not None:
        return service.by_person(inv.team_id, cmd.user_id)
    return service.search(inv.team_id, cmd.words)


def prompts_admin(deps: Deps, inv: Invocation, request: c.Admin) -> Reply:
    return PromptService(deps).admin(
        inv.team_id, inv.user_id, inv.channel_id, request.args, request.raw
    )


ADMIN_ACTIONS["prompts"] = prompts_admin
