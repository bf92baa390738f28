"""HTTP mode: a small ASGI app serving Slack's requests at `/slack/events` and `/healthz`.

Bolt's own ASGI adapter runs the (synchronous) app inside the event loop; this one hands
each request to a worker thread, so a slow database never stalls other requests. Bolt acks
before the listener's slow work (`process_before_response` is off), so Slack gets its
answer within its 3 seconds.

Every request to `/slack/events` is checked in this order, and stops at the first failure:

1. its signature, first, on the raw bytes: unsigned, badly signed, or with a timestamp that
   is not a number or is more than 5 minutes off, it gets 401 and is never parsed;
2. its body: it must be UTF-8 that Bolt can parse into an object, or it gets 400;
3. inside the Bolt app (`bot.middleware`): its shape and its workspace.

Whatever happens, the answer is never a 500 and never a traceback: a malformed request
costs one WARNING line, which never holds the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import text

from bot.services.deps import Deps
from bot.web.pages import Problem, render_error_page

log = logging.getLogger("mingle.server")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_BODY = 1_000_000
#: Bolt's OAuth flow (multi-workspace mode): the install page and the redirect back.
OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")
#: How far a request's timestamp may be from now (Slack's advice: 5 minutes).
MAX_CLOCK_SKEW = 5 * 60


def signature_is_valid(
    secret: str, raw: bytes, timestamp: str, signature: str, *, now: float | None = None
) -> bool:
    """Slack's `v0` signature of `raw`, checked on the bytes as they came (slack_sdk's
    `SignatureVerifier` decodes them as UTF-8 first, and raises on bytes that are not).
    A timestamp that is not a plain number, or is stale, fails."""
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def bolt_request(
    raw: bytes, query: str, headers: dict[str, str | Sequence[str]]
) -> tuple[BoltRequest | None, str]:
    """The `BoltRequest` for a signed body, or None and what is wrong with it (never its
    content). Bolt raises on bodies it can't parse (`null`, `payload=5`, bad JSON), before
    any middleware could answer; so they are caught here."""
    try:
        text_body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the body is not UTF-8"
    try:
        request = BoltRequest(body=text_body, query=query, headers=headers)
    except Exception as exc:  # Bolt's parser and context builder assume a well-formed body
        return None, f"the body does not parse ({type(exc).__name__})"
    if not isinstance(request.body, dict):
        return None, "the body is not an object"
    return request, ""


def check_health(deps: Deps) -> tuple[bool, str]:
    try:
        with deps.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"database: {type(exc).__name__}"
    return True, "ok"


class MingleASGI:
    def __init__(
        self,
        app: App,
        deps: Deps,
        path: str = "/slack/events",
        *,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.deps = deps
        self.path = path
        #: Run when the server shuts down (`mingle serve`: stop the scheduler and worker).
        self.on_shutdown = on_shutdown
        secret = deps.settings.slack_signing_secret
        self._secret = secret.get_secret_value() if secret is not None else ""

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
        if path in OAUTH_PATHS and scope["method"] in ("GET", "HEAD"):
            await self._oauth_page(path, scope, send)
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
        timestamp = str(headers.get("x-slack-request-timestamp", ""))
        signature = str(headers.get("x-slack-signature", ""))
        if not signature_is_valid(self._secret, raw, timestamp, signature):
            log.info("rejected a request without a valid signature (%d bytes)", len(raw))
            await _respond(send, 401, b"Invalid signature", "text/plain")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        request, problem = bolt_request(raw, query, headers)
        if request is None:
            log.warning("ignored a malformed request: %s", problem)
            await _respond(send, 400, b"Malformed request", "text/plain")
            return
        try:
            response = await asyncio.to_thread(self.app.dispatch, request)
        except Exception:  # Bolt answers its own errors; this is the last guard
            log.exception("the app failed to answer a request")
            await _respond(send, 200, b"", "text/plain")
            return
        content_type = response.headers.get("content-type", ["text/plain;charset=utf-8"])[0]
        await _respond(send, response.status, (response.body or "").encode(), content_type)

    async def _oauth_page(self, path: str, scope: Scope, send: Send) -> None:
        """The install page and the OAuth redirect (multi-workspace mode), served by Bolt's
        OAuth flow with Mingle's pages; 404 when Mingle serves one workspace."""
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in scope.get("headers", []):
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        flow = self.app.oauth_flow
        if flow is None:
            await _respond(send, 404, b"Not found", "text/plain")
            return
        request = BoltRequest(body="", query=query, headers=headers)
        page = flow.handle_installation if path == OAUTH_PATHS[0] else flow.handle_callback
        try:
            response = await asyncio.to_thread(page, request)
        except Exception:  # never a 500: the error page, with a way back
            log.exception("the install page failed")
            error = render_error_page(Problem.STORAGE)
            await _respond(send, error.status, error.html.encode(), "text/html; charset=utf-8")
            return
        extra = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, values in response.headers.items()
            if name.lower() not in ("content-type", "content-length")
            for value in values
        ]
        content_type = response.headers.get("content-type", ["text/plain;charset=utf-8"])[0]
        await _respond(send, response.status, (response.body or "").encode(), content_type, extra)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # uvicorn has stopped taking requests and finished those in flight: stop
                # the background work too (the worker releases the row it holds).
                if self.on_shutdown is not None:
                    try:
                        await asyncio.to_thread(self.on_shutdown)
                    except Exception:
                        log.exception("stopping the background work failed")
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


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
