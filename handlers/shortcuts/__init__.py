"""Shortcuts (global and message); features register theirs here."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """No shortcuts in the foundation; later features add theirs."""
