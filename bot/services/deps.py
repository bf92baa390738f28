"""The dependencies every service receives, assembled once in `bot.app.build_app`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.core.blocks import Block
from bot.slack.gateway import SlackGateway
from bot.slack.pacing import Pacer
from storage.db import SessionFactory

# A provider of extra App Home sections (for example an admin's stats): (team_id, user_id).
HomeSection = Callable[[str, str], list[Block]]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Deps:
    settings: Settings
    sessions: SessionFactory
    slack: SlackGateway
    team_id: str = ""
    bot_user_id: str = ""
    clock: Callable[[], dt.datetime] = utcnow
    home_sections: list[HomeSection] = field(default_factory=list)
    # One budget per process for Slack's rate limits, shared by every delivery pass.
    pacer: Pacer = field(default_factory=Pacer)
