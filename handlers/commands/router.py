"""What a `/mingle` route gets and gives back.

A route gets the services, who asked and where (`Invocation`), and the parsed request; it
returns the `Reply` to show, or None when it answered some other way (for example by
opening a modal). The table of routes is `handlers.commands.ROUTES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond

from bot.core.blocks import Reply
from bot.services.deps import Deps


@dataclass(frozen=True)
class Invocation:
    """Who ran the command, where, and how to answer them."""

    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    respond: Respond


Route = Callable[[Deps, Invocation, Any], Reply | None]
