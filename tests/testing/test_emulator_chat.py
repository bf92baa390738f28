"""Messages: posting, threads, metadata, history, edits, deletes, ephemerals, reactions."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.emulator import SlackEmulator
from bot.testing.state import ts_key
from tests.conftest import run_at_once

SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


def test_post_message_response_and_storage(emu: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postMessage(channel="C1", text="hello", blocks=SECTION)
    assert response["channel"] == "C1"
    message = response["message"]
    assert message["ts"] == response["ts"]
    assert message["text"] == "hello" and message["user"] == "UBOT"
    assert message["bot_id"] == "B0001" and message["type"] == "message"
    assert message["blocks"][0]["text"]["text"] == "*hi*"
    assert message["blocks"][0]["block_id"]  # Slack assigns one when missing
    stored = emu.messages("C1")
    assert len(stored) == 1
    assert stored[0]["ts"] == response["ts"] and stored[0]["channel"] == "C1"
    assert stored[0]["has_text_fallback"] is True


def test_text_fallback_is_recorded(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.warns(UserWarning):  # slack_sdk itself warns about the missing text
        client.chat_postMessage(channel="C1", blocks=SECTION)
    assert emu.messages("C1")[0]["has_text_fallback"] is False


def test_ts_strictly_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(20)]
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    assert [ts_key(t) for t in stamps] == sorted({ts_key(t) for t in stamps})


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "CNOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "C2", "text": "x"}, "not_in_channel"),
        ({"channel": "G1", "text": "x"}, "channel_not_found"),
        ({"channel": "C3", "text": "x"}, "is_archived"),
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
        (
            {"channel": "C1", "text": "x", "metadata": {"event_type": "only_type"}},
            "invalid_metadata_schema",
        ),
    ],
)
def test_post_message_errors(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessage", json=kwargs)  # no client-side text warning
    assert err.value.response["error"] == error


def test_post_to_user_id_opens_the_im(emu: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postMessage(channel="U2", text="psst")
    im = response["channel"]
    assert im.startswith("D")
    assert client.conversations_open(users="U2")["channel"]["id"] == im
    assert emu.messages(im)[0]["text"] == "psst"


def test_post_by_channel_name(emu: SlackEmulator, client: WebClient) -> None:
    assert client.chat_postMessage(channel="#coffee", text="by name")["channel"] == "C1"


def test_threads_reply_counts_and_replies(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="What did you learn?")["ts"]
    alice = WebClient(base_url=emu.api_url, token=emu.user_token("U1"))
    bob = WebClient(base_url=emu.api_url, token=emu.user_token("U2"))
    r1 = alice.chat_postMessage(channel="C1", thread_ts=parent, text="answer one")["ts"]
    bob.chat_postMessage(channel="C1", thread_ts=parent, text="answer two")
    alice.chat_postMessage(channel="C1", thread_ts=r1, text="reply to a reply goes to parent")

    history = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in history] == [parent]  # replies stay in the thread
    top = history[0]
    assert top["reply_count"] == 3 and top["reply_users"] == ["U1", "U2"]
    assert top["reply_users_count"] == 2 and top["thread_ts"] == parent

    thread = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["text"] for m in thread] == [
        "What did you learn?",
        "answer one",
        "answer two",
        "reply to a reply goes to parent",
    ]
    assert all(m["thread_ts"] == parent for m in thread)
    assert thread[1]["parent_user_id"] == "UBOT"
    assert len(emu.messages("C1")) == 4
    assert len(emu.messages("C1", include_replies=False)) == 1
    with pytest.raises(SlackApiError) as err:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert err.value.response["error"] == "thread_not_found"


def test_replies_pagination(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    for i in range(7):
        emu.post_message("C1", "U1", f"r{i}", thread_ts=parent)
    texts: list[str] = []
    for page in client.conversations_replies(channel="C1", ts=parent, limit=3):
        texts += [m["text"] for m in page["messages"]]
    assert texts == ["parent"] + [f"r{i}" for i in range(7)]


def test_metadata_round_trip_needs_include_all_metadata(client: WebClient) -> None:
    metadata = {"event_type": "mingle_outbox", "event_payload": {"key": "round-1:match-2"}}
    posted = client.chat_postMessage(channel="C1", text="hi", metadata=metadata)
    assert posted["message"]["metadata"] == metadata
    plain = client.conversations_history(channel="C1")["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"][0]
    assert full["metadata"] == metadata
    thread = client.conversations_replies(channel="C1", ts=posted["ts"], include_all_metadata=True)
    assert thread["messages"][0]["metadata"] == metadata


def test_metadata_sent_form_encoded(emu: SlackEmulator, client: WebClient) -> None:
    # api_call with params= sends a form body, as some slack_sdk methods do.
    client.api_call(
        "chat.postMessage",
        params={
            "channel": "C1",
            "text": "form",
            "metadata": '{"event_type": "e", "event_payload": {"n": 1}}',
            "blocks": '[{"type": "divider"}]',
        },
    )
    stored = emu.messages("C1")[0]
    assert stored["metadata"] == {"event_type": "e", "event_payload": {"n": 1}}
    assert stored["blocks"][0]["type"] == "divider"
    assert emu.calls_to("chat.postMessage")[0].args["metadata"]["event_type"] == "e"


def test_history_order_limits_cursor_and_bounds(emu: SlackEmulator, client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(10)]
    first = client.conversations_history(channel="C1", limit=4)
    assert [m["text"] for m in first["messages"]] == ["m9", "m8", "m7", "m6"]
    assert first["has_more"] is True
    texts: list[str] = []
    for page in client.conversations_history(channel="C1", limit=4):
        texts += [m["text"] for m in page["messages"]]
    assert texts == [f"m{i}" for i in reversed(range(10))]
    window = client.conversations_history(channel="C1", oldest=stamps[2], latest=stamps[5])
    assert [m["text"] for m in window["messages"]] == ["m4", "m3"]
    inclusive = client.conversations_history(
        channel="C1", oldest=stamps[2], latest=stamps[5], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m5", "m4", "m3", "m2"]
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="C2")
    assert err.value.response["error"] == "not_in_channel"


def test_post_message_backdated_history(emu: SlackEmulator, client: WebClient) -> None:
    emu.post_message("C1", "U1", "old", ts="1600000000.000100")
    new = client.chat_postMessage(channel="C1", text="new")["ts"]
    assert ts_key(new) > ts_key("1600000000.000100")
    texts = [m["text"] for m in client.conversations_history(channel="C1")["messages"]]
    assert texts == ["new", "old"]


def test_update_and_errors(emu: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="v1", blocks=SECTION)["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="v2")
    assert updated["text"] == "v2" and updated["ts"] == ts
    assert updated["message"]["edited"]["user"] == "UBOT"
    stored = emu.messages("C1")[0]
    assert stored["text"] == "v2" and stored["blocks"]  # blocks kept when omitted
    client.chat_update(channel="C1", ts=ts, text="v3", blocks=[])
    assert "blocks" not in emu.messages("C1")[0]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts="1.000002", text="x")
    assert err.value.response["error"] == "message_not_found"
    human = emu.post_message("C1", "U1", "mine")
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts=human["ts"], text="edit")
    assert err.value.response["error"] == "cant_update_message"


def test_delete(emu: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="bye")["ts"]
    assert client.chat_delete(channel="C1", ts=ts)["ts"] == ts
    assert emu.messages("C1") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_delete(channel="C1", ts=ts)
    assert err.value.response["error"] == "message_not_found"
    human = emu.post_message("C1", "U1", "mine")
    with pytest.raises(SlackApiError) as err:
        client.chat_delete(channel="C1", ts=human["ts"])
    assert err.value.response["error"] == "cant_delete_message"


def test_deleting_a_reply_updates_parent(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="p")["ts"]
    reply = client.chat_postMessage(channel="C1", text="r", thread_ts=parent)["ts"]
    assert emu.messages("C1")[0]["reply_count"] == 1
    client.chat_delete(channel="C1", ts=reply)
    assert "reply_count" not in emu.messages("C1")[0]


def test_permalink(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="link me")["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"
    reply = client.chat_postMessage(channel="C1", text="r", thread_ts=ts)["ts"]
    reply_link = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert reply_link.endswith(f"?thread_ts={ts}&cid=C1")
    with pytest.raises(SlackApiError) as err:
        client.chat_getPermalink(channel="C1", message_ts="1.000003")
    assert err.value.response["error"] == "message_not_found"


def test_post_ephemeral(emu: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U2", text="only you")
    assert response["message_ts"]
    assert emu.messages("C1") == []
    [record] = emu.ephemerals("C1", user="U2")
    assert record["text"] == "only you" and record["message_ts"] == response["message_ts"]
    assert emu.ephemerals(user="U1") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_postEphemeral(channel="C1", user="U4", text="x")
    assert err.value.response["error"] == "user_not_in_channel"


def test_reactions(emu: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="react")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name=":tada:")
    alice = WebClient(base_url=emu.api_url, token=emu.user_token("U1"))
    alice.reactions_add(channel="C1", timestamp=ts, name="tada")
    assert emu.messages("C1")[0]["reactions"] == [
        {"name": "tada", "users": ["UBOT", "U1"], "count": 2}
    ]
    with pytest.raises(SlackApiError) as err:
        client.reactions_add(channel="C1", timestamp=ts, name="tada")
    assert err.value.response["error"] == "already_reacted"
    client.reactions_remove(channel="C1", timestamp=ts, name="tada")
    assert emu.messages("C1")[0]["reactions"][0]["users"] == ["U1"]


def test_concurrent_posts_are_safe(emu: SlackEmulator) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        client = WebClient(base_url=emu.api_url, token="xoxb-test-token", timeout=5)
        try:
            for i in range(15):
                client.chat_postMessage(channel="C1", text=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    run_at_once([partial(worker, n) for n in range(6)], timeout=10)
    assert errors == []
    stored = emu.messages("C1")
    assert len(stored) == 90
    stamps = [m["ts"] for m in stored]
    assert len(set(stamps)) == 90 and stamps == sorted(stamps, key=ts_key)
