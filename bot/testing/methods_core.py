"""Emulated ``auth.*``, ``team.*``, ``users.*`` and ``conversations.*`` methods."""

from __future__ import annotations

from collections.abc import Callable

from bot.testing.api import (
    JSON,
    ApiRequest,
    SlackApiError,
    decode_cursor,
    encode_cursor,
    method,
    page_limit,
)
from bot.testing.state import Conversation, Workspace, ts_key

MAX_MPIM_OTHERS = 8


def _next_cursor(kind: str, items: list[str], start: int, limit: int) -> str:
    end = start + limit
    return encode_cursor(kind, items[end]) if end < len(items) else ""


def _page_ids(req: ApiRequest, ids: list[str], kind: str, default: int, maximum: int) -> JSON:
    """Cursor pagination over a list of ids: ``{"items": [...], "next_cursor": ...}``."""
    limit = page_limit(req, default, maximum)
    start = 0
    cursor = req.str_arg("cursor")
    if cursor:
        first = decode_cursor(cursor, kind)
        if first not in ids:
            raise SlackApiError("invalid_cursor")
        start = ids.index(first)
    return {
        "items": ids[start : start + limit],
        "next_cursor": _next_cursor(kind, ids, start, limit),
    }


# -- auth / team -------------------------------------------------------------------


@method("auth.test")
def auth_test(ws: Workspace, req: ApiRequest) -> JSON:
    user = ws.users[req.caller]
    body: JSON = {
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": user.name,
        "team_id": ws.team_id,
        "user_id": user.id,
    }
    if req.is_bot:
        body["bot_id"] = ws.bot_id
    if ws.enterprise_id is not None:
        body["enterprise_id"] = ws.enterprise_id
    if req.is_enterprise_install:
        # An org-wide token belongs to the organisation, not to one of its workspaces.
        body["url"] = f"https://{(ws.enterprise_id or '').lower()}.enterprise.slack.com/"
        body["team"] = ws.enterprise_name or ws.enterprise_id
        body["team_id"] = ws.enterprise_id
    body["is_enterprise_install"] = req.is_enterprise_install
    return body


@method("team.info")
def team_info(ws: Workspace, req: ApiRequest) -> JSON:
    return {
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "url": f"https://{ws.team_domain}.slack.com/",
            "domain": ws.team_domain,
            "email_domain": "",
            "icon": {"image_default": True},
            "is_verified": False,
        }
    }


# -- users -------------------------------------------------------------------------


@method("users.info")
def users_info(ws: Workspace, req: ApiRequest) -> JSON:
    user = ws.get_user(req.str_arg("user"))
    return {"user": ws.render_user(user)}


@method("users.list")
def users_list(ws: Workspace, req: ApiRequest) -> JSON:
    page = _page_ids(req, list(ws.users), "user", default=1000, maximum=1000)
    return {
        "members": [ws.render_user(ws.users[u]) for u in page["items"]],
        "cache_ts": int(ws.next_ts().split(".")[0]),
        "response_metadata": {"next_cursor": page["next_cursor"]},
    }


