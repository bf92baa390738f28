"""Events: every event Mingle listens to, in `EVENTS`.

The App Home tab is answered here, the other events in their feature's module. A new event
adds its name to the table and to `bot.core.ids.EVENTS` (the manifest's subscriptions).
`message` has one listener (Bolt runs only the first that matches): see
`handlers.events.prompts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.services.profiles import ProfileService
from handlers.events import connect, prompts
from handlers.runtime import deps_of, friendly_listener, team_of


def app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    ProfileService(deps_of(context)).refresh_home(team_of(context), str(event["user"]))


#: event type -> its listener.
EVENTS: dict[str, Callable[..., None]] = {
    "app_home_opened": app_home_opened,
    "message": prompts.message,
    "reaction_added": prompts.reaction_added,
    "reaction_removed": prompts.reaction_removed,
    "member_joined_channel": connect.member_joined_channel,
}


def register(app: App) -> None:
    for event, listener in EVENTS.items():
        app.event(event)(friendly_listener(listener, "event"))
