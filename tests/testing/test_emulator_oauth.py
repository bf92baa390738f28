"""The emulator installs the app into several workspaces and organisations, as Slack does.

A browser follows the authorize redirect, the app exchanges the code with the real
``WebClient.oauth_v2_access``, each token acts on its own workspace only, rotating tokens
expire and refresh once, and revoked tokens stop working.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.testing.emulator import SlackEmulator

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "emulator-client-secret"
REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def authorize(emu: SlackEmulator, **params: str) -> tuple[int, dict[str, str], str]:
    """Open the authorize URL as a browser would; the status, the redirect's query, the body."""
    query = {
        "client_id": CLIENT_ID,
        "scope": "commands,chat:write",
        "redirect_uri": REDIRECT,
        "state": "s-123",
        **params,
    }
    url = emu.authorize_url + "?" + urllib.parse.urlencode(query)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, {}, response.read().decode()
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location") or ""
        body = exc.read().decode()
        exc.close()
        redirected = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        if location:
            assert location.startswith(REDIRECT + "?")
        return exc.code, redirected, body


def install(emu: SlackEmulator, team: str | None = None, **params: str) -> dict[str, Any]:
    if team is not None:
        params["team"] = team
    status, redirected, _ = authorize(emu, **params)
    assert status == 302 and redirected["state"] == "s-123"
    client = WebClient(base_url=emu.api_url, timeout=5)
    response = client.oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        code=redirected["code"],
        redirect_uri=REDIRECT,
    )
    return dict(response.data)  # type: ignore[arg-type]


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(team_id="T0001", team_name="Acme") as emulator:
        emulator.add_user("U1", name="alice", is_admin=True)
        emulator.add_channel("C1", name="coffee", members=["U1"])
        globex = emulator.add_workspace("T0002", "Globex")
        globex.add_user("W1", name="wendy", is_admin=True)
        globex.add_channel("C2", name="lounge", members=["W1"])
        yield emulator


def test_single_workspace_token_unchanged(emu: SlackEmulator) -> None:
    auth = WebClient(base_url=emu.api_url, token=emu.bot_token).auth_test()
    assert auth["team_id"] == "T0001" and auth["user_id"] == "UBOT"
    assert auth["is_enterprise_install"] is False and "enterprise_id" not in auth.data
    assert emu.calls[-1].team_id == "T0001"


def test_install_two_workspaces_each_token_acts_on_its_own(emu: SlackEmulator) -> None:
    acme = install(emu, team="T0001")
    globex = install(emu, team="T0002", user_scope="users:read")
    assert acme["team"] == {"id": "T0001", "name": "Acme"}
    assert acme["token_type"] == "bot" and acme["access_token"].startswith("xoxb-")
    assert acme["scope"] == "commands,chat:write" and acme["authed_user"] == {"id": "U1"}
    assert acme["is_enterprise_install"] is False and acme["enterprise"] is None
    assert globex["bot_user_id"] == "UT0002BOT"
    assert globex["authed_user"]["id"] == "W1"
    assert globex["authed_user"]["access_token"].startswith("xoxp-")
    assert [r["scope"] for r in emu.authorize_requests] == ["commands,chat:write"] * 2

    a = WebClient(base_url=emu.api_url, token=acme["access_token"])
    g = WebClient(base_url=emu.api_url, token=globex["access_token"])
    auth = g.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0002", "UT0002BOT", "BT0002")
    a.chat_postMessage(channel="C1", text="hello Acme")
    g.chat_postMessage(channel="C2", text="hello Globex")
    with pytest.raises(SlackApiError) as crossed:
        g.chat_postMessage(channel="C1", text="wrong workspace")
    assert crossed.value.response["error"] == "channel_not_found"
    assert [m["text"] for m in emu.messages("C1")] == ["hello Acme"]
    assert [m["text"] for m in emu.workspace("T0002").messages("C2")] == ["hello Globex"]
    for team in ("T0001", "T0002"):
        calls = [c for c in emu.calls_in(team) if c.method != "oauth.v2.access"]
        assert calls and {c.token for c in calls} <= emu.tokens_of(team)
    assert emu.bot_token_for("T0002") == globex["access_token"]


def test_denied_install_redirects_with_access_denied(emu: SlackEmulator) -> None:
    emu.set_consent(deny=True)
    status, redirected, _ = authorize(emu)
    assert status == 302 and redirected == {"error": "access_denied", "state": "s-123"}


def test_authorize_refuses_unknown_client_and_redirect(emu: SlackEmulator) -> None:
    status, _, body = authorize(emu, client_id="nope")
    assert status == 400 and "invalid_client_id" in body
    emu.configure_oauth(redirect_urls=["http://127.0.0.1:9/elsewhere"])
    status, _, body = authorize(emu)
    assert status == 400 and "bad_redirect_uri" in body


def test_code_is_single_use_and_needs_the_secret(emu: SlackEmulator) -> None:
    _, redirected, _ = authorize(emu)
    client = WebClient(base_url=emu.api_url)
    with pytest.raises(SlackApiError) as wrong:
        client.oauth_v2_access(client_id=CLIENT_ID, client_secret="guess", code=redirected["code"])
    assert wrong.value.response["error"] == "bad_client_secret"
    with pytest.raises(SlackApiError) as other_uri:
        client.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code=redirected["code"],
            redirect_uri="http://x",
        )
    assert other_uri.value.response["error"] == "bad_redirect_uri"
    with pytest.raises(SlackApiError) as reused:
        client.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code=redirected["code"],
            redirect_uri=REDIRECT,
        )
    assert reused.value.response["error"] == "invalid_code"


