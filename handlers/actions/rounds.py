"""Actions for rounds."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Connect this feature's Slack IDs to their callbacks."""
