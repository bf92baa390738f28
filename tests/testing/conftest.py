"""Fixtures: a running emulator with a tiny workspace, and real WebClients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.testing.emulator import SlackEmulator

BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(team_id="T0001", team_name="Acme", bot_token=BOT_TOKEN) as emulator:
        emulator.add_user(
            "U1",
            name="alice",
            real_name="Alice Liddell",
            tz="Europe/Berlin",
            title="Engineer",
            email="alice@acme.example",
        )
        emulator.add_user("U2", name="bob", real_name="Bob Builder", tz="America/New_York")
        emulator.add_user("U3", name="carol", real_name="Carol Danvers", tz="Asia/Kolkata")
        emulator.add_user("U4", name="dave", real_name="Dave Grohl", is_admin=True)
        emulator.add_user("UGONE", name="gone", real_name="Gone Person", deleted=True)
        emulator.add_user("UOTHERBOT", name="otherbot", is_bot=True)
        emulator.add_channel("C1", name="coffee", members=["U1", "U2", "U3"])
        emulator.add_channel("C2", name="lobby", members=["U1"], bot_is_member=False)
        emulator.add_channel(
            "G1", name="secret", members=["U1"], is_private=True, bot_is_member=False
        )
        emulator.add_channel("C3", name="old", members=["U1"], is_archived=True)
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=BOT_TOKEN, timeout=5)
