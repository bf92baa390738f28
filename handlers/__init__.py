"""Slack surfaces, thin: parse, authorise, call a service, respond."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, shortcuts, views


def register(app: App) -> None:
    """Connect every Slack ID to its callback."""
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
