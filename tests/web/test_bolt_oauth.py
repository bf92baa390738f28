"""Mingle's pages inside Bolt's OAuth flow, against the emulator and Mingle's database.

Bolt serves ``/slack/install`` and ``/slack/oauth_redirect``; with :mod:`bot.web.bolt_oauth`
it shows Mingle's install page (whose button carries Bolt's state), saves the installation in
slack_sdk's store in Mingle's tables, and answers every failure with Mingle's error page.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.testing.emulator import SlackEmulator
from bot.web.bolt_oauth import MingleOAuthFlow, oauth_settings
from storage.installations import InstallationStore, oauth_state_store

REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U1", name="alice", is_admin=True)
        emulator.add_workspace("T0002", "Globex").add_user("W1", name="wendy")
        yield emulator


def _flow(emu: SlackEmulator, engine: Engine) -> tuple[MingleOAuthFlow, InstallationStore]:
    store = InstallationStore(emu.oauth.client_id, engine)
    settings = oauth_settings(
        client_id=emu.oauth.client_id,
        client_secret=emu.oauth.client_secret,
        redirect_uri=REDIRECT,
        installation_store=store,
        state_store=oauth_state_store(engine),
        authorization_url=emu.authorize_url,
    )
    return MingleOAuthFlow(client=WebClient(base_url=emu.api_url), settings=settings), store


def _start(flow: MingleOAuthFlow, team: str | None = None) -> tuple[str, str]:
    """Open the install page: the button's href and the state cookie Bolt set."""
    response = flow.handle_installation(BoltRequest(body="", query=f"team={team}" if team else ""))
    assert response.status == 200
    assert response.headers["content-type"] == ["text/html; charset=utf-8"]
    href = re.search(r'id="add-to-slack" href="([^"]+)"', response.body)
    assert href is not None
    cookie = response.headers["set-cookie"][0].split(";")[0]
    return href.group(1).replace("&amp;", "&"), cookie


def _follow(href: str) -> dict[str, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(href, timeout=5)
    location = redirect.value.headers["Location"]
    redirect.value.close()
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _callback(flow: MingleOAuthFlow, query: dict[str, str], cookie: str) -> Any:
    body = "&".join(f"{k}={v}" for k, v in query.items())
    return flow.handle_callback(BoltRequest(body="", query=body, headers={"cookie": cookie}))


def test_install_through_bolt_saves_the_workspace_and_shows_mingles_page(
    emu: SlackEmulator, engine: Engine
) -> None:
    flow, store = _flow(emu, engine)
    href, cookie = _start(flow, team="T0002")
    query = parse_qs(urlsplit(href).query)
    assert query["redirect_uri"] == [REDIRECT] and query["team"] == ["T0002"]
    assert query["client_id"] == [emu.oauth.client_id]

    response = _callback(flow, _follow(href), cookie)
    assert response.status == 200
    assert "Mingle is installed in Globex" in response.body
    bot = store.find_bot(enterprise_id=None, team_id="T0002")
    assert bot is not None and bot.bot_token == emu.bot_token_for("T0002")
    assert bot.bot_user_id == "UT0002BOT" and bot.bot_id == "BT0002"


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("denied", 200, "You cancelled the installation"),
        ("forged", 400, "This install link has expired"),
        ("no cookie", 400, "This install link has expired"),
        ("reused code", 400, "Slack could not complete the installation"),
    ],
)
def test_failures_get_mingles_error_pages(
    emu: SlackEmulator, engine: Engine, case: str, status: int, says: str
) -> None:
    flow, _ = _flow(emu, engine)
    href, cookie = _start(flow)
    if case == "denied":
        emu.set_consent(deny=True)
    query = _follow(href)
    if case == "forged":
        query["state"] = "forged"
        cookie = "slack-app-oauth-state=forged"
    if case == "no cookie":
        cookie = ""
    if case == "reused code":
        assert _callback(flow, query, cookie).status == 200
        href, cookie = _start(flow)
        query = {**_follow(href), "code": query["code"]}
    response = _callback(flow, query, cookie)
    assert response.status == status
    assert says in response.body and 'href="/slack/install"' in response.body
