"""`/mingle answers <words> | @someone`, and `/mingle admin prompts …` (an admin route: the
caller has been checked to be an admin)."""

from __future__ import annotations

from bot.core import commands as c
from bot.core.blocks import Reply
from bot.services.answers import AnswerService
from bot.services.deps import Deps
from bot.services.prompts import PromptService
from handlers.commands.router import Invocation


def answers(deps: Deps, inv: Invocation, cmd: c.Answers) -> Reply:
    service = AnswerService(deps)
    if cmd.user_id is not None:
        return service.by_person(inv.team_id, cmd.user_id)
    return service.search(inv.team_id, cmd.words)


def prompts_admin(deps: Deps, inv: Invocation, request: c.Admin) -> Reply:
    return PromptService(deps).admin(
        inv.team_id, inv.user_id, inv.channel_id, request.args, request.raw
    )
