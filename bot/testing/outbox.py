"""What Mingle's outbox posted, read back from the emulator by the key in each message's
metadata: the exactly-once checks of the tests and the benchmarks."""

from __future__ import annotations

from collections import Counter

from bot.services.delivery import METADATA_EVENT
from bot.testing.emulator import SlackEmulator


def posted_keys(emu: SlackEmulator) -> Counter[str]:
    """How many times each outbox key was posted, in any conversation the emulator holds."""
    keys: Counter[str] = Counter()
    for conversation in emu.conversations():
        for message in emu.messages(conversation["id"]):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT:
                keys[metadata["event_payload"]["key"]] += 1
    return keys
