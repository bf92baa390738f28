"""The emulator's Socket Mode endpoint, driven by a plain websocket client (websocket-client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.emulator import SlackEmulator


@pytest.fixture
def app_client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=emu.app_token, timeout=5)


@pytest.fixture
def link(emu: SlackEmulator, app_client: WebClient) -> Iterator[websocket.WebSocket]:
    url = app_client.apps_connections_open(app_token=emu.app_token)["url"]
    ws = websocket.create_connection(url, timeout=5)
    yield ws
    ws.close()
    ws.shutdown()  # close() leaves the socket open when the server already closed


def receive(ws: websocket.WebSocket) -> dict[str, Any]:
    return dict(json.loads(ws.recv()))


def test_connections_open_wants_the_app_token(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.apps_connections_open(app_token=emu.bot_token)
    assert error.value.response["error"] == "not_allowed_token_type"
    app = WebClient(base_url=emu.api_url, token=emu.app_token)
    with pytest.raises(SlackApiError) as error:
        app.chat_postMessage(channel="C1", text="hi")
    assert error.value.response["error"] == "not_allowed_token_type"


def test_hello_then_envelopes_and_acks(emu: SlackEmulator, link: websocket.WebSocket) -> None:
    hello = receive(link)
    assert hello["type"] == "hello"
    assert hello["connection_info"] == {"app_id": emu.app_id}
    emu.wait_for(lambda: emu.socket_mode.connected)

    envelope_id = emu.socket_mode.slash_command("U1", "help", "http://x/response/1")
    envelope = receive(link)
    assert envelope["envelope_id"] == envelope_id
    assert envelope["type"] == "slash_commands"
    assert envelope["accepts_response_payload"] is True
    assert envelope["payload"]["command"] == "/mingle"

    link.send(json.dumps({"envelope_id": envelope_id, "payload": {"text": "ok"}}))
    acks = emu.wait_for(lambda: emu.socket_mode.acks(envelope_id))
    assert acks[0].payload == {"text": "ok"}

    event_id = emu.socket_mode.push("events_api", {"type": "event_callback", "event": {}})
    assert receive(link)["accepts_response_payload"] is False
    link.send(json.dumps({"envelope_id": event_id}))
    assert emu.wait_for(lambda: emu.socket_mode.acks(event_id))[0].payload is None


def test_a_ticket_is_good_for_one_connection(emu: SlackEmulator, app_client: WebClient) -> None:
    url = app_client.apps_connections_open(app_token=emu.app_token)["url"]
    first = websocket.create_connection(url, timeout=5)
    assert receive(first)["type"] == "hello"
    second = websocket.create_connection(url, timeout=5)
    try:
        opcode, frame = second.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(frame.data[:2], "big") == 1008
        assert emu.socket_mode.stats.refused_tickets == 1
    finally:
        for ws in (first, second):
            ws.close()
            ws.shutdown()


def test_disconnect_message(emu: SlackEmulator, link: websocket.WebSocket) -> None:
    receive(link)
    emu.socket_mode.disconnect()
    assert receive(link) == {
        "type": "disconnect",
        "reason": "refresh_requested",
        "debug_info": {"host": "emulator"},
    }


def test_close_sends_a_close_frame(emu: SlackEmulator, link: websocket.WebSocket) -> None:
    receive(link)
    emu.socket_mode.close(code=1001)
    opcode, frame = link.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(frame.data[:2], "big") == 1001
    emu.wait_for(lambda: not emu.socket_mode.connected)


@pytest.mark.parametrize("how", ["reset", "fin"])
def test_drop_ends_the_stream_without_a_close_frame(
    emu: SlackEmulator, link: websocket.WebSocket, how: str
) -> None:
    receive(link)
    emu.socket_mode.drop(how)  # type: ignore[arg-type]
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        link.recv_data_frame(control_frame=True)
    emu.wait_for(lambda: not emu.socket_mode.connected)


def test_stopped_endpoint_refuses_then_comes_back_on_the_same_port(
    emu: SlackEmulator, app_client: WebClient
) -> None:
    url = app_client.apps_connections_open(app_token=emu.app_token)["url"]
    port = emu.socket_mode.port
    emu.socket_mode.stop()
    with pytest.raises(ConnectionRefusedError):
        websocket.create_connection(url, timeout=2)
    emu.socket_mode.start()
    assert emu.socket_mode.port == port
    again = app_client.apps_connections_open(app_token=emu.app_token)["url"]
    ws = websocket.create_connection(again, timeout=5)
    assert receive(ws)["type"] == "hello"
    ws.close()
