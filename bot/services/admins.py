"""Who is a Mingle admin: workspace admins and owners (from Slack) and `MINGLE_ADMINS`."""

from __future__ import annotations

from bot.errors import NotAllowedError
from bot.services.deps import Deps

REFUSAL = (
    "Sorry, only workspace admins and Mingle admins can do that. "
    "Ask an admin, or ask them to add you to MINGLE_ADMINS."
)


def is_admin(deps: Deps, user_id: str) -> bool:
    if user_id in deps.settings.admins:
        return True
    user = deps.slack.user(user_id)
    return user.is_admin or user.is_owner


def require_admin(deps: Deps, user_id: str) -> None:
    """Raise `NotAllowedError` (a polite refusal) unless `user_id` is an admin."""
    if not is_admin(deps, user_id):
        raise NotAllowedError(REFUSAL)
