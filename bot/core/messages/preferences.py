"""Replies about working hours and the avoid list, and the avoid-list modal.

The avoid list is private: these replies go only to its owner (ephemeral, or the owner's
own modal), and people on it are mentioned there, which does not notify them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core import ids
from bot.core.blocks import Reply, context, escape, mention, plain, section
from bot.core.hours import WorkingHours

AVOID_FIELD = "avoid"
#: How many people the modal's picker can hold (the list's limit).
AVOID_MODAL_MAX = 50
PRIVATE = "Only you can see this list; the people on it are never told."


def hours_reply(hours: WorkingHours, tz: str, *, saved: bool, is_default: bool = False) -> Reply:
    works = escape(f"{hours.describe()} ({tz})")
    if saved:
        text = (
            f":white_check_mark: Saved: you work {works}. Rounds put you with people who "
            "share at least 2 hours of working time with you."
        )
        return Reply(f"Saved: you work {works}.", [section(text)])
    note = " (the default)" if is_default else ""
    text = f"*Your working hours:* {works}{note}."
    hint = (
        "Change them with `/mingle hours 08:30-16:30 mon-thu` (or `9am-5pm weekdays`), or "
        "with *Edit profile* in Mingle's Home tab. Times are in your Slack timezone."
    )
    return Reply(f"Your working hours: {works}{note}.", [section(text), context(hint)])


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def _people(user_ids: Sequence[str]) -> str:
    """Mentions of the people (anything that is not a user ID is shown escaped)."""
    return ", ".join(mention(u) if _USER_ID.fullmatch(u) else escape(u) for u in user_ids)


def avoid_list_reply(user_ids: Sequence[str]) -> Reply:
    if not user_ids:
        text = (
            "Your avoid list is empty. Add someone you'd rather not be grouped with: "
            "`/mingle avoid @someone`."
        )
        return Reply("Your avoid list is empty.", [section(text), context(PRIVATE)])
    text = (
        f"*Your avoid list ({len(user_ids)}):* {_people(user_ids)}\n"
        "Mingle never puts you in a group with them, nor suggests them to you or you to "
        "them. Remove someone with `/mingle unavoid @someone`."
    )
    count = f"{len(user_ids)} {'person' if len(user_ids) == 1 else 'people'}"
    return Reply(f"Your avoid list has {count}.", [section(text), context(PRIVATE)])


def avoid_added_reply(added: Sequence[str], already: Sequence[str]) -> Reply:
    parts = []
    if added:
        parts.append(
            f":white_check_mark: Added to your avoid list: {_people(added)}. Mingle won't "
            "group you together or suggest you to each other."
        )
    if already:
        parts.append(f"Already on your list: {_people(already)}.")
    return Reply("Your avoid list is updated.", [section("\n".join(parts)), context(PRIVATE)])


def avoid_removed_reply(removed: Sequence[str], absent: Sequence[str]) -> Reply:
    parts = []
    if removed:
        parts.append(f"Removed from your avoid list: {_people(removed)}.")
    if absent:
        parts.append(f"Not on your avoid list: {_people(absent)}.")
    return Reply("Your avoid list is updated.", [section("\n".join(parts)), context(PRIVATE)])


def avoid_modal(user_ids: Sequence[str]) -> dict[str, Any]:
    """The Home tab's avoid-list modal: one user picker holding the current list."""
    element: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": AVOID_FIELD,
        "placeholder": plain("Pick people"),
        "max_selected_items": AVOID_MODAL_MAX,
    }
    if user_ids:
        element["initial_users"] = list(user_ids)[:AVOID_MODAL_MAX]
    return {
        "type": "modal",
        "callback_id": ids.VIEW_AVOID_LIST,
        "title": plain("Your avoid list", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(
                "People you'd rather not meet. Mingle never puts you in a group with them, "
                "and never suggests them to you or you to them."
            ),
            {
                "type": "input",
                "block_id": AVOID_FIELD,
                "optional": True,
                "label": plain("Don't pair me with"),
                "element": element,
            },
            context(PRIVATE),
        ],
    }
