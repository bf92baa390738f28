"""Buttons and typeaheads: the Home tab's profile buttons and the topic pickers."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.core import ids
from bot.core.blocks import Reply
from bot.services.profiles import ProfileService
from handlers.actions import connect, prompts, reports, rounds
from handlers.runtime import deps_of, friendly, team_of


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
    with friendly(None, _notify(context, body, respond)):
        ProfileService(deps_of(context)).open_edit_modal(
            team_of(context), _user(body), str(body["trigger_id"])
        )


def join(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    show = _notify(context, body, respond)
    with friendly(None, show):
        show(ProfileService(deps_of(context)).join(team_of(context), _user(body)))


def leave(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    with friendly(None, _notify(context, body, respond)):
        ProfileService(deps_of(context)).leave(team_of(context), _user(body))


def forget_me(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    with friendly(None, _notify(context, body, respond)):
        ProfileService(deps_of(context)).forget(team_of(context), _user(body))


def pause(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    weeks = int((body.get("actions") or [{}])[0].get("value") or 2)
    with friendly(None, _notify(context, body, respond)):
        ProfileService(deps_of(context)).pause_weeks(team_of(context), _user(body), weeks)


def resume(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    with friendly(None, _notify(context, body, respond)):
        ProfileService(deps_of(context)).resume(team_of(context), _user(body))


def topic_options(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    query = str(payload.get("value") or "")[:100]
    ack(options=ProfileService(deps_of(context)).topic_options(team_of(context), query))


def register(app: App) -> None:
    app.action(ids.ACTION_EDIT_PROFILE)(edit_profile)
    app.action(ids.ACTION_JOIN)(join)
    app.action(ids.ACTION_LEAVE)(leave)
    app.action(ids.ACTION_FORGET_ME)(forget_me)
    app.action(ids.ACTION_PAUSE)(pause)
    app.action(ids.ACTION_RESUME)(resume)
    for action_id in ids.TYPEAHEAD_ACTIONS:
        app.options(action_id)(topic_options)
    rounds.register(app)
    prompts.register(app)
    reports.register(app)
    connect.register(app)
