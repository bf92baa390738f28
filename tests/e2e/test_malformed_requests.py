"""Requests that are not what Slack sends: checked for their signature first (401, never
parsed), then for their shape (a quick 400 or 200, one WARNING line, nothing stored, never a
500). Also: numbers out of range, unexpected errors logged with their traceback, and admin
rights that follow Slack within a minute."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest
from sqlalchemy import text

from tests.e2e.conftest import Stack, reply_text
from tests.e2e.trust import Answer, post_raw, row_counts


def _form(payload: str) -> bytes:
    return urllib.parse.urlencode({"payload": payload}).encode()


def _interaction(payload: dict[str, object]) -> bytes:
    return _form(json.dumps(payload))


USER = {"id": "U0S001", "team_id": "T0001"}
TEAM = {"id": "T0001"}

#: name -> (body, content type); each is signed correctly, and each is malformed.
MALFORMED: dict[str, tuple[bytes, str]] = {
    "invalid UTF-8": (b"payload=\xff\xfe\xfd", "application/x-www-form-urlencoded"),
    "invalid UTF-8 JSON": (b'{"type": "\xff"}', "application/json"),
    "JSON null": (b"null", "application/json"),
    "JSON list": (b"[1, 2]", "application/json"),
    "JSON number": (b"5", "application/json"),
    "broken JSON": (b'{"type": ', "application/json"),
    "payload=null": (_form("null"), "application/x-www-form-urlencoded"),
    "payload=5": (_form("5"), "application/x-www-form-urlencoded"),
    "payload=[]": (_form("[]"), "application/x-www-form-urlencoded"),
    "payload is not JSON": (_form("{nope"), "application/x-www-form-urlencoded"),
    "payload without a type": (_interaction({"user": USER}), "application/x-www-form-urlencoded"),
    "unknown type": (
        _interaction({"type": "mystery", "user": USER, "team": TEAM}),
        "application/x-www-form-urlencoded",
    ),
    "type of the wrong kind": (
        _interaction({"type": 5, "user": USER, "team": TEAM}),
        "application/x-www-form-urlencoded",
    ),
    "block_actions without actions": (
        _interaction({"type": "block_actions", "user": USER, "team": TEAM}),
        "application/x-www-form-urlencoded",
    ),
    "block_actions with a string for actions": (
        _interaction({"type": "block_actions", "user": USER, "team": TEAM, "actions": "x"}),
        "application/x-www-form-urlencoded",
    ),
    "block_actions without a user": (
        _interaction(
            {"type": "block_actions", "team": TEAM, "actions": [{"action_id": "mingle_join"}]}
        ),
        "application/x-www-form-urlencoded",
    ),
    "view_submission without a view": (
        _interaction({"type": "view_submission", "user": USER, "team": TEAM}),
        "application/x-www-form-urlencoded",
    ),
    "view_submission with a list for state": (
        _interaction(
            {
                "type": "view_submission",
                "user": USER,
                "team": TEAM,
                "view": {"callback_id": "mingle_edit_profile", "state": []},
            }
        ),
        "application/x-www-form-urlencoded",
    ),
    "shortcut with a number for user": (
        _interaction({"type": "shortcut", "user": 7, "team": TEAM, "callback_id": "x"}),
        "application/x-www-form-urlencoded",
    ),
    "team of the wrong kind": (
        _interaction(
            {"type": "block_actions", "user": USER, "team": 5, "actions": [{"action_id": "a"}]}
        ),
        "application/x-www-form-urlencoded",
    ),
    "event_callback with a string event": (
        json.dumps(
            {"type": "event_callback", "team_id": "T0001", "event_id": "Ev1", "event": "x"}
        ).encode(),
        "application/json",
    ),
    "event_callback with a string for authorizations": (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev2",
                "authorizations": "abc",
                "event": {"type": "app_home_opened", "user": "U0S001"},
            }
        ).encode(),
        "application/json",
    ),
    "event with a list for user": (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev3",
                "event": {"type": "app_home_opened", "user": ["U0S001"]},
            }
        ).encode(),
        "application/json",
    ),
    "slash command without a user": (
        urllib.parse.urlencode(
            {"command": "/mingle", "text": "join", "team_id": "T0001", "channel_id": "C1"}
        ).encode(),
        "application/x-www-form-urlencoded",
    ),
}


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_signed_malformed_request_gets_a_quick_answer_and_one_warning(
    stack: Stack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = MALFORMED[name]
    before = row_counts(stack.app.engine)
    with caplog.at_level(logging.INFO):
        answer = post_raw(
            stack.app.events_url, body, secret=stack.app.signing_secret, content_type=content_type
        )
    assert answer.status in (200, 400), answer
    assert answer.elapsed < 3.0
    assert row_counts(stack.app.engine) == before
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "malformed" in warnings[0].getMessage()
    assert _tracebacks(caplog) == []


UNSIGNED: dict[str, dict[str, str | None]] = {
    "no signature": {"secret": None},
    "another secret": {"secret": "not-the-secret"},
    "stale timestamp": {"timestamp": str(int(time.time()) - 6 * 60)},
    "timestamp that is not a number": {"timestamp": "abc"},
    "timestamp with a sign": {"timestamp": "-1"},
}


@pytest.mark.parametrize("name", sorted(UNSIGNED))
@pytest.mark.parametrize("body", [b"payload=\xff\xfe", b"null", b"payload=5"])
def test_a_request_without_a_valid_signature_gets_401_unparsed(
    stack: Stack, caplog: pytest.LogCaptureFixture, name: str, body: bytes
) -> None:
    options = UNSIGNED[name]
    secret = options.get("secret", stack.app.signing_secret)
    with caplog.at_level(logging.DEBUG):
        answer = post_raw(
            stack.app.events_url,
            body,
            secret=secret,
            timestamp=options.get("timestamp"),
        )
    assert answer.status == 401
    assert answer.elapsed < 3.0
    assert _tracebacks(caplog) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_large_unsigned_body_is_never_logged(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=" + b"A" * 900_000
    with caplog.at_level(logging.DEBUG):
        answer: Answer = post_raw(stack.app.events_url, body, secret=None)
    assert answer.status == 401
    assert "AAAAAAAAAA" not in caplog.text
    assert all(len(r.getMessage()) <= 2100 for r in caplog.records)


def test_an_unexpected_error_is_logged_with_its_traceback_and_the_person_gets_an_apology(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    with stack.app.engine.begin() as connection:  # the members' table is gone
        connection.execute(text("ALTER TABLE member RENAME TO member_gone"))
    with caplog.at_level(logging.INFO):
        reply = stack.command(stack.sample.user_ids[0], "join")
    assert "something went wrong" in reply_text(reply)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and all(r.exc_info for r in failures), [r.getMessage() for r in failures]
    assert "member" in "".join(caplog.text)


def test_a_number_out_of_range_gets_a_clear_answer(stack: Stack) -> None:
    admin = stack.sample.admin_id
    reply = reply_text(stack.command(admin, "admin prompts remove 99999999999999999999999"))
    assert "something went wrong" not in reply.lower()
    assert "not a prompt id" in reply and "2147483647" in reply
    reply = reply_text(stack.command(admin, "admin prompts remove -3"))
    assert "not a prompt id" in reply
    reply = reply_text(stack.command(admin, "reconnect on 99999999999999999999999"))
    assert "14 to 365" in reply
    reply = reply_text(stack.command(admin, "pause 99999999999999999999999 weeks"))
    assert "something went wrong" not in reply.lower()


def test_admin_rights_follow_slack_within_a_minute(stack: Stack) -> None:
    # Not in MINGLE_ADMINS: an admin only because Slack says so.
    person = stack.sample.user_ids[5]
    stack.emu.update_user(person, is_admin=True)
    assert "not allowed" not in reply_text(stack.command(person, "admin stats")).lower()
    assert "only workspace admins" not in reply_text(stack.command(person, "admin stats"))
    stack.emu.update_user(person, is_admin=False)
    gateway = stack.app.deps.slack
    started = time.monotonic()
    gateway.clock = lambda: time.monotonic() - started + started + 61
    assert "only workspace admins" in reply_text(stack.command(person, "admin stats"))
