"""Shortcuts: every callback_id of a global or message shortcut, in `SHORTCUTS`.

A new shortcut adds its callback_id (`bot.core.ids`) to the table and to manifest.yml.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot.core import ids
from handlers.runtime import friendly_listener
from handlers.shortcuts import connect, prompts

#: callback_id -> the callback for the shortcut.
SHORTCUTS: dict[str, Callable[..., None]] = {
    ids.SHORTCUT_SAVE_ANSWER: prompts.save_answer,
    ids.SHORTCUT_INTRO: connect.intro_shortcut,
}


def register(app: App) -> None:
    for callback_id, callback in SHORTCUTS.items():
        app.shortcut(callback_id)(friendly_listener(callback, "shortcut"))
