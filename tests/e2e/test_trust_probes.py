"""An outside reviewer's probes of the trust boundary (issue 9), over HTTP with signed
requests: the buttons added after it (meeting times, your chats) checked against stored
state and the presser, Home-tab buttons that answer where they were pressed, and Slack's
revocation events from a workspace Mingle is not installed in."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core import ids
from bot.services.chats import NOT_YOURS as NOT_YOUR_CHAT
from bot.services.meeting_slots import NOT_YOURS as NOT_YOUR_TIMES
from bot.testing.blockkit import readable_texts
from bot.testing.driver import SlackDriver
from handlers.actions import ACTIONS
from handlers.views import VIEWS
from storage.models import Match, MeetingSlot
from tests.e2e.conftest import Stack, reply_text
from tests.e2e.test_rounds import coffee_people, join, setup
from tests.e2e.trust import row_counts


def a_pair(stack: Stack) -> tuple[str, str, str, Match]:
    """Two members matched by run-now (their intro sent), and a joined member outside."""
    a, b, outsider = coffee_people(stack)[:3]
    join(stack, [a, b])
    setup(stack)
    stack.command(stack.sample.admin_id, "admin run-now")
    join(stack, [outsider])

    def the_match() -> Match | None:
        with stack.app.deps.sessions() as session:
            match = session.scalars(select(Match)).first()
            if match is not None:
                session.expunge(match)
            return match

    match = stack.emu.wait_for(the_match, timeout=20)
    stack.emu.wait_for(
        lambda: any("coffee" in m.get("text", "") for m in dm_of(stack, a, b)), timeout=20
    )
    return a, b, outsider, match


def dm_of(stack: Stack, *people: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(*people)
    return stack.emu.messages(channel) if channel else []


def press(stack: Stack, user_id: str, action_id: str, value: str) -> str:
    """Press a button on a message in the pair's DM; the text of the ephemeral answer."""
    message = {"ts": "1.000001", "text": "a coffee chat"}
    result, key = stack.driver.block_action(
        user_id, action_id, value, channel_id="D0PAIR", message=message
    )
    assert result.status == 200 and result.elapsed < 3.0
    return reply_text(stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1])


def stored(stack: Stack) -> dict[str, int]:
    """Every table's row count, but the delivery lease (taken and given back by each pass)."""
    counts = row_counts(stack.app.engine)
    counts.pop("delivery_lease")
    return counts


def first_slot(stack: Stack, match: Match) -> int:
    with stack.app.deps.sessions() as session:
        slot = session.scalars(
            select(MeetingSlot.id).where(MeetingSlot.match_id == match.id).order_by(MeetingSlot.id)
        ).first()
    assert slot is not None, "the intro offered no times"
    return int(slot)


