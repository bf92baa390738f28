"""Fixtures: the shared emulator with a tiny workspace, and real WebClients pointed at it."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.testing.emulator import SlackEmulator

BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    emu.add_user(
        "U1",
        name="alice",
        real_name="Alice Liddell",
        tz="Europe/Berlin",
        title="Engineer",
        email="alice@acme.example",
    )
    emu.add_user("U2", name="bob", real_name="Bob Builder", tz="America/New_York")
    emu.add_user("U3", name="carol", real_name="Carol Danvers", tz="Asia/Kolkata")
    emu.add_user("U4", name="dave", real_name="Dave Grohl", is_admin=True)
    emu.add_user("UGONE", name="gone", real_name="Gone Person", deleted=True)
    emu.add_user("UOTHERBOT", name="otherbot", is_bot=True)
    emu.add_channel("C1", name="coffee", members=["U1", "U2", "U3"])
    emu.add_channel("C2", name="lobby", members=["U1"], bot_is_member=False)
    emu.add_channel("G1", name="secret", members=["U1"], is_private=True, bot_is_member=False)
    emu.add_channel("C3", name="old", members=["U1"], is_archived=True)
    return emu


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=BOT_TOKEN, timeout=5)
