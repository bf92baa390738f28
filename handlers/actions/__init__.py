"""Buttons and typeaheads: every action_id Mingle answers, in `ACTIONS` and `OPTIONS`.

The Home tab's profile buttons and the topic pickers are answered here; the other buttons
in their feature's module. A new button adds its action_id (`bot.core.ids`) to a table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.core import ids
from bot.core.blocks import Reply
from bot.services.profiles import ProfileService
from handlers.actions import chats, connect, preferences, prompts, rounds
from handlers.runtime import deps_of, friendly_listener, team_of


def _user(body: dict[str, Any]) -> str:
    return str(body["user"]["id"])


def _notify(context: BoltContext, body: dict[str, Any], respond: Respond) -> Any:
    """Where to show a reply: the message's thread for message buttons, else the Home tab."""

    def show(reply: Reply) -> None:
        if body.get("container", {}).get("type") == "message" and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())
        # On the Home tab the refreshed view itself is the feedback.

    return show


def edit_profile(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    ProfileService(deps_of(context)).open_edit_modal(
        team_of(context), _user(body), str(body["trigger_id"])
    )


def join(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    show = _notify(context, body, respond)
    show(ProfileService(deps_of(context)).join(team_of(context), _user(body)))


def leave(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    ProfileService(deps_of(context)).leave(team_of(context), _user(body))


def forget_me(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    ProfileService(deps_of(context)).forget(team_of(context), _user(body))


def pause(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    show = _notify(context, body, respond)
    show(ProfileService(deps_of(context)).pause_button(team_of(context), _user(body), value))


def resume(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    ProfileService(deps_of(context)).resume(team_of(context), _user(body))


def topic_options(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    query = str(payload.get("value") or "")[:100]
    ack(options=ProfileService(deps_of(context)).topic_options(team_of(context), query))


#: action_id -> the callback for a click.
ACTIONS: dict[str, Callable[..., None]] = {
    ids.ACTION_EDIT_PROFILE: edit_profile,
    ids.ACTION_JOIN: join,
    ids.ACTION_LEAVE: leave,
    ids.ACTION_FORGET_ME: forget_me,
    ids.ACTION_PAUSE: pause,
    ids.ACTION_RESUME: resume,
    ids.ACTION_SKIP_ROUND: rounds.skip_round,
    ids.ACTION_MET: rounds.answer_followup,
    ids.ACTION_NOT_YET: rounds.answer_followup,
    ids.ACTION_COULD_NOT: rounds.answer_followup,
    ids.ACTION_SHARE_ANSWER: prompts.share_answer,
    ids.ACTION_INTRODUCE_ME: connect.introduce_me,
    ids.ACTION_SAY_HI: connect.say_hi,
    ids.ACTION_AVOID_LIST: preferences.open_avoid_list,
    ids.ACTION_SLOT_PICK: chats.pick_slot,
    ids.ACTION_SLOT_MORE: chats.more_slots,
    ids.ACTION_THANK_YOU: chats.thank_you,
    ids.ACTION_SAY_HI_AGAIN: chats.say_hi_again,
}

#: action_id of an external select -> the callback for its options.
OPTIONS: dict[str, Callable[..., None]] = {
    ids.ACTION_INTEREST_SELECT: topic_options,
    ids.ACTION_CAN_HELP_SELECT: topic_options,
    ids.ACTION_LEARN_SELECT: topic_options,
}


def register(app: App) -> None:
    for action_id, callback in ACTIONS.items():
        app.action(action_id)(friendly_listener(callback, "action"))
    for action_id, callback in OPTIONS.items():
        app.options(action_id)(friendly_listener(callback, "options"))
