"""The emulator's plumbing, auth, users and conversations, through the real WebClient."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.emulator import SlackEmulator


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


# -- lifecycle and envelopes --------------------------------------------------------


def test_urls_and_lifecycle() -> None:
    emu = SlackEmulator()
    with pytest.raises(RuntimeError):
        _ = emu.api_url
    emu.start()
    emu.start()  # idempotent
    try:
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.api_url == emu.base_url + "/api/"
        assert emu.response_url("k1") == emu.base_url + "/response/k1"
    finally:
        emu.stop()
        emu.stop()


def test_auth_test_with_bot_token(client: WebClient) -> None:
    data = client.auth_test().data
    assert data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "mingle",
        "team_id": "T0001",
        "user_id": "UBOT",
        "bot_id": "B0001",
        "is_enterprise_install": False,
    }


def test_auth_errors(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emu.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert missing.value.response.status_code == 200
    with pytest.raises(SlackApiError) as wrong:
        WebClient(base_url=emu.api_url, token="xoxb-wrong").auth_test()
    assert wrong.value.response["error"] == "invalid_auth"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("nothing.here")
    assert err.value.response["error"] == "unknown_method"


def test_token_in_form_body_and_get_query_string(emu: SlackEmulator) -> None:
    status, body = raw_post(
        emu.api_url + "users.info",
        b"token=xoxb-test-token&user=U1",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200 and body["user"]["name"] == "alice"
    url = emu.api_url + "users.info?token=xoxb-test-token&user=U2"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert json.loads(response.read())["user"]["name"] == "bob"


def test_json_body_with_bearer_header(emu: SlackEmulator) -> None:
    status, body = raw_post(
        emu.api_url + "chat.postMessage",
        json.dumps({"channel": "C1", "text": "json hello"}).encode(),
        {"Content-Type": "application/json", "Authorization": "Bearer xoxb-test-token"},
    )
    assert body["ok"] is True
    assert emu.messages("C1")[-1]["text"] == "json hello"


def test_calls_are_recorded(emu: SlackEmulator, client: WebClient) -> None:
    client.users_info(user="U1")
    with pytest.raises(SlackApiError):
        client.users_info(user="UNOPE")
    calls = emu.calls_to("users.info")
    assert [c.args["user"] for c in calls] == ["U1", "UNOPE"]
    assert calls[0].ok and calls[0].token == "xoxb-test-token" and calls[0].status == 200
    assert calls[1].error == "user_not_found"
    assert calls[0].at <= calls[1].at
    emu.clear_calls()
    assert emu.calls == []


# -- users --------------------------------------------------------------------------


def test_users_info_shape(client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert user["id"] == "U1" and user["team_id"] == "T0001"
    assert user["name"] == "alice" and user["real_name"] == "Alice Liddell"
    assert user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in (3600, 7200)
    assert user["tz_label"] in ("Central European Time", "Central European Summer Time")
    assert user["deleted"] is False and user["is_bot"] is False
    assert user["is_admin"] is False and user["is_owner"] is False
    profile = user["profile"]
    assert profile["real_name"] == "Alice Liddell"
    assert profile["display_name"] == "alice"
    assert profile["title"] == "Engineer"
    assert profile["email"] == "alice@acme.example"
    assert profile["image_72"].startswith("https://")


def test_users_info_errors_and_flags(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UMISSING")
    assert err.value.response["error"] == "user_not_found"
    assert client.users_info(user="UGONE")["user"]["deleted"] is True
    assert client.users_info(user="U4")["user"]["is_admin"] is True
    bot = client.users_info(user="UBOT")["user"]
    assert bot["is_bot"] is True and bot["profile"]["bot_id"] == "B0001"


def test_update_user_changes_rendering(emu: SlackEmulator, client: WebClient) -> None:
    emu.update_user("U2", tz="Asia/Singapore", deleted=True)
    user = client.users_info(user="U2")["user"]
    assert (user["tz"], user["tz_offset"], user["deleted"]) == ("Asia/Singapore", 28800, True)
    with pytest.raises(AttributeError):
        emu.update_user("U2", nonsense=1)


def test_users_list_cursor_pagination(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(7):
        emu.add_user(f"UX{i}", name=f"extra{i}")
    first = client.users_list(limit=5)
    assert len(first["members"]) == 5
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    seen = [m["id"] for m in first["members"]]
    while cursor:
        page = client.users_list(limit=5, cursor=cursor)
        seen += [m["id"] for m in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
    # The bot, Slackbot, six fixture users and seven extras, each exactly once.
    assert len(seen) == len(set(seen)) == 15
    assert "USLACKBOT" in seen and "UBOT" in seen
    everyone = client.users_list()
    assert len(everyone["members"]) == 15
    assert everyone["response_metadata"]["next_cursor"] == ""


def test_slack_sdk_iterates_pages(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(10):
        emu.add_user(f"UP{i}", name=f"p{i}")
        emu.add_channel_member("C1", f"UP{i}")
    members: list[str] = []
    for page in client.conversations_members(channel="C1", limit=3):
        members += page["members"]
    assert members == emu.channel_members("C1")
    assert len(members) == 14  # 3 people + bot + 10


def test_invalid_cursor(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.users_list(cursor="not-a-cursor")
    assert err.value.response["error"] == "invalid_cursor"


def test_users_lookup_by_email(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="ALICE@acme.example")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as err:
        client.users_lookupByEmail(email="nobody@acme.example")
    assert err.value.response["error"] == "users_not_found"


# -- conversations ------------------------------------------------------------------


def test_conversations_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert channel["id"] == "C1" and channel["name"] == "coffee"
    assert channel["is_channel"] is True and channel["is_private"] is False
    assert channel["is_member"] is True and channel["num_members"] == 4
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is False
    for missing in ("CNOPE", "G1"):  # the bot cannot see a private channel it is not in
        with pytest.raises(SlackApiError) as err:
            client.conversations_info(channel=missing)
        assert err.value.response["error"] == "channel_not_found"


def test_conversations_members(emu: SlackEmulator, client: WebClient) -> None:
    page = client.conversations_members(channel="C1")
    assert page["members"] == ["U1", "U2", "U3", "UBOT"]
    assert page["response_metadata"]["next_cursor"] == ""
    emu.add_channel_member("C1", "U4")
    emu.remove_channel_member("C1", "U2")
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U3", "UBOT", "U4"]
    with pytest.raises(SlackApiError) as err:
        client.conversations_members(channel="CNOPE")
    assert err.value.response["error"] == "channel_not_found"


def test_conversations_join_and_list(emu: SlackEmulator, client: WebClient) -> None:
    joined = client.conversations_join(channel="C2")
    assert joined["channel"]["is_member"] is True
    assert "UBOT" in emu.channel_members("C2")
    assert client.conversations_join(channel="C2")["warning"] == "already_in_channel"
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["coffee", "lobby", "old"]
    active = client.conversations_list(exclude_archived=True)["channels"]
    assert "old" not in [c["name"] for c in active]
    mine = client.users_conversations()["channels"]
    assert [c["id"] for c in mine] == ["C1", "C2", "C3"]


def test_conversations_open_im_is_stable(emu: SlackEmulator, client: WebClient) -> None:
    first = client.conversations_open(users="U1")
    channel_id = first["channel"]["id"]
    assert channel_id.startswith("D")
    assert "already_open" not in first.data
    again = client.conversations_open(users=["U1"])
    assert again["channel"]["id"] == channel_id and again["already_open"] is True
    full = client.conversations_open(users="U1", return_im=True)["channel"]
    assert full["is_im"] is True and full["user"] == "U1"
    assert client.conversations_members(channel=channel_id)["members"] == ["UBOT", "U1"]
    assert emu.dm_channel("U1") == channel_id


def test_conversations_open_mpim_is_stable_regardless_of_order(client: WebClient) -> None:
    a = client.conversations_open(users="U1,U2,U3")["channel"]["id"]
    b = client.conversations_open(users="U3,U1,U2")["channel"]["id"]
    c = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert a == b and a != c
    info = client.conversations_info(channel=a)["channel"]
    assert info["is_mpim"] is True and info["is_private"] is True
    assert set(client.conversations_members(channel=a)["members"]) == {"UBOT", "U1", "U2", "U3"}


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ("U1,U2,U3,U4,U5,U6,U7,U8,U9", "too_many_users"),
        ("UNOPE", "user_not_found"),
        ("UGONE", "user_disabled"),
        ("UOTHERBOT", "cannot_dm_bot"),
    ],
)
def test_conversations_open_errors(
    emu: SlackEmulator, client: WebClient, users: str, error: str
) -> None:
    for i in range(5, 10):
        emu.add_user(f"U{i}", name=f"user{i}")
    with pytest.raises(SlackApiError) as err:
        client.conversations_open(users=users)
    assert err.value.response["error"] == error


def test_eight_others_is_allowed(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(5, 9):
        emu.add_user(f"U{i}", name=f"user{i}")
    response = client.conversations_open(users="U1,U2,U3,U4,U5,U6,U7,U8")
    assert response["channel"]["id"].startswith("G")


def test_user_token_acts_as_the_user(emu: SlackEmulator) -> None:
    alice = WebClient(base_url=emu.api_url, token=emu.user_token("U1"))
    assert alice.auth_test()["user_id"] == "U1"
    assert "bot_id" not in alice.auth_test().data
    # Alice can read the private channel she is in; the bot cannot.
    assert alice.conversations_info(channel="G1")["channel"]["is_member"] is True
    im = alice.conversations_open(users="U2")["channel"]["id"]
    assert set(emu.channel_members(im)) == {"U1", "U2"}
    emu.update_user("U1", deleted=True)
    with pytest.raises(SlackApiError) as err:
        alice.auth_test()
    assert err.value.response["error"] == "account_inactive"


def test_start_on_a_given_port() -> None:
    probe = SlackEmulator()
    probe.start()
    port = int(probe.base_url.rsplit(":", 1)[1])
    probe.stop()  # frees the port for the real one
    emu = SlackEmulator()
    emu.start(port=port)
    try:
        assert emu.base_url == f"http://127.0.0.1:{port}"
        assert WebClient(base_url=emu.api_url, token=emu.bot_token).auth_test()["ok"]
    finally:
        emu.stop()


def test_emulator_bug_answers_500_and_is_reported(
    emu: SlackEmulator, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.testing import api

    def broken(ws: object, req: object) -> dict[str, Any]:
        raise KeyError("boom")

    monkeypatch.setitem(api.REGISTRY, "team.info", broken)
    with pytest.raises(SlackApiError) as err:
        client.team_info()
    assert err.value.response.status_code == 500
    assert emu.internal_errors == ["team.info: KeyError('boom')"]
    assert client.auth_test()["ok"] is True  # still serving
