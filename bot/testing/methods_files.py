"""Emulated external file upload: ``files.getUploadURLExternal``, the upload URL,
``files.completeUploadExternal``, plus ``files.info``.

This is the three-step flow ``WebClient.files_upload_v2`` drives: get an upload URL per
file, POST the bytes to it (``slack_sdk`` sends them raw; a multipart form is accepted too),
then complete the upload, which shares the files into a channel as one message.
"""

from __future__ import annotations

import mimetypes
import time

from bot.testing.api import JSON, ApiRequest, SlackApiError, method
from bot.testing.methods_chat import check_blocks
from bot.testing.state import Conversation, UploadedFile, Workspace


def render_file(ws: Workspace, f: UploadedFile) -> JSON:
    mimetype = mimetypes.guess_type(f.filename)[0] or "application/octet-stream"
    filetype = f.filename.rsplit(".", 1)[-1].lower() if "." in f.filename else "binary"
    url = f"https://files.slack.com/files-pri/{ws.team_id}-{f.id}/{f.filename}"
    shares: JSON = {}
    for channel, ts in f.message_ts.items():
        conv = ws.conversations.get(channel)
        bucket = "private" if conv is None or conv.is_private else "public"
        entry: JSON = {"ts": ts, "channel_name": conv.name if conv else "", "reply_count": 0}
        if f.thread_ts:
            entry["thread_ts"] = f.thread_ts
        shares.setdefault(bucket, {})[channel] = [entry]
    body: JSON = {
        "id": f.id,
        "created": f.created,
        "timestamp": f.created,
        "name": f.filename,
        "title": f.title or f.filename,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": f.user,
        "user_team": ws.team_id,
        "editable": False,
        "size": len(f.content) if f.content is not None else f.length,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": any(b == "public" for b in shares),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": url,
        "url_private_download": url.replace("files-pri", "files-pri/download", 1),
        "permalink": f"https://{ws.team_domain}.slack.com/files/{f.user}/{f.id}/{f.filename}",
        "channels": [c for c in f.channels if not c.startswith(("G", "D"))],
        "groups": [c for c in f.channels if c.startswith("G")],
        "ims": [c for c in f.channels if c.startswith("D")],
        "shares": shares,
        "comments_count": 0,
    }
    if f.alt_txt:
        body["alt_txt"] = f.alt_txt
    return body


@method("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, req: ApiRequest) -> JSON:
    filename = req.required_str("filename")
    length = req.int_arg("length", -1)
    if length < 0:
        raise SlackApiError(
            "invalid_arguments", messages=["[ERROR] missing required field: length"]
        )
    file_id = ws.new_id("F")
    ws.files[file_id] = UploadedFile(
        id=file_id,
        filename=filename,
        length=length,
        user=req.caller,
        created=int(time.time()),
        alt_txt=req.str_arg("alt_txt") or req.str_arg("alt_text"),
        snippet_type=req.str_arg("snippet_type"),
    )
    return {"upload_url": f"{ws.base_url}/upload/v1/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, req: ApiRequest) -> JSON:
    entries = req.json_arg("files")
    if not isinstance(entries, list) or not entries:
        raise SlackApiError("invalid_arguments", messages=["[ERROR] missing required field: files"])
    pending: list[tuple[UploadedFile, str | None]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise SlackApiError("invalid_arguments", messages=["[ERROR] each file needs an id"])
        f = ws.files.get(str(entry["id"]))
        if f is None or f.completed or f.content is None or f.user != req.caller:
            raise SlackApiError("file_not_found")
        title = entry.get("title")
        pending.append((f, str(title) if title else None))

    targets: list[Conversation] = []
    refs = ([req.str_arg("channel_id")] if req.has("channel_id") else []) + req.list_arg("channels")
    for ref in refs:
        conv = ws.resolve_post_target(req, ref)
        if conv not in targets:
            targets.append(conv)
    thread_ts = req.str_arg("thread_ts") or None
    if thread_ts and len(targets) != 1:
        raise SlackApiError("invalid_arguments", messages=["[ERROR] thread_ts needs one channel"])
    initial_comment = req.str_arg("initial_comment") or None
    blocks = None
    if initial_comment is None and req.has("blocks"):
        blocks = check_blocks(req.json_arg("blocks", error="invalid_blocks_format"))

    for f, title in pending:
        f.title = title or f.filename
        f.completed = True
        f.initial_comment = initial_comment
        f.thread_ts = thread_ts
        f.channels = [c.id for c in targets]

    for conv in targets:
        ts = ws.next_ts()
        for f, _ in pending:
            f.message_ts[conv.id] = ts
        message: JSON = {
            "type": "message",
            "text": initial_comment or "",
            "files": [render_file(ws, f) for f, _ in pending],
            "upload": True,
            "user": req.caller,
            "display_as_bot": False,
            "ts": ts,
            "team": ws.team_id,
        }
        if req.is_bot:
            message.update(ws.bot_identity())
        if blocks:
            message["blocks"] = blocks
        if thread_ts:
            message["thread_ts"] = thread_ts
        message["_has_text_fallback"] = bool(initial_comment)
        ws.add_message(conv, message)

    return {"files": [render_file(ws, f) for f, _ in pending]}


@method("files.info")
def files_info(ws: Workspace, req: ApiRequest) -> JSON:
    f = ws.files.get(req.str_arg("file") or "")
    if f is None or not f.completed:
        raise SlackApiError("file_not_found")
    return {"file": render_file(ws, f), "comments": [], "response_metadata": {"next_cursor": ""}}
