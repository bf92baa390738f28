"""Modal submissions: the profile editor."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import ids
from bot.core.profile import TOPIC_KINDS, validate_profile
from bot.services.profiles import ProfileService
from handlers.runtime import deps_of, plain_values, team_of
from handlers.views import connect, prompts, reports, rounds


def edit_profile_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    values = plain_values(view)
    edit = validate_profile(
        {kind: values.get(kind) or [] for kind in TOPIC_KINDS},
        bio=str(values.get("bio") or ""),
        links=str(values.get("links") or ""),
        team=str(values.get("team") or ""),
    )
    if not edit.ok:
        ack(response_action="errors", errors=edit.errors)
        return
    ack()
    ProfileService(deps_of(context)).save_profile(team_of(context), str(body["user"]["id"]), edit)


def register(app: App) -> None:
    app.view(ids.VIEW_EDIT_PROFILE)(edit_profile_submitted)
    rounds.register(app)
    prompts.register(app)
    reports.register(app)
    connect.register(app)
