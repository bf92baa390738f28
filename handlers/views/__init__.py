"""Modal submissions: every callback_id Mingle answers, in `VIEWS`.

The profile editor is answered here, the other modals in their feature's module. A new
modal adds its callback_id (`bot.core.ids`) to the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import ids
from bot.core.hours import FIELD_DAYS, FIELD_END, FIELD_START
from bot.core.messages.chats import NOTE_FIELD
from bot.core.messages.connect import INTRO_REASON
from bot.core.profile import TOPIC_KINDS, validate_profile
from bot.services.profiles import ProfileService
from handlers.runtime import deps_of, friendly_listener, plain_values, team_of
from handlers.views import chats, connect, preferences, prompts, rounds


def edit_profile_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    values = plain_values(view)
    edit = validate_profile(
        {kind: values.get(kind) or [] for kind in TOPIC_KINDS},
        bio=str(values.get("bio") or ""),
        links=str(values.get("links") or ""),
        team=str(values.get("team") or ""),
        hours=(
            (values.get(FIELD_START), values.get(FIELD_END), values.get(FIELD_DAYS) or [])
            if FIELD_START in values or FIELD_DAYS in values
            else None  # a form without the hours fields leaves them as they are
        ),
    )
    if not edit.ok:
        ack(response_action="errors", errors=edit.errors)
        return
    ack()
    ProfileService(deps_of(context)).save_profile(team_of(context), str(body["user"]["id"]), edit)


#: callback_id -> the callback for a submission.
VIEWS: dict[str, Callable[..., None]] = {
    ids.VIEW_EDIT_PROFILE: edit_profile_submitted,
    ids.VIEW_ADMIN_SETUP: rounds.setup_submitted,
    ids.VIEW_SHARE_ANSWER: prompts.share_answer_submitted,
    ids.VIEW_SAVE_ANSWER: prompts.save_answer_submitted,
    ids.VIEW_INTRO: connect.intro_submitted,
    ids.VIEW_AVOID_LIST: preferences.avoid_list_submitted,
    ids.VIEW_THANK_YOU: chats.thank_you_submitted,
}


#: callback_id -> the input under which an error that names no input is shown (otherwise
#: the modal's first input).
ERRORS_ON: dict[str, str] = {
    ids.VIEW_ADMIN_SETUP: "cadence",
    ids.VIEW_INTRO: INTRO_REASON,
    ids.VIEW_SAVE_ANSWER: "topic",
    ids.VIEW_AVOID_LIST: "avoid",
    ids.VIEW_THANK_YOU: NOTE_FIELD,
}


def register(app: App) -> None:
    for callback_id, callback in VIEWS.items():
        errors_on = ERRORS_ON.get(callback_id)
        app.view(callback_id)(friendly_listener(callback, "view", errors_on=errors_on))
