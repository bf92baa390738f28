"""The intro modal's submission (from the shortcut, or "Introduce me" on a find result)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.core.messages import connect as views
from bot.services import connect
from handlers.runtime import deps_of, plain_values, team_of


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def intro_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    user_id = str(body["user"]["id"])
    meta = _metadata(view)
    values = plain_values(view)
    reason = str(values.get(views.INTRO_REASON) or "")
    if meta.get("mode") == "self":
        other = str(meta.get("b") or "")
        reply = connect.introduce_me(deps, team_of(context), user_id, other, reason)
    else:
        a, b = values.get(views.INTRO_A), values.get(views.INTRO_B)
        missing = {
            block: "Pick someone."
            for block, value in ((views.INTRO_A, a), (views.INTRO_B, b))
            if not value
        }
        if missing:
            ack(response_action="errors", errors=missing)
            return
        reply = connect.introduce(deps, team_of(context), user_id, str(a), str(b), reason)
    ack(response_action="update", view=views.done_modal(reply))