@method("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, req: ApiRequest) -> JSON:
    email = (req.str_arg("email") or "").lower()
    for user in ws.users.values():
        if email and (user.email or "").lower() == email:
            return {"user": ws.render_user(user)}
    raise SlackApiError("users_not_found")


def _types_filter(req: ApiRequest) -> set[str]:
    types = set(req.list_arg("types")) or {"public_channel"}
    unknown = types - {"public_channel", "private_channel", "im", "mpim"}
    if unknown:
        raise SlackApiError("invalid_types")
    return types


def _conv_type(conv: Conversation) -> str:
    if conv.kind == "channel":
        return "private_channel" if conv.is_private else "public_channel"
    return conv.kind


def _conversation_page(
    ws: Workspace, req: ApiRequest, visible: Callable[[Conversation], bool]
) -> JSON:
    """One page of the conversations `visible` keeps, filtered by the `types` and
    `exclude_archived` arguments both listing methods take."""
    types = _types_filter(req)
    exclude_archived = req.bool_arg("exclude_archived")
    ids = [
        c.id
        for c in ws.conversations.values()
        if _conv_type(c) in types and not (exclude_archived and c.is_archived) and visible(c)
    ]
    page = _page_ids(req, ids, "channel", default=100, maximum=1000)
    return {
        "channels": [
            ws.render_conversation(ws.conversations[c], req.caller) for c in page["items"]
        ],
        "response_metadata": {"next_cursor": page["next_cursor"]},
    }


@method("users.conversations")
def users_conversations(ws: Workspace, req: ApiRequest) -> JSON:
    user_id = req.str_arg("user") or req.caller
    ws.get_user(user_id)
    return _conversation_page(
        ws,
        req,
        lambda c: user_id in c.members and (not c.is_private or req.caller in c.members),
    )


# -- conversations -----------------------------------------------------------------


@method("conversations.list")
def conversations_list(ws: Workspace, req: ApiRequest) -> JSON:
    return _conversation_page(
        ws, req, lambda c: _conv_type(c) == "public_channel" or req.caller in c.members
    )


@method("conversations.info")
def conversations_info(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    channel = ws.render_conversation(conv, req.caller)
    if req.bool_arg("include_num_members") and conv.kind != "im":
        channel["num_members"] = len(conv.members)
    return {"channel": channel}


@method("conversations.members")
def conversations_members(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    page = _page_ids(req, list(conv.members), "user", default=100, maximum=1000)
    return {
        "members": page["items"],
        "response_metadata": {"next_cursor": page["next_cursor"]},
    }


@method("conversations.join")
def conversations_join(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    if conv.kind != "channel" or conv.is_private:
        raise SlackApiError("method_not_supported_for_channel_type")
    if conv.is_archived:
        raise SlackApiError("is_archived")
    body: JSON = {}
    if req.caller in conv.members:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    else:
        conv.members.append(req.caller)
    body["channel"] = ws.render_conversation(conv, req.caller)
    return body


@method("conversations.leave")
def conversations_leave(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.visible_conversation(req, req.str_arg("channel"))
    if conv.kind != "channel":
        raise SlackApiError("method_not_supported_for_channel_type")
    if req.caller not in conv.members:
        return {"not_in_channel": True}
    conv.members.remove(req.caller)
    return {}


@method("conversations.open")
def conversations_open(ws: Workspace, req: ApiRequest) -> JSON:
    channel_ref = req.str_arg("channel")
    if channel_ref:
        conv = ws.visible_conversation(req, channel_ref)
        if conv.kind == "channel":
            raise SlackApiError("method_not_supported_for_channel_type")
        already_open = True
    else:
        others = [u for u in req.list_arg("users") if u != req.caller]
        if not req.list_arg("users"):
            raise SlackApiError("users_list_not_supplied")
        if len(others) > MAX_MPIM_OTHERS:
            raise SlackApiError("too_many_users")
        for user_id in others:
            user = ws.users.get(user_id)
            if user is None:
                raise SlackApiError("user_not_found")
            if user.deleted:
                raise SlackApiError("user_disabled")
            if user.is_bot:
                raise SlackApiError("cannot_dm_bot")
        conv, already_open = ws.open_dm(req.caller, others)
    body: JSON = {}
    if already_open:
        body["no_op"] = True
        body["already_open"] = True
    if req.bool_arg("return_im"):
        body["channel"] = ws.render_conversation(conv, req.caller)
    else:
        body["channel"] = {"id": conv.id}
    return body


# -- history -----------------------------------------------------------------------


def _in_range(ts: str, req: ApiRequest) -> bool:
    key = ts_key(ts)
    inclusive = req.bool_arg("inclusive")
    oldest = req.str_arg("oldest")
    latest = req.str_arg("latest")
    if oldest:
        low = ts_key(oldest)
        if key < low or (key == low and not inclusive):
            return False
    if latest:
        high = ts_key(latest)
        if key > high or (key == high and not inclusive):
            return False
    return True


def _page_messages(
    ws: Workspace,
    req: ApiRequest,
    messages: list[JSON],
    *,
    default: int,
    maximum: int,
    newest_first: bool,
    pinned_first: JSON | None = None,
) -> JSON:
    limit = page_limit(req, default, maximum)
    ordered = list(reversed(messages)) if newest_first else list(messages)
    cursor = req.str_arg("cursor")
    start = 0
    if cursor:
        start_ts = decode_cursor(cursor, "next_ts")
        keys = [m["ts"].replace(".", "") for m in ordered]
        if start_ts not in keys:
            raise SlackApiError("invalid_cursor")
        start = keys.index(start_ts)
    elif pinned_first is not None:
        ordered.insert(0, pinned_first)
    page = ordered[start : start + limit]
    has_more = start + limit < len(ordered)
    next_cursor = ""
    if has_more:
        next_cursor = encode_cursor("next_ts", ordered[start + limit]["ts"].replace(".", ""))
    include_metadata = req.bool_arg("include_all_metadata")
    body: JSON = {
        "messages": [ws.public_message(m, include_metadata=include_metadata) for m in page],
        "has_more": has_more,
        "response_metadata": {"next_cursor": next_cursor},
    }
    return body


@method("conversations.history")
def conversations_history(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.member_conversation(req, req.str_arg("channel"))
    top_level = [
        m
        for m in conv.messages
        if (
            not m.get("thread_ts")
            or m.get("thread_ts") == m["ts"]
            or m.get("subtype") == "thread_broadcast"
        )
        and _in_range(m["ts"], req)
    ]
    body = _page_messages(ws, req, top_level, default=100, maximum=999, newest_first=True)
    body.update({"pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0})
    return body


@method("conversations.replies")
def conversations_replies(ws: Workspace, req: ApiRequest) -> JSON:
    conv = ws.member_conversation(req, req.str_arg("channel"))
    ts = req.str_arg("ts")
    parent = conv.by_ts.get(ts or "")
    if parent is None:
        raise SlackApiError("thread_not_found")
    parent_ts = parent["ts"]
    if parent.get("thread_ts") not in (None, parent_ts):
        # The ts of a reply: Slack answers with just that message.
        return _page_messages(ws, req, [parent], default=1000, maximum=1000, newest_first=False)
    replies = [m for m in ws.replies_of(conv, parent_ts) if _in_range(m["ts"], req)]
    return _page_messages(
        ws,
        req,
        replies,
        default=1000,
        maximum=1000,
        newest_first=False,
        pinned_first=parent,
    )
