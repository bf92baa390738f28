"""Emulated ``chat.*`` and ``reactions.*`` methods."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from typing import Any

from bot.testing.api import JSON, ApiRequest, SlackApiError, method
from bot.testing.blockkit import MAX_MESSAGE_BLOCKS, MAX_MESSAGE_TEXT, validate_blocks
from bot.testing.state import Conversation, Workspace


def check_blocks(blocks: Any, *, maximum: int = MAX_MESSAGE_BLOCKS) -> list[JSON]:
    """Validate a message's blocks; raise ``invalid_blocks`` / ``invalid_blocks_format``."""
    if not isinstance(blocks, list):
        raise SlackApiError("invalid_blocks_format")
    problems = validate_blocks(blocks, maximum=maximum)
    if problems:
        raise SlackApiError("invalid_blocks", messages=problems, errors=problems)
    return assign_block_ids(blocks)


def assign_block_ids(blocks: list[JSON]) -> list[JSON]:
    """Give every block a ``block_id`` as Slack does for blocks sent without one."""
    out: list[JSON] = []
    for index, block in enumerate(blocks):
        block = copy.deepcopy(block)
        if "block_id" not in block:
            seed = f"{index}:{json.dumps(block, sort_keys=True)}"
            block["block_id"] = hashlib.sha1(seed.encode()).hexdigest()[:5]
        out.append(block)
    return out


