"""One workspace boundary: a signed request from a workspace Mingle is not installed in is
acknowledged, stores nothing, sends nothing, and costs one WARNING line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from bot.core import ids
from bot.testing.driver import HttpResult, SlackDriver, text_input
from tests.e2e.conftest import Stack
from tests.e2e.trust import row_counts

pytestmark = pytest.mark.both_databases  # its promises hold on both databases

OTHER_TEAM = "T0OTHER"
STRANGER = "U0STRANGER"

Send = Callable[[SlackDriver, Stack], HttpResult]

REQUESTS: dict[str, Send] = {
    "join command": lambda d, s: d.command(STRANGER, "join")[0],
    "run-now command": lambda d, s: d.command(STRANGER, "admin run-now")[0],
    "setup command": lambda d, s: d.command(STRANGER, "admin setup")[0],
    "app_home_opened event": lambda d, s: d.event(
        {"type": "app_home_opened", "user": STRANGER, "tab": "home", "channel": "D1"}
    ),
    "member_joined_channel event": lambda d, s: d.event(
        {"type": "member_joined_channel", "user": STRANGER, "channel": "C0COFFEE"}
    ),
    "join button": lambda d, s: d.block_action(STRANGER, ids.ACTION_JOIN)[0],
    "profile modal": lambda d, s: d.view_submission(
        STRANGER,
        {"callback_id": ids.VIEW_EDIT_PROFILE, "type": "modal"},
        {"bio": {"bio": text_input("hello")}},
    ),
    "topic typeahead": lambda d, s: d.block_suggestion(STRANGER, ids.ACTION_INTEREST_SELECT, "ru"),
    "intro shortcut": lambda d, s: d.global_shortcut(STRANGER, ids.SHORTCUT_INTRO),
    "save-answer shortcut": lambda d, s: d.message_shortcut(
        STRANGER,
        ids.SHORTCUT_SAVE_ANSWER,
        "C0COFFEE",
        {"type": "message", "user": STRANGER, "ts": f"{time.time():.6f}", "text": "sourdough"},
    )[0],
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_a_request_from_another_workspace_is_acknowledged_and_ignored(
    stack: Stack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    other = SlackDriver(
        stack.app.events_url, stack.app.signing_secret, stack.emu, team_id=OTHER_TEAM
    )
    before = row_counts(stack.app.engine)
    calls_before = len(stack.emu.calls)
    with caplog.at_level(logging.INFO):
        result = REQUESTS[name](other, stack)
    assert result.status == 200
    assert result.body == ""
    assert result.elapsed < 3.0
    # A request from the installed workspace, after it, is answered: the app is idle again.
    stack.command(stack.sample.user_ids[0], "help")
    assert row_counts(stack.app.engine) == before  # every table, the outbox included
    other_calls = [c for c in stack.emu.calls[calls_before:] if STRANGER in str(c.args)]
    assert other_calls == []
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "not installed" in warnings[0].getMessage()
    assert OTHER_TEAM in warnings[0].getMessage()
