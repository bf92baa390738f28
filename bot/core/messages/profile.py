"""Profile card, App Home view and the "Edit profile" modal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core import ids
from bot.core.blocks import (
    MAX_VIEW_BLOCKS,
    Block,
    Reply,
    actions,
    button,
    context,
    divider,
    escape,
    fields_section,
    header,
    mention,
    plain,
    section,
    text_input,
)
from bot.core.hours import DAY_KEYS, DAY_NAMES, FIELD_DAYS, FIELD_END, FIELD_START
from bot.core.profile import MAX_BIO, MAX_LINKS, MAX_TEAM, TOPIC_KINDS, TOPIC_LABELS, Profile
from bot.core.status import MemberStatus

STATUS_TEXT = {
    MemberStatus.ACTIVE: ":large_green_circle: Active: you'll be matched in the next rounds",
    MemberStatus.PAUSED: ":double_vertical_bar: Paused",
    MemberStatus.LEFT: ":white_circle: Not taking part (you left)",
    "none": ":white_circle: Not taking part yet",  # never joined (see `Profile.status`)
}


def status_line(profile: Profile) -> str:
    text = STATUS_TEXT.get(profile.status, profile.status)
    if profile.status == MemberStatus.PAUSED and profile.paused_until:
        text += f" until {profile.paused_until.isoformat()}"
    return text


def topic_text(names: tuple[str, ...]) -> str:
    return ", ".join(escape(name) for name in names) if names else "_none yet_"


def profile_fields(profile: Profile) -> Block:
    pairs = [(TOPIC_LABELS[kind], topic_text(profile.topics(kind))) for kind in TOPIC_KINDS]
    pairs.append(("Team", escape(profile.team) or "_not set_"))
    pairs.append(("Working hours", escape(hours_text(profile))))
    return fields_section(pairs)


def hours_text(profile: Profile) -> str:
    """`08:30–16:30 Mon–Thu (Europe/Berlin)` (plain text: escape it for mrkdwn)."""
    return f"{profile.hours.describe()} ({profile.tz})"


def profile_card(profile: Profile, *, own: bool) -> Reply:
    """`/mingle profile [@someone]`, shown ephemerally."""
    who = "Your profile" if own else f"{mention(profile.user_id)}'s profile"
    blocks: list[Block] = [section(f"*{who}*\n{status_line(profile)}"), profile_fields(profile)]
    if profile.bio:
        blocks.append(section(f"*About*\n{escape(profile.bio)}"))
    if profile.links:
        blocks.append(context(escape(profile.links)))
    if own:
        blocks.append(context("Edit your profile in Mingle's *Home* tab."))
    interests = topic_text(profile.interests) if profile.interests else "no interests yet"
    works = escape(hours_text(profile))
    return Reply(f"{'Your' if own else 'Their'} profile: {interests}. Works {works}", blocks)


def not_joined_card(user_id: str) -> Reply:
    text = f"{mention(user_id)} hasn't joined Mingle yet."
    return Reply("They haven't joined Mingle yet.", [section(text)])


def avoid_count_text(count: int) -> str:
    if count == 0:
        return "Your avoid list is empty."
    return f"Your avoid list has {count} {'person' if count == 1 else 'people'}."


def home_view(
    profile: Profile,
    *,
    extra: list[Block] | None = None,
    today: dt.date | None = None,
    avoiding: int = 0,
) -> dict[str, Any]:
    """The App Home tab: status, profile, and the buttons to change them."""
    blocks: list[Block] = [
        header("Mingle: meet your colleagues"),
        section(status_line(profile)),
    ]
    buttons = [button("Edit profile", ids.ACTION_EDIT_PROFILE, style="primary")]
    if profile.status in ("none", MemberStatus.LEFT):
        buttons.append(button("Join Mingle", ids.ACTION_JOIN, style="primary"))
    elif profile.status == MemberStatus.ACTIVE:
        buttons.append(button("Pause 2 weeks", ids.ACTION_PAUSE, value="2"))
        buttons.append(button("Leave", ids.ACTION_LEAVE))
    else:
        buttons.append(button("Resume", ids.ACTION_RESUME, style="primary"))
        buttons.append(button("Leave", ids.ACTION_LEAVE))
    blocks.append(actions(*buttons, block_id="mingle_home_actions"))
    blocks.append(divider())
    blocks.append(section("*Your profile*"))
    blocks.append(profile_fields(profile))
    if profile.bio:
        blocks.append(section(f"*About*\n{escape(profile.bio)}"))
    if profile.links:
        blocks.append(section(f"*Links*\n{escape(profile.links)}"))
    nudges = "on" if profile.reconnect_enabled else "off"
    blocks.append(context(f"Reconnect nudges are {nudges} (`/mingle reconnect on|off`)."))
    blocks.append(
        section(
            "*People you'd rather not meet*\n"
            + avoid_count_text(avoiding)
            + " Mingle never groups you with them or suggests them, and nobody else can "
            "see this list.",
            accessory=button("Avoid list", ids.ACTION_AVOID_LIST),
        )
    )
    if extra:
        if extra[0].get("type") != "divider":
            blocks.append(divider())
        blocks.extend(extra)
    blocks.append(divider())
    blocks.append(
        actions(
            button("Forget me", ids.ACTION_FORGET_ME, style="danger", value="forget"),
            block_id="mingle_home_privacy",
        )
    )
    blocks[-1]["elements"][0]["confirm"] = {
        "title": plain("Forget me?"),
        "text": plain(
            "This deletes your Mingle profile, interests and answers. You can join again later."
        ),
        "confirm": plain("Delete my data"),
        "deny": plain("Cancel"),
        "style": "danger",
    }
    blocks.append(context("Type `/mingle help` in any channel for every command."))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def _topic_option(name: str) -> dict[str, Any]:
    return {"text": plain(name, 75), "value": name}


def _topic_input(kind: str, selected: tuple[str, ...], action_id: str, hint: str) -> Block:
    element: dict[str, Any] = {
        "type": "multi_external_select",
        "action_id": action_id,
        "placeholder": plain("Type to search or add"),
        "min_query_length": 1,
    }
    if selected:
        element["initial_options"] = [_topic_option(name) for name in selected]
    return {
        "type": "input",
        "block_id": kind,
        "optional": True,
        "label": plain(TOPIC_LABELS[kind]),
        "hint": plain(hint),
        "element": element,
    }


TOPIC_ACTIONS = {
    "interest": ids.ACTION_INTEREST_SELECT,
    "can_help": ids.ACTION_CAN_HELP_SELECT,
    "learn": ids.ACTION_LEARN_SELECT,
}


def edit_profile_modal(profile: Profile) -> dict[str, Any]:
    """The "Edit profile" modal; block_ids are the field names `validate_profile` reports."""
    hint = "Up to 20. Type a new one to add it."
    return {
        "type": "modal",
        "callback_id": ids.VIEW_EDIT_PROFILE,
        "title": plain("Your Mingle profile", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _topic_input("interest", profile.interests, TOPIC_ACTIONS["interest"], hint),
            _topic_input("can_help", profile.can_help, TOPIC_ACTIONS["can_help"], hint),
            _topic_input("learn", profile.learn, TOPIC_ACTIONS["learn"], hint),
            text_input("team", "Team", initial=profile.team, max_length=MAX_TEAM, optional=True),
            text_input(
                "bio",
                "A short bio",
                initial=profile.bio,
                max_length=MAX_BIO,
                multiline=True,
                optional=True,
            ),
            text_input(
                "links", "Links", initial=profile.links, max_length=MAX_LINKS, optional=True
            ),
            *hours_inputs(profile),
        ],
    }


def hours_inputs(profile: Profile) -> list[Block]:
    """Working hours in the profile modal: start and end timepickers, days multi-select."""
    zone = f"Your local time ({profile.tz}, from Slack)."

    def time_input(block_id: str, label: str, initial: dt.time) -> Block:
        return {
            "type": "input",
            "block_id": block_id,
            "label": plain(label),
            "hint": plain(zone),
            "element": {
                "type": "timepicker",
                "action_id": block_id,
                "initial_time": f"{initial:%H:%M}",
            },
        }

    options = [
        {"text": plain(name), "value": key} for key, name in zip(DAY_KEYS, DAY_NAMES, strict=True)
    ]
    chosen = [options[d] for d in sorted(profile.hours.days)]
    return [
        time_input(FIELD_START, "Working hours start", profile.hours.start),
        time_input(FIELD_END, "Working hours end", profile.hours.end),
        {
            "type": "input",
            "block_id": FIELD_DAYS,
            "label": plain("Working days"),
            "element": {
                "type": "multi_static_select",
                "action_id": FIELD_DAYS,
                "placeholder": plain("Pick your working days"),
                "options": options,
                **({"initial_options": chosen} if chosen else {}),
            },
        },
    ]


def topic_options(query: str, known: list[str], normalized_query: str) -> list[dict[str, Any]]:
    """Typeahead options: the known topics matching `query`, plus the query itself as new."""
    options = [_topic_option(name) for name in known[:99]]
    if normalized_query and normalized_query not in known and len(normalized_query) <= 40:
        options.insert(0, {"text": plain(f"+ {normalized_query}", 75), "value": normalized_query})
    return options[:100]