def test_rotating_tokens_expire_and_refresh_once(emu: SlackEmulator) -> None:
    emu.configure_oauth(token_rotation=True, token_lifetime=3600)
    first = install(emu, team="T0002")
    assert first["access_token"].startswith("xoxe.xoxb-") and first["expires_in"] == 3600
    client = WebClient(base_url=emu.api_url)
    refreshed = client.oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert refreshed["team"]["id"] == "T0002" and refreshed["bot_user_id"] == "UT0002BOT"
    with pytest.raises(SlackApiError) as reused:
        client.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            grant_type="refresh_token",
            refresh_token=first["refresh_token"],
        )
    assert reused.value.response["error"] == "invalid_refresh_token"

    old = WebClient(base_url=emu.api_url, token=first["access_token"])
    assert old.auth_test()["team_id"] == "T0002"  # still valid until it expires
    emu.advance_clock(3601)
    with pytest.raises(SlackApiError) as expired:
        old.auth_test()
    assert expired.value.response["error"] == "token_expired"
    assert emu.bot_token_for("T0002") is None


def test_slack_sdk_token_rotator_refreshes_against_the_emulator(emu: SlackEmulator) -> None:
    emu.configure_oauth(token_rotation=True, token_lifetime=3600)
    reply = install(emu, team="T0002")
    installation = Installation(
        app_id=reply["app_id"],
        team_id="T0002",
        user_id=reply["authed_user"]["id"],
        bot_token=reply["access_token"],
        bot_user_id=reply["bot_user_id"],
        bot_refresh_token=reply["refresh_token"],
        bot_token_expires_in=reply["expires_in"],
    )
    rotator = TokenRotator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=WebClient(base_url=emu.api_url)
    )
    rotated = rotator.perform_token_rotation(
        installation=installation, minutes_before_expiration=120
    )
    assert rotated is not None and rotated.bot_token != reply["access_token"]
    auth = WebClient(base_url=emu.api_url, token=rotated.bot_token).auth_test()
    assert auth["team_id"] == "T0002"


def test_revoked_tokens_answer_token_revoked(emu: SlackEmulator) -> None:
    reply = install(emu, team="T0002", user_scope="users:read")
    bot = WebClient(base_url=emu.api_url, token=reply["access_token"])
    assert emu.revoke_tokens("T0002", bot=False) == {"oauth": ["W1"], "bot": []}
    assert bot.auth_test()["ok"]
    assert emu.uninstall("T0002") == {"oauth": [], "bot": ["UT0002BOT"]}
    with pytest.raises(SlackApiError) as revoked:
        bot.auth_test()
    assert revoked.value.response["error"] == "token_revoked"
    with pytest.raises(SlackApiError) as unknown:
        WebClient(base_url=emu.api_url, token="xoxb-made-up").auth_test()
    assert unknown.value.response["error"] == "invalid_auth"
    assert WebClient(base_url=emu.api_url, token=emu.bot_token).auth_test()["team_id"] == "T0001"


def test_org_wide_install_acts_in_every_workspace_of_the_org() -> None:
    with SlackEmulator(team_id="T0001", team_name="Acme") as emu:
        emu.add_enterprise("E0001", "Initech")
        sales = emu.add_workspace("T0101", "Initech Sales", enterprise_id="E0001")
        ops = emu.add_workspace("T0102", "Initech Ops", enterprise_id="E0001")
        sales.add_user("W1", name="peter", is_admin=True)
        sales.add_channel("C11", name="sales-coffee", members=["W1"])
        ops.add_user("W2", name="milton")
        ops.add_channel("C12", name="ops-coffee", members=["W2"])
        emu.set_consent("T0101", org_wide=True)
        reply = install(emu)
        assert reply["is_enterprise_install"] is True and reply["team"] is None
        assert reply["enterprise"] == {"id": "E0001", "name": "Initech"}
        assert reply["bot_user_id"] == sales.bot_user_id == ops.bot_user_id == "UE0001BOT"

        org = WebClient(base_url=emu.api_url, token=reply["access_token"])
        auth = org.auth_test()
        assert auth["is_enterprise_install"] is True
        assert auth["enterprise_id"] == "E0001" and auth["team_id"] == "E0001"
        org.chat_postMessage(channel="C11", text="sales")
        org.chat_postMessage(channel="C12", text="ops")
        assert org.users_info(user="W2", team_id="T0102")["user"]["team_id"] == "T0102"
        assert [m["text"] for m in sales.messages("C11")] == ["sales"]
        assert [m["text"] for m in ops.messages("C12")] == ["ops"]
        assert {c.team_id for c in emu.calls_to("chat.postMessage")} == {"T0101", "T0102"}
        assert emu.bot_token_for("T0102") == reply["access_token"]
        assert emu.bot_token_for("T0001") == emu.bot_token  # outside the org

        emu.uninstall(None, "E0001")
        with pytest.raises(SlackApiError) as revoked:
            org.auth_test()
        assert revoked.value.response["error"] == "token_revoked"


def test_org_install_by_choosing_the_org_on_the_authorize_page() -> None:
    with SlackEmulator() as emu:
        emu.add_enterprise("E0002", "Umbrella", team_ids=(emu.team_id,))
        emu.add_user("U1", name="alice", is_owner=True)
        reply = install(emu, team="E0002")
        assert reply["is_enterprise_install"] is True
        assert reply["authed_user"]["id"] == "U1"
        own = WebClient(base_url=emu.api_url, token=emu.bot_token).auth_test()
        assert own["enterprise_id"] == "E0002" and own["is_enterprise_install"] is False
