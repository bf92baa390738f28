"""Events: the App Home tab (more events register in their feature modules)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.services.profiles import ProfileService
from handlers.events import connect, prompts, reports, rounds
from handlers.runtime import deps_of, team_of


def app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    ProfileService(deps_of(context)).refresh_home(team_of(context), str(event["user"]))


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
    rounds.register(app)
    prompts.register(app)
    reports.register(app)
    connect.register(app)