def test_meeting_time_buttons_answer_only_the_groups_people(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, outsider, match = a_pair(stack)
    slot = first_slot(stack, match)
    before = stored(stack)
    presses = [
        (ids.ACTION_SLOT_PICK, str(slot), NOT_YOUR_TIMES),
        (ids.ACTION_SLOT_MORE, f"{match.id}:1", NOT_YOUR_TIMES),
    ]
    for action_id, value, answer in presses:
        assert answer in press(stack, outsider, action_id, value), action_id
    for value in ("abc", "-1", "0", "99999999999999999999", "2147483648", f"{slot}9999"):
        assert "something went wrong" not in press(stack, a, ids.ACTION_SLOT_PICK, value).lower()
    for value in ("abc", f"{match.id}", f"{match.id}:0", f"{match.id}:99999999999999", "1:-1"):
        assert "something went wrong" not in press(stack, a, ids.ACTION_SLOT_MORE, value).lower()
    assert "moved on" in press(stack, a, ids.ACTION_SLOT_MORE, f"{match.id}:7").lower()
    assert stored(stack) == before  # nothing picked, offered or sent


def home_text(stack: Stack, user_id: str) -> str:
    view = stack.emu.home_view(user_id) or {}
    return "\n".join(readable_texts(view.get("blocks") or []))


def press_on_home(stack: Stack, user_id: str, action_id: str, value: str, expect: str) -> str:
    """Press a Home-tab button (no response_url); the Home tab once it shows `expect`."""
    result, _ = stack.driver.block_action(user_id, action_id, value)
    assert result.status == 200 and result.elapsed < 3.0
    return str(stack.emu.wait_for(lambda: expect in (t := home_text(stack, user_id)) and t, 10))


def test_a_refused_or_stale_home_button_says_why_on_the_home_tab(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    a, b, outsider, match = a_pair(stack)
    before = stored(stack)
    # "Say hi again" on someone else's chat, on a chat that is gone, with a mangled value
    press_on_home(stack, outsider, ids.ACTION_SAY_HI_AGAIN, str(match.id), NOT_YOUR_CHAT)
    press_on_home(stack, a, ids.ACTION_SAY_HI_AGAIN, str(match.id + 1000), "moved on")
    press_on_home(stack, a, ids.ACTION_SAY_HI_AGAIN, "abc", "out of date")
    assert stored(stack) == before  # nothing sent, nothing stored
    # "Resume" from someone who never joined
    stranger = coffee_people(stack)[5]
    press_on_home(stack, stranger, ids.ACTION_RESUME, "", "haven't joined")


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_a_revocation_from_a_workspace_mingle_is_not_in_stores_nothing(
    stack: Stack, event: str
) -> None:
    other = SlackDriver(
        stack.app.events_url, stack.app.signing_secret, stack.emu, team_id="T0OTHER"
    )
    before = row_counts(stack.app.engine)
    if event == "app_uninstalled":
        result = other.app_uninstalled()
    else:
        result = other.tokens_revoked({"bot": ["UBOTOTHER"]})
    assert result.status == 200 and result.elapsed < 3.0
    stack.command(stack.sample.user_ids[0], "help")  # the app is idle again, and serving
    assert row_counts(stack.app.engine) == before


VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.tuples(st.integers(-5, 2**32), st.integers(-5, 2**32)).map(lambda p: f"{p[0]}:{p[1]}"),
    st.sampled_from(["1", "2", "1:1", "2:1", "", "0", "#1", '{"answer": 1}']),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def _press_anything(stack: Stack, caplog: pytest.LogCaptureFixture, data: st.DataObject) -> None:
    person = stack.sample.user_ids[1]
    value = data.draw(VALUES)
    with caplog.at_level(logging.INFO):
        if data.draw(st.booleans()):
            action_id = data.draw(st.sampled_from(sorted(ACTIONS)))
            on_message = data.draw(st.booleans())
            message = {"ts": "1.000001", "text": "x"} if on_message else None
            result, _ = stack.driver.block_action(
                person,
                action_id,
                value,
                channel_id="C0COFFEE" if on_message else None,
                message=message,
            )
        else:
            callback_id = data.draw(st.sampled_from(sorted(VIEWS)))
            view = {"callback_id": callback_id, "type": "modal", "private_metadata": value}
            result = stack.driver.view_submission(person, view, {})
    assert result.status < 500 and result.elapsed < 3.0, result
    stack.pressed = getattr(stack, "pressed", 0) + 1  # type: ignore[attr-defined]


def test_every_registered_button_and_modal_takes_any_value_without_a_traceback(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """Every action_id and callback_id Mingle registers (not a sample), pressed or submitted
    by a member with any value or private_metadata: a quick answer below 500, and once every
    listener has finished, no traceback in the log."""
    with caplog.at_level(logging.INFO):
        _press_anything(stack, caplog)
        stack.app.app.listener_runner.listener_executor.shutdown(wait=True)
    assert stack.pressed >= 80  # type: ignore[attr-defined]
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text]
    assert tracebacks == []