def check_metadata(req: ApiRequest) -> JSON | None:
    metadata = req.json_arg("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise SlackApiError("invalid_metadata_format")
    event_type = metadata.get("event_type")
    payload = metadata.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise SlackApiError(
            "invalid_metadata_schema",
            messages=["[ERROR] metadata needs a string event_type and an object event_payload"],
        )
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


def message_content(req: ApiRequest) -> JSON:
    """Validated ``text``/``blocks``/``attachments``/``metadata`` of a message call."""
    text = req.str_arg("text")
    if text is not None and len(text) > MAX_MESSAGE_TEXT:
        raise SlackApiError("msg_too_long")
    content: JSON = {}
    if text is not None:
        content["text"] = text
    if req.has("blocks"):
        content["blocks"] = check_blocks(req.json_arg("blocks", error="invalid_blocks_format"))
    if req.has("attachments"):
        attachments = req.json_arg("attachments", error="invalid_attachments")
        if not isinstance(attachments, list):
            raise SlackApiError("invalid_attachments")
        content["attachments"] = attachments
    metadata = check_metadata(req)
    if metadata is not None:
        content["metadata"] = metadata
    return content


def _has_body(content: JSON) -> bool:
    return bool(content.get("text") or content.get("blocks") or content.get("attachments"))


def _has_fallback(content: JSON) -> bool:
    return bool((content.get("text") or "").strip())


@method("chat.postMessage")
def chat_post_message(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.resolve_post_target(req, req.str_arg("channel"))
    content = message_content(req)
    if not _has_body(content):
        raise SlackApiError("no_text")
    ts = ws.next_ts()
    message: JSON = {"user": req.caller, "type": "message", "ts": ts}
    if req.is_bot:
        message.update(ws.bot_identity())
    message["text"] = content.get("text", "")
    message["team"] = ws.team_id
    for key in ("blocks", "attachments", "metadata"):
        if content.get(key):
            message[key] = content[key]
    if req.is_bot:
        for key in ("username", "icon_emoji", "icon_url"):
            if req.has(key):
                message[key] = req.str_arg(key)
    thread_ts = req.str_arg("thread_ts")
    if thread_ts:
        parent = conv.by_ts.get(thread_ts)
        if parent is not None and parent.get("thread_ts") not in (None, parent["ts"]):
            thread_ts = parent["thread_ts"]  # a reply's ts: thread under its parent
        message["thread_ts"] = thread_ts
        if req.bool_arg("reply_broadcast"):
            message["subtype"] = "thread_broadcast"
    message["_has_text_fallback"] = _has_fallback(content)
    ws.add_message(conv, message)
    return {"channel": conv.id, "ts": ts, "message": ws.public_message(message)}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.resolve_post_target(req, req.str_arg("channel"))
    user = ws.get_user(req.str_arg("user"))
    if user.id not in conv.members:
        raise SlackApiError("user_not_in_channel")
    content = message_content(req)
    if not _has_body(content):
        raise SlackApiError("no_text")
    ts = ws.next_ts()
    ws.ephemerals.append(
        {
            "channel": conv.id,
            "user": user.id,
            "text": content.get("text", ""),
            "blocks": content.get("blocks"),
            "attachments": content.get("attachments"),
            "thread_ts": req.str_arg("thread_ts"),
            "message_ts": ts,
            "from": req.caller,
            "has_text_fallback": _has_fallback(content),
            "at": time.time(),
        }
    )
    return {"message_ts": ts}


def _live_message(ws: Workspace, req: ApiRequest) -> tuple[Conversation, JSON]:
    """The message `channel` and `ts` name, unless it was deleted (a tombstone is not found)."""
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    message = ws.find_message(conv, req.str_arg("ts"))
    if message.get("subtype") == "tombstone":
        raise SlackApiError("message_not_found")
    return conv, message


@method("chat.update")
def chat_update(ws: Workspace, req: ApiRequest) -> JSON:
    conv, message = _live_message(ws, req)
    if message.get("user") != req.caller:
        raise SlackApiError("cant_update_message")
    content = message_content(req)
    if "text" not in content and not any(
        key in req.args for key in ("blocks", "attachments", "metadata", "file_ids")
    ):
        raise SlackApiError("no_text")
    updated = dict(message)
    updated.update({k: v for k, v in content.items()})
    for key in ("blocks", "attachments"):
        if key in req.args and not content.get(key):
            updated.pop(key, None)  # an empty array removes them
    if not _has_body(updated) and not updated.get("files"):
        raise SlackApiError("no_text")
    updated["edited"] = {"user": req.caller, "ts": ws.next_ts()}
    updated["_has_text_fallback"] = _has_fallback(updated)
    message.clear()
    message.update(updated)
    public = ws.public_message(message)
    return {
        "channel": conv.id,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": public,
    }


@method("chat.delete")
def chat_delete(ws: Workspace, req: ApiRequest) -> JSON:
    conv, message = _live_message(ws, req)
    caller = ws.users[req.caller]
    if message.get("user") != req.caller and (req.is_bot or not caller.is_admin):
        raise SlackApiError("cant_delete_message")
    ts = message["ts"]
    ws.remove_message(conv, message)
    return {"channel": conv.id, "ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    message = ws.find_message(conv, req.str_arg("message_ts"))
    return {"channel": conv.id, "permalink": ws.permalink(conv, message)}


# -- reactions ---------------------------------------------------------------------


def _reaction_target(ws: Workspace, req: ApiRequest) -> tuple[JSON, str]:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    message = ws.find_message(conv, req.str_arg("timestamp"))
    name = (req.str_arg("name") or "").strip(":")
    if not name:
        raise SlackApiError("invalid_name")
    return message, name


@method("reactions.add")
def reactions_add(ws: Workspace, req: ApiRequest) -> JSON:
    message, name = _reaction_target(ws, req)
    reactions: list[JSON] = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name:
            if req.caller in reaction["users"]:
                raise SlackApiError("already_reacted")
            reaction["users"].append(req.caller)
            reaction["count"] = len(reaction["users"])
            return {}
    reactions.append({"name": name, "users": [req.caller], "count": 1})
    return {}


@method("reactions.remove")
def reactions_remove(ws: Workspace, req: ApiRequest) -> JSON:
    message, name = _reaction_target(ws, req)
    reactions: list[JSON] = message.get("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name and req.caller in reaction["users"]:
            reaction["users"].remove(req.caller)
            reaction["count"] = len(reaction["users"])
            if not reaction["users"]:
                reactions.remove(reaction)
            if not reactions:
                message.pop("reactions", None)
            return {}
    raise SlackApiError("no_reaction")
