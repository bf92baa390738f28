"""manifest.yml is valid and declares exactly the commands, events, shortcuts and scopes used."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

import handlers
from bot.core import ids

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "fixtures" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
SOURCES = [
    p
    for d in ("bot", "handlers")
    for p in (ROOT / d).rglob("*.py")
    if "testing" not in p.parts and "demo" not in p.parts
]

# Web API method -> the bot scopes it needs (https://api.slack.com/methods).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.getPermalink": set(),
    "conversations.open": {"im:write", "mpim:write"},
    "conversations.members": {"channels:read", "groups:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.history": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "views.publish": set(),
    "views.open": set(),
    "views.update": set(),
    "views.push": set(),
    "files.upload_v2": {"files:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "reactions.get": {"reactions:read"},
}
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "member_joined_channel": {"channels:read", "groups:read"},
    "reaction_added": {"reactions:read"},
    "reaction_removed": {"reactions:read"},
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}
CALL = re.compile(r"\.(auth|chat|conversations|users|views|files|reactions)_(\w+)\(")


def methods_in(text: str) -> set[str]:
    found = set()
    for prefix, name in CALL.findall(text):
        if name != "upload_v2":
            name = re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)
        found.add(f"{prefix}.{name}")
    return found


def called_methods() -> set[str]:
    return set().union(*(methods_in(path.read_text()) for path in SOURCES))


class Recorder:
    """Stands in for the Bolt app: records the Slack IDs `handlers.register` listens to."""

    def __init__(self) -> None:
        self.ids: dict[str, set[str]] = defaultdict(set)

    def __getattr__(self, kind: str) -> Callable[[str], Callable[..., None]]:
        if kind not in ("command", "action", "options", "view", "event", "shortcut"):
            raise AttributeError(kind)

        def listen(key: str) -> Callable[..., None]:
            def add(*callbacks: Any) -> None:
                assert len(callbacks) == 1 and callable(callbacks[0]), (kind, key)
                assert key not in self.ids[kind], f"{kind} {key} is registered twice"
                self.ids[kind].add(key)

            return add

        return listen


def registered() -> dict[str, set[str]]:
    """Slack ID kind ("action", "view", …) -> the IDs the app listens to."""
    app = Recorder()
    handlers.register(app)  # type: ignore[arg-type]
    return app.ids


def ids_named(prefix: str) -> set[str]:
    return {getattr(ids, name) for name in dir(ids) if name.startswith(prefix)}


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(MANIFEST)


def test_scopes_are_exactly_those_the_code_needs() -> None:
    methods = called_methods()
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods' scopes to METHOD_SCOPES: {unknown}"
    needed = {"commands"}
    for method in methods:
        needed |= METHOD_SCOPES[method]
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_events_match_the_registered_listeners() -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert declared == set(ids.EVENTS)
    expected = {e.split(".")[0] for e in declared} - set(ids.REVOCATION_EVENTS)
    assert registered()["event"] == expected  # the revocation events are bot.app's own


def test_slash_commands_and_shortcuts_match_the_code() -> None:
    commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert commands == {ids.COMMAND}
    assert registered()["command"] == {ids.COMMAND}
    shortcuts = {s["callback_id"]: s["type"] for s in MANIFEST["features"]["shortcuts"]}
    assert registered()["shortcut"] == set(shortcuts) == ids_named("SHORTCUT_")
    assert shortcuts[ids.SHORTCUT_SAVE_ANSWER] == "message"
    assert shortcuts[ids.SHORTCUT_INTRO] == "global"


def test_every_action_id_and_callback_id_is_registered() -> None:
    listening = registered()
    assert listening["action"] | listening["options"] == ids_named("ACTION_")
    assert listening["options"] == set(ids.TYPEAHEAD_ACTIONS)
    assert listening["view"] == ids_named("VIEW_")


def test_the_method_scan_finds_calls() -> None:
    sample = "client.files_upload_v2(channel=c)\nself.client.users_info(user=u)\n"
    assert methods_in(sample) == {"files.upload_v2", "users.info"}
