"""The Slack scopes Mingle asks for, read from ``manifest.yml``, each with the reason why.

The install page lists them so an admin knows what they agree to. Every bot scope in the
manifest must have a reason here (a test checks it), and the reasons are written for the
person installing: what Mingle does with the permission, not what the API allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"

#: bot scope -> why Mingle needs it.
SCOPE_REASONS: dict[str, str] = {
    "channels:history": (
        "Read messages in the public channels Mingle is added to, to keep answers to its "
        "prompts and follow replies in its threads."
    ),
    "channels:read": (
        "See which public channels Mingle is in and who is in them, to know who takes part."
    ),
    "chat:write": "Post coffee-chat matches, prompts, reminders and nudges.",
    "commands": "Add the /mingle command.",
    "files:write": "Send admins the spreadsheet exports they ask for.",
    "groups:history": (
        "Read messages in the private channels Mingle is invited to, for the same reasons "
        "as in public ones."
    ),
    "groups:read": "See the private channels Mingle is invited to and who is in them.",
    "im:history": "Read what people write to Mingle in a direct message.",
    "im:write": "Start a direct message with someone, to tell them about their match.",
    "mpim:history": "Read replies in the group messages Mingle starts for a coffee chat.",
    "mpim:write": "Start a group message for each coffee-chat group and each introduction.",
    "reactions:read": "Count reactions on answers, so the most helpful ones come first.",
    "users:read": (
        "Read people's names, titles and time zones, to match across teams and working hours."
    ),
}


@dataclass(frozen=True)
class Scope:
    name: str
    reason: str


@dataclass(frozen=True)
class AppDescription:
    """What the install page says about the app, from ``manifest.yml``."""

    name: str
    description: str
    long_description: str
    bot_scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]


@cache
def app_description(manifest: Path = MANIFEST) -> AppDescription:
    """Name, descriptions and scopes from the manifest (Mingle's defaults when an installed
    copy of the package runs without the repository's ``manifest.yml``)."""
    if not manifest.is_file():
        return AppDescription(
            name="Mingle",
            description="Coffee chats, shared answers and introductions for a distributed team.",
            long_description="",
            bot_scopes=tuple(SCOPE_REASONS),
            user_scopes=(),
        )
    data: dict[str, Any] = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    info = data.get("display_information", {})
    scopes = data.get("oauth_config", {}).get("scopes", {})
    return AppDescription(
        name=str(info.get("name", "Mingle")),
        description=str(info.get("description", "")),
        long_description=str(info.get("long_description", "")).strip(),
        bot_scopes=tuple(str(s) for s in scopes.get("bot", [])),
        user_scopes=tuple(str(s) for s in scopes.get("user", [])),
    )


def explained_scopes(names: tuple[str, ...] | list[str]) -> list[Scope]:
    """Each scope with its reason; a scope without one says so rather than hiding it."""
    return [Scope(n, SCOPE_REASONS.get(n, "Needed by a Mingle feature.")) for n in names]
