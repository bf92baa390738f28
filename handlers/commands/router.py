"""Routing parsed `/mingle` requests to the feature module that serves them.

Each feature module maps its request types to a route with `@route(RequestType)`; a route
gets the services, who asked and where, and returns the `Reply` to show (or None when it
answered some other way, for example by opening a modal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
ROUTES: dict[type, Route] = {}
R = TypeVar("R", bound=Route)


def route(*kinds: type) -> Callable[[R], R]:
    def decorate(func: R) -> R:
        for kind in kinds:
            ROUTES[kind] = func
        return func

    return decorate
