"""Who is a Mingle admin: workspace admins and owners (from Slack) and `MINGLE_ADMINS`.

Slack's answer about a person is trusted for at most `ADMIN_ANSWER_SECONDS`: a demoted
admin loses Mingle's admin actions within a minute."""

from __future__ import annotations

from bot.errors import NotAllowedError
from bot.services.deps import Deps

#: How old Slack's answer about a person may be when deciding admin rights.
ADMIN_ANSWER_SECONDS = 60.0

REFUSAL = (
    "Sorry, only workspace admins and Mingle admins can do that. "
    "Ask an admin, or ask them to add you to MINGLE_ADMINS."
)


def is_admin(deps: Deps, user_id: str) -> bool:
    if user_id in deps.settings.admins:
        return True
    user = deps.slack.user(user_id, max_age=ADMIN_ANSWER_SECONDS)
    return user.is_admin or user.is_owner


def require_admin(deps: Deps, user_id: str) -> None:
    """Raise `NotAllowedError` (a polite refusal) unless `user_id` is an admin."""
    if not is_admin(deps, user_id):
        raise NotAllowedError(REFUSAL)
