"""Who is a Mingle admin: workspace admins and owners (from Slack) and `MINGLE_ADMINS`.

Slack's answer about a person is trusted for at most `ADMIN_ANSWER_SECONDS`: a demoted
admin loses Mingle's admin actions within a minute."""

from __future__ import annotations

import logging

from bot.errors import NotAllowedError, SlackError
from bot.services.deps import Deps

log = logging.getLogger(__name__)

#: At most this many workspace admins are told something nobody in particular set up.
MAX_TOLD = 8

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


def workspace_admins(deps: Deps) -> list[str]:
    """Who hears about something whose admin is unknown (nobody set it up, or they asked
    Mingle to forget them): `MINGLE_ADMINS` and the workspace's admins and owners (from
    Slack, when it answers), at most `MAX_TOLD`. Calls Slack: never inside a transaction."""
    admins = set(deps.settings.admins)
    try:
        admins |= {
            user.id
            for user in deps.slack.all_users()
            if (user.is_admin or user.is_owner) and not user.is_bot and not user.deleted
        }
    except SlackError as exc:
        log.warning("couldn't list the workspace's admins (%s)", exc.code)
    return sorted(admins)[:MAX_TOLD]
