"""File uploads, failure injection, rate limits, wait_for and the sample workspace."""

from __future__ import annotations

import threading
import urllib.request
import uuid
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.testing.emulator import SlackEmulator
from bot.testing.ratelimit import RateLimiter
from bot.testing.sample import COFFEE_CHANNEL, SHARE_CHANNEL, TIMEZONES, build_sample_workspace

XLSX_MAGIC = b"PK\x03\x04" + bytes(range(256)) * 4

# -- files ---------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(emu: SlackEmulator, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C1",
        content=XLSX_MAGIC,
        filename="participation.xlsx",
        title="Participation report",
        initial_comment="Here is this month's report",
    )
    file_id = response["file"]["id"]
    assert response["files"][0]["title"] == "Participation report"
    [stored] = emu.files("C1")
    assert stored["id"] == file_id and stored["content"] == XLSX_MAGIC
    assert stored["filename"] == "participation.xlsx" and stored["channels"] == ["C1"]
    assert stored["initial_comment"] == "Here is this month's report"
    [message] = emu.messages("C1")
    assert message["text"] == "Here is this month's report"
    assert message["files"][0]["id"] == file_id
    assert message["files"][0]["mimetype"].startswith("application/")
    methods = [c.method for c in emu.calls]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert emu.calls[0].args["length"] == str(len(XLSX_MAGIC))
    info = client.files_info(file=file_id)["file"]
    assert info["size"] == len(XLSX_MAGIC) and "C1" in info["shares"]["public"]


