"""A permanent guard: signed, randomly malformed payloads for every surface, through the real
app over HTTP. Whatever arrives, the answer is quick (under Slack's 3 s), never a 5xx, the
log holds no traceback, and nothing is stored.

Payloads start from real ones whose well-formed versions store nothing (a button for a match
that does not exist, help, a typeahead…); each example then deletes a field the payload
needs, gives it a value of the wrong type, renames the payload's type, or puts a random
value where an object's ID goes.
"""

from __future__ import annotations

import copy
import json
import logging
import time
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import ids
from tests.e2e.conftest import Stack
from tests.e2e.trust import post_raw, row_counts

USER = "U0S001"
TEAM = "T0001"
Path = tuple[str | int, ...]


def _interactive(payload: dict[str, Any]) -> dict[str, Any]:
    payload.setdefault("team", {"id": TEAM, "domain": "acme"})
    payload.setdefault("api_app_id", "A0MINGLE")
    payload.setdefault("token", "deprecated")
    return payload


def _message() -> dict[str, Any]:
    return {"type": "message", "user": USER, "ts": "1700000000.000100", "text": "sourdough"}


def bases(response_url: str) -> dict[str, tuple[str, dict[str, Any], list[Path], list[Path]]]:
    """surface -> (encoding, payload, paths it needs, paths holding an object's ID)."""
    user = {"id": USER, "username": "u", "team_id": TEAM}
    button = {
        "type": "block_actions",
        "user": user,
        "trigger_id": "1337.1",
        "response_url": response_url,
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
        "channel": {"id": "C0COFFEE"},
        "message": _message(),
        "actions": [{"type": "button", "action_id": ids.ACTION_MET, "value": "424242"}],
    }
    return {
        "slash command": (
            "form",
            {
                "command": "/mingle",
                "text": "help",
                "user_id": USER,
                "team_id": TEAM,
                "channel_id": "C0COFFEE",
                "trigger_id": "1337.2",
                "response_url": response_url,
            },
            [("command",), ("text",), ("user_id",), ("team_id",), ("channel_id",)],
            [],
        ),
        "event": (
            "json",
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0MINGLE",
                "event_id": "Ev0FUZZ",
                "event": {"type": "app_home_opened", "user": USER, "tab": "home"},
                "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            },
            [
                ("type",),
                ("team_id",),
                ("event_id",),
                ("event",),
                ("event", "type"),
                ("event", "user"),
            ],
            [],
        ),
        "block action": (
            "payload",
            _interactive(button),
            [
                ("type",),
                ("user",),
                ("user", "id"),
                ("actions",),
                ("actions", 0),
                ("actions", 0, "action_id"),
                ("actions", 0, "value"),
                ("team",),
                ("channel",),
                ("message",),
                ("message", "ts"),
                ("response_url",),
            ],
            [("actions", 0, "value"), ("actions", 0, "action_id")],
        ),
        "view submission": (
            "payload",
            _interactive(
                {
                    "type": "view_submission",
                    "user": user,
                    "view": {
                        "id": "V0FUZZ",
                        "type": "modal",
                        "callback_id": ids.VIEW_SAVE_ANSWER,
                        "private_metadata": json.dumps({"answer": 424242}),
                        "state": {"values": {"topic": {"topic": {"value": "bread"}}}},
                    },
                }
            ),
            [
                ("type",),
                ("user",),
                ("user", "id"),
                ("view",),
                ("view", "callback_id"),
                ("view", "type"),
                ("view", "state"),
                ("view", "state", "values"),
                ("view", "state", "values", "topic"),
                ("view", "private_metadata"),
            ],
            [("view", "private_metadata"), ("view", "callback_id")],
        ),
        "block suggestion": (
            "payload",
            _interactive(
                {
                    "type": "block_suggestion",
                    "user": user,
                    "action_id": ids.ACTION_INTEREST_SELECT,
                    "block_id": "interest",
                    "value": "ru",
                    "view": {"id": "V0MODAL", "type": "modal"},
                }
            ),
            [("type",), ("user",), ("user", "id"), ("action_id",), ("value",)],
            [("value",)],
        ),
        "global shortcut": (
            "payload",
            _interactive(
                {
                    "type": "shortcut",
                    "callback_id": ids.SHORTCUT_INTRO,
                    "user": user,
                    "trigger_id": "1337.3",
                }
            ),
            [("type",), ("user",), ("user", "id"), ("callback_id",), ("trigger_id",)],
            [],
        ),
        "message shortcut": (
            "payload",
            _interactive(
                {
                    "type": "message_action",
                    "callback_id": ids.SHORTCUT_SAVE_ANSWER,
                    "user": user,
                    "channel": {"id": "C0COFFEE"},
                    "message": _message(),
                    "trigger_id": "1337.4",
                    "response_url": response_url,
                }
            ),
            [
                ("type",),
                ("user",),
                ("user", "id"),
                ("callback_id",),
                ("trigger_id",),
                ("channel",),
                ("channel", "id"),
                ("message",),
                ("message", "ts"),
            ],
            [],
        ),
    }


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
RANDOM_ID = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: json.dumps({"answer": n})),
)


