"""The avoid-list modal's submission: check the people picked, then replace the list."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import preferences
from handlers.runtime import deps_of, plain_values, team_of


def avoid_list_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps, team_id, user_id = deps_of(context), team_of(context), str(body["user"]["id"])
    # A bad pick (yourself, a bot, someone unknown) raises before the ack: the error is
    # shown under the picker.
    people = preferences.check_avoid_list(
        deps, team_id, user_id, preferences.picked_people(plain_values(view))
    )
    ack()
    preferences.save_avoid_list(deps, team_id, user_id, people)
