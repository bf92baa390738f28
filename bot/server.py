"""HTTP mode: a small ASGI app serving Slack's requests at `/slack/events` and `/healthz`.

Bolt's own ASGI adapter runs the (synchronous) app inside the event loop; this one hands
each request to a worker thread, so a slow database never stalls other requests. Bolt acks
before the listener's slow work (`process_before_response` is off), so Slack gets its
answer within its 3 seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import text

from bot.services.deps import Deps

log = logging.getLogger("mingle.server")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_BODY = 1_000_000


def check_health(deps: Deps) -> tuple[bool, str]:
    try:
        with deps.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"database: {type(exc).__name__}"
    return True, "ok"


class MingleASGI:
    def __init__(self, app: App, deps: Deps, path: str = "/slack/events") -> None:
        self.app = app
        self.deps = deps
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        if path == "/healthz" and scope["method"] in ("GET", "HEAD"):
            ok, detail = await asyncio.to_thread(check_health, self.deps)
            body = json.dumps({"ok": ok, "detail": detail}).encode()
            await _respond(send, 200 if ok else 503, body, "application/json")
            return
        if path != self.path:
            await _respond(send, 404, b"Not found", "text/plain")
            return
        if scope["method"] != "POST":
            await _respond(send, 405, b"Method not allowed", "text/plain")
            return
        raw = await _read_body(receive)
        if raw is None:
            await _respond(send, 413, b"Request too large", "text/plain")
            return
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in scope.get("headers", []):
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        request = BoltRequest(body=raw.decode("utf-8"), query=query, headers=headers)
        response = await asyncio.to_thread(self.app.dispatch, request)
        content_type = response.headers.get("content-type", ["text/plain;charset=utf-8"])[0]
        await _respond(send, response.status, (response.body or "").encode(), content_type)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