def _parent(payload: Any, path: Path) -> tuple[Any, str | int]:
    node = payload
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


@st.composite
def mutations(draw: st.DrawFn, surface_names: list[str]) -> tuple[str, str, Path, Any]:
    """(surface, operation, path, new value)."""
    surface = draw(st.sampled_from(surface_names))
    operation = draw(st.sampled_from(["delete", "wrong type", "rename type", "random id"]))
    return surface, operation, (), draw(WRONG if operation == "wrong type" else RANDOM_ID)


def _mutate(
    base: tuple[str, dict[str, Any], list[Path], list[Path]],
    operation: str,
    value: Any,
    pick: int,
) -> tuple[str, dict[str, Any]] | None:
    encoding, payload, needed, id_paths = base
    payload = copy.deepcopy(payload)
    if operation == "rename type":
        if encoding == "form":
            return None
        payload["type"] = str(value)[:40] or "nothing"
        if payload["type"] in ("event_callback", "block_actions", "view_submission"):
            return None
        return encoding, payload
    paths = id_paths if operation == "random id" else needed
    if not paths:
        return None
    parent, key = _parent(payload, paths[pick % len(paths)])
    if operation == "delete":
        if isinstance(parent, list):
            parent.clear()
        else:
            del parent[key]
    elif operation == "wrong type":
        if encoding == "form" or type(value) is type(parent[key]):
            return None
        parent[key] = value
    else:
        parent[key] = value
    return encoding, payload


def _body(encoding: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    if encoding == "json":
        return json.dumps(payload).encode(), "application/json"
    if encoding == "form":
        return urllib.parse.urlencode(payload).encode(), "application/x-www-form-urlencoded"
    return (
        urllib.parse.urlencode({"payload": json.dumps(payload)}).encode(),
        "application/x-www-form-urlencoded",
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_malformed_payloads_for_every_surface_never_break_the_app(
    stack: Stack, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    surfaces = bases(stack.emu.response_url("fuzz"))
    if not hasattr(stack, "fuzz_before"):
        stack.fuzz_before = row_counts(stack.app.engine)  # type: ignore[attr-defined]
        stack.fuzz_sent = 0  # type: ignore[attr-defined]
    surface, operation, _, value = data.draw(mutations(sorted(surfaces)))
    pick = data.draw(st.integers(min_value=0, max_value=20))
    mutated = _mutate(surfaces[surface], operation, value, pick)
    if mutated is None:
        return
    body, content_type = _body(*mutated)
    with caplog.at_level(logging.INFO):
        started = time.perf_counter()
        answer = post_raw(
            stack.app.events_url, body, secret=stack.app.signing_secret, content_type=content_type
        )
    assert answer.status < 500, (surface, operation, answer)
    assert time.perf_counter() - started < 3.0, (surface, operation)
    stack.fuzz_sent += 1  # type: ignore[attr-defined]


def test_the_fuzzed_app_stored_nothing_and_logged_no_traceback(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """Runs the guard above inside one app, then waits for every listener to finish."""
    before = row_counts(stack.app.engine)
    with caplog.at_level(logging.INFO):
        test_malformed_payloads_for_every_surface_never_break_the_app(stack, caplog)
        stack.app.app.listener_runner.listener_executor.shutdown(wait=True)
    assert stack.fuzz_sent > 50  # type: ignore[attr-defined]
    assert row_counts(stack.app.engine) == before
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text]
    assert tracebacks == []
