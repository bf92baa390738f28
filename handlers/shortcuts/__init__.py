"""Shortcuts (global and message); features register theirs here."""

from __future__ import annotations

from slack_bolt import App

from handlers.shortcuts import connect, prompts, reports, rounds


def register(app: App) -> None:
    """No shortcuts in the foundation; later features add theirs."""
    rounds.register(app)
    prompts.register(app)
    reports.register(app)
    connect.register(app)