def test_files_upload_v2_from_path_into_a_thread(
    emu: SlackEmulator, client: WebClient, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("thread notes")
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.files_upload_v2(channel="C1", file=str(path), thread_ts=parent)
    [stored] = emu.files()
    assert stored["content"] == b"thread notes" and stored["title"] == "notes.txt"
    thread = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert thread[1]["files"][0]["name"] == "notes.txt"


def test_files_upload_multiple_files(emu: SlackEmulator, client: WebClient) -> None:
    client.files_upload_v2(
        channel="C1",
        file_uploads=[
            {"content": "a", "filename": "a.txt", "title": "A"},
            {"content": "bb", "filename": "b.csv", "title": "B"},
        ],
    )
    files = emu.files("C1")
    assert [(f["title"], f["content"]) for f in files] == [("A", b"a"), ("B", b"bb")]
    assert len(emu.messages("C1")) == 1 and len(emu.messages("C1")[0]["files"]) == 2


def test_upload_url_accepts_multipart(emu: SlackEmulator, client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="m.bin", length=5)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\x00\x01\x02\x03\x04"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        ticket["upload_url"],
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200 and response.read() == b"OK - 5"
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C1")
    assert emu.files("C1")[0]["content"] == b"\x00\x01\x02\x03\x04"


def test_files_complete_errors(client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="x.txt", length=1)
    with pytest.raises(SlackApiError) as err:  # bytes never uploaded
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C1")
    assert err.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as err:
        client.files_upload_v2(channel="CNOPE", content="x", filename="x.txt")
    assert err.value.response["error"] == "channel_not_found"


# -- forced failures -----------------------------------------------------------------


def test_fail_next_ratelimited_answers_429(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    response = err.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "7"
    assert emu.calls[-1].status == 429
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_fail_next_error_code_times(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("users.info", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="U1")
        assert err.value.response["error"] == "fatal_error"
        assert err.value.response.status_code == 200
    assert client.users_info(user="U1")["ok"] is True


def test_retry_handler_retries_through_429(emu: SlackEmulator) -> None:
    client = WebClient(
        base_url=emu.api_url,
        token="xoxb-test-token",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    emu.fail_next("chat.postMessage", retry_after=0, times=2)
    assert client.chat_postMessage(channel="C1", text="eventually")["ok"] is True
    statuses = [c.status for c in emu.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 200]
    assert len(emu.messages("C1")) == 1


# -- rate limits ---------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_tiers_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.configure(True)
    assert all(limiter.check("users.list") is None for _ in range(20))  # Tier 2
    assert limiter.check("users.list") == 60
    clock.now += 30
    assert limiter.check("users.list") == 30
    clock.now += 30
    assert limiter.check("users.list") is None
    assert all(limiter.check("conversations.open") is None for _ in range(50))  # Tier 3
    assert limiter.check("conversations.open") is not None
    limiter.configure(True, overrides={"team.info": 1})
    assert limiter.check("team.info") is None and limiter.check("team.info") == 60


def test_limiter_post_message_per_channel_with_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.configure(True)
    assert [limiter.check("chat.postMessage", "C1") for _ in range(3)] == [None] * 3
    assert limiter.check("chat.postMessage", "C1") == 1
    assert limiter.check("chat.postMessage", "C2") is None  # other channels unaffected
    clock.now += 1.0
    assert limiter.check("chat.postMessage", "C1") is None
    # A steady one per second is always fine.
    for _ in range(10):
        clock.now += 1.0
        assert limiter.check("chat.postMessage", "C1") is None


def test_limiter_scale_and_disabled() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    assert all(limiter.check("users.list") is None for _ in range(100))  # disabled
    limiter.configure(True, scale=60)
    for _ in range(20):
        assert limiter.check("users.list") is None
    assert limiter.check("users.list") == 1  # never below one second
    clock.now += 1.0
    assert limiter.check("users.list") is None


def test_rate_limits_enforced_over_http(emu: SlackEmulator, client: WebClient) -> None:
    emu.set_rate_limits(True, scale=60)
    for _ in range(3):
        client.chat_postMessage(channel="C1", text="burst")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="too fast")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel="U2", text="another channel is fine")

    def post_succeeds() -> bool:
        try:
            return bool(client.chat_postMessage(channel="C1", text="later")["ok"])
        except SlackApiError:
            return False

    assert emu.wait_for(post_succeeds, timeout=3)
    emu.set_rate_limits(False)
    for _ in range(10):
        client.chat_postMessage(channel="C1", text="unlimited")


# -- wait_for ------------------------------------------------------------------------


def test_wait_for_wakes_on_changes(emu: SlackEmulator, client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="late"))
    timer.start()
    try:
        messages = emu.wait_for(lambda: emu.messages("C1"), timeout=3)
    finally:
        timer.join()
    assert messages[0]["text"] == "late"


def test_wait_for_times_out_with_context(emu: SlackEmulator, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError) as err:
        emu.wait_for(lambda: emu.messages("C2"), timeout=0.1, message="a message in #lobby")
    text = str(err.value)
    assert "a message in #lobby" in text and "auth.test->ok" in text and "[]" in text


# -- sample workspace ----------------------------------------------------------------


def test_sample_workspace(emu: SlackEmulator, client: WebClient) -> None:
    sample = build_sample_workspace(emu, seed=7)
    assert 28 <= len(sample.people) <= 32
    assert len(set(sample.teams.values())) == 6
    assert set(sample.timezones.values()) == set(TIMEZONES)
    for team in set(sample.teams.values()):
        zones = {sample.timezones[u] for u, t in sample.teams.items() if t == team}
        assert len(zones) >= 2
    assert all(3 <= len(i) <= 6 for i in sample.interests.values())
    owner = client.users_info(user=sample.owner_id)["user"]
    admin = client.users_info(user=sample.admin_id)["user"]
    assert owner["is_owner"] and owner["is_admin"] and admin["is_admin"] and not admin["is_owner"]
    person = sample.person(sample.user_ids[5])
    user = client.users_info(user=person.user_id)["user"]
    assert user["profile"]["title"] == person.title and user["tz"] == person.tz
    assert user["profile"]["display_name"] == person.display_name
    coffee = client.conversations_info(channel=COFFEE_CHANNEL)["channel"]
    assert coffee["name"] == "coffee-chats" and coffee["is_member"] is True
    members = client.conversations_members(channel=COFFEE_CHANNEL)["members"]
    assert "UBOT" in members and len(members) - 1 >= len(sample.people) * 3 // 4
    assert client.conversations_info(channel=SHARE_CHANNEL)["channel"]["name"] == "til-and-answers"


def test_sample_workspace_is_deterministic() -> None:
    a, b, c = SlackEmulator(), SlackEmulator(), SlackEmulator()
    first = build_sample_workspace(a, seed=7)
    assert first == build_sample_workspace(b, seed=7)
    assert first != build_sample_workspace(c, seed=8)
