"""The HTTP surface: signatures, url_verification, health, event dedup, ack time."""

from __future__ import annotations

import json
import time
import urllib.request

from bot.testing.driver import sign
from tests.e2e.conftest import Stack


def test_bad_signature_is_rejected(stack: Stack) -> None:
    body = "command=%2Fmingle&text=join&user_id=U0S001&team_id=T0001"
    result = stack.driver.post(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert result.status == 401
    assert stack.emu.responses() == []


def test_signature_with_another_secret_is_rejected(stack: Stack) -> None:
    body = "command=%2Fmingle&text=join&user_id=U0S001&team_id=T0001"
    ts = str(int(time.time()))
    result = stack.driver.post(
        body, "application/x-www-form-urlencoded", signature=sign("not-the-secret", ts, body)
    )
    assert result.status == 401


def test_stale_timestamp_is_rejected_even_when_correctly_signed(stack: Stack) -> None:
    body = "command=%2Fmingle&text=join&user_id=U0S001&team_id=T0001"
    old = int(time.time()) - 6 * 60
    result = stack.driver.post(
        body,
        "application/x-www-form-urlencoded",
        timestamp=old,
        signature=sign(stack.app.signing_secret, str(old), body),
    )
    assert result.status == 401


def test_url_verification_echoes_the_challenge(stack: Stack) -> None:
    result = stack.driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert result.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in result.body


def test_retried_event_is_processed_once(stack: Stack) -> None:
    first, other = stack.sample.user_ids[:2]

    def publishes_for(user: str) -> list:
        return [c for c in stack.emu.calls_to("views.publish") if c.args.get("user_id") == user]

    stack.home_event(first, event_id="Ev0RETRY1")
    stack.emu.wait_for(lambda: publishes_for(first), timeout=10)
    retry = stack.driver.event(
        {"type": "app_home_opened", "user": first, "tab": "home", "channel": "D1"},
        event_id="Ev0RETRY1",
        retry_num=1,
    )
    assert retry.status == 200  # acknowledged, so Slack stops retrying
    stack.home_event(other, event_id="Ev0BARRIER")
    stack.emu.wait_for(lambda: publishes_for(other), timeout=10)
    assert len(publishes_for(first)) == 1


def test_healthz_checks_the_database(stack: Stack) -> None:
    with urllib.request.urlopen(stack.app.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "detail": "ok"}
    stack.app.engine.dispose()
    stack.app.deps.sessions.kw["bind"] = _broken_engine()
    try:
        urllib.request.urlopen(stack.app.url + "/healthz", timeout=5)
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as exc:
        assert exc.code == 503


def _broken_engine():  # an engine whose database cannot be opened
    from storage.db import make_engine

    return make_engine("sqlite:////nonexistent-dir/mingle.db")


def test_slash_command_is_acknowledged_fast(stack: Stack) -> None:
    result, _ = stack.driver.command(stack.sample.user_ids[0], "join")
    assert result.status == 200
    assert result.elapsed < 3.0
