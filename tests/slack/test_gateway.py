"""The gateway is the one place that knows Slack's errors: against the emulator, each kind of
failure comes out as a `bot.errors.SlackError` subclass, and the gateway's calls do what
services rely on (conversation info, permalinks, updates, thread ephemerals, DM uploads)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.errors import (
    NotFoundError,
    SlackAuthError,
    SlackError,
    SlackNotInChannel,
    SlackPermanentError,
    SlackRateLimited,
    SlackTransientError,
    SlackUserGone,
)
from bot.slack.gateway import SlackGateway
from bot.testing.emulator import SlackEmulator

TOKEN = "xoxb-gateway-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(team_id="T0001", team_name="Acme", bot_token=TOKEN) as emulator:
        emulator.add_user("U1", name="alice", real_name="Alice Liddell", tz="Europe/Berlin")
        emulator.add_user("U2", name="bob", real_name="Bob Builder", tz="America/New_York")
        emulator.add_channel("C1", name="coffee", members=["U1", "U2"])
        emulator.add_channel("C2", name="lobby", members=["U1"], bot_is_member=False)
        yield emulator


@pytest.fixture
def slack(emu: SlackEmulator) -> SlackGateway:
    # No retry handlers: each failure reaches the gateway as Slack sent it.
    return SlackGateway(WebClient(base_url=emu.api_url, token=TOKEN, timeout=5, retry_handlers=[]))


def test_an_unknown_person_is_gone_and_not_found(slack: SlackGateway) -> None:
    with pytest.raises(SlackUserGone, match="can't find that person") as err:
        slack.user("UNOBODY")
    assert isinstance(err.value, NotFoundError)
    assert err.value.code == "user_not_found"
    assert err.value.method == "users.info"
    assert slack.user_timezone("UNOBODY") == "UTC"
    assert slack.user_label("UNOBODY", "someone") == "someone"
    assert slack.user_timezone("U1") == "Europe/Berlin"
    assert slack.user_label("U2") == "bob"  # the display name


def test_a_channel_mingle_is_not_in(emu: SlackEmulator, slack: SlackGateway) -> None:
    emu.fail_next("conversations.info", error="channel_not_found")
    with pytest.raises(SlackNotInChannel):
        slack.conversation("C1")
    with pytest.raises(SlackNotInChannel, match="invite me"):
        slack.channel_members("CNOWHERE")
    assert slack.conversation("C1")["name"] == "coffee"


@pytest.mark.parametrize(
    ("error", "uncertain"),
    [("internal_error", True), ("fatal_error", True), ("request_timeout", False)],
)
def test_slack_failing_is_transient(
    emu: SlackEmulator, slack: SlackGateway, error: str, uncertain: bool
) -> None:
    emu.fail_next("chat.postMessage", error=error)
    with pytest.raises(SlackTransientError) as err:
        slack.post_message("C1", "hello", [])
    assert (err.value.code, err.value.uncertain) == (error, uncertain)
    assert not isinstance(err.value, SlackPermanentError)


def test_a_429_is_rate_limited_with_its_retry_after(
    emu: SlackEmulator, slack: SlackGateway
) -> None:
    emu.fail_next("users.info", error="ratelimited", retry_after=7)
    with pytest.raises(SlackRateLimited) as err:
        slack.user("U1")
    assert err.value.retry_after == 7
    assert isinstance(err.value, SlackTransientError) and not err.value.uncertain


def test_refusals_are_permanent(emu: SlackEmulator, slack: SlackGateway) -> None:
    emu.fail_next("auth.test", error="invalid_auth")
    with pytest.raises(SlackAuthError):
        slack.auth_test()
    emu.fail_next("chat.postMessage", error="is_archived")
    with pytest.raises(SlackPermanentError) as err:
        slack.post_message("C1", "hello", [])
    assert type(err.value) is SlackPermanentError
    assert err.value.code == "is_archived"


def test_a_dropped_connection_is_transient() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WebClient(base_url=f"http://127.0.0.1:{port}/api/", token=TOKEN, retry_handlers=[])
    slack = SlackGateway(client)
    with pytest.raises(SlackTransientError) as err:
        slack.permalink("C1", "1.000001")
    assert err.value.uncertain
    assert slack.user_timezone("U1", default="Asia/Tokyo") == "Asia/Tokyo"


def test_messages_links_and_uploads(
    emu: SlackEmulator, slack: SlackGateway, tmp_path: Path
) -> None:
    ts = str(slack.post_message("C1", "first", [])["ts"])
    assert slack.permalink("C1", ts).startswith("http")
    slack.update_message("C1", ts, "edited")
    assert [m["text"] for m in emu.messages("C1")] == ["edited"]
    slack.post_ephemeral("C1", "U2", "only you", thread_ts=ts)
    [note] = emu.ephemerals("C1", user="U2")
    assert note["text"] == "only you"
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"figures")
    slack.upload_to_dm("U1", str(report), filename="report.xlsx", title="Report", comment="Hi")
    dm = emu.dm_channel("U1")
    assert dm is not None
    [uploaded] = emu.files(dm)
    assert (uploaded["filename"], uploaded["content"]) == ("report.xlsx", b"figures")
    with pytest.raises(SlackError):
        slack.update_message("C1", "9.999999", "missing")
