"""The emulator's Socket Mode endpoint: a local websocket server that speaks Slack's protocol.

``apps.connections.open`` (called with the app-level ``xapp-`` token) hands out a single-use
``ws://127.0.0.1:<port>/link/?ticket=...`` URL. A client that connects gets
``{"type": "hello", ...}``; then the test can push envelopes (``events_api``,
``slash_commands``, ``interactive``) and read the acks the app sends back
(``{"envelope_id": ..., "payload": ...}``). It can also break the connection the ways Slack
and networks do:

* :meth:`SocketModeServer.disconnect`: a ``{"type": "disconnect"}`` message (Slack's refresh);
* :meth:`SocketModeServer.close`: a close frame;
* :meth:`SocketModeServer.drop`: the TCP connection ends without a close frame (reset or FIN);
* :meth:`SocketModeServer.stall`: the connection stays open but nothing is read or answered
  (a half-open connection: only the client's pings can notice);
* :meth:`SocketModeServer.stop`: the endpoint is down (connections are refused) until
  :meth:`SocketModeServer.start` binds the same port again.

The server runs an asyncio loop (the ``websockets`` library) in its own thread; every public
method is thread-safe and may be called from tests while the app runs in other threads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from bot.testing.api import JSON, ApiRequest, SlackApiError, method

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection

    from bot.testing.state import Workspace

T = TypeVar("T")
EnvelopeKind = Literal["events_api", "slash_commands", "interactive"]

#: Per workspace (by id, weakly held): the server issuing its connection URLs.
_URL_ISSUERS: dict[int, tuple[weakref.ref[Workspace], weakref.ref[SocketModeServer]]] = {}


@method("apps.connections.open")
def apps_connections_open(ws: Workspace, req: ApiRequest) -> JSON:
    workspace_ref, server_ref = _URL_ISSUERS.get(id(ws), (None, None))
    server = server_ref() if server_ref is not None else None
    if workspace_ref is None or workspace_ref() is not ws or server is None:
        raise SlackApiError("not_allowed_token_type")
    return {"url": server.issue_url()}


def register_url_issuer(ws: Workspace, server: SocketModeServer) -> None:
    """Let ``apps.connections.open`` on ``ws`` hand out ``server``'s URLs."""
    for key, (workspace_ref, _) in list(_URL_ISSUERS.items()):
        if workspace_ref() is None:
            _URL_ISSUERS.pop(key, None)
    _URL_ISSUERS[id(ws)] = (weakref.ref(ws), weakref.ref(server))


@dataclass(frozen=True)
class Ack:
    """One acknowledgement the app sent back for an envelope."""

    envelope_id: str
    payload: JSON | None
    at: float


@dataclass
class _Link:
    number: int
    connection: ServerConnection
    opened_at: float


@dataclass
class SocketModeStats:
    """What happened on the endpoint so far (times from ``time.monotonic()``)."""

    hellos: list[float] = field(default_factory=list)
    closed: list[float] = field(default_factory=list)
    refused_tickets: int = 0


class SocketModeServer:
    """A Socket Mode endpoint for one emulated app (see the module docstring)."""

    def __init__(
        self,
        app_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.app_id = app_id
        self._host = host
        self._port = port
        self._on_change = on_change or (lambda: None)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._stop: asyncio.Event | None = None
        self._tickets: set[str] = set()
        self._links: dict[int, _Link] = {}
        self._numbers = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._acks: list[Ack] = []
        self._messages: list[JSON] = []
        self.stats = SocketModeStats()
        self.started_once = False

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        """Serve (idempotent). After :meth:`stop`, binds the same port again."""
        with self._lock:
            if self._thread is not None:
                return
            ready = threading.Event()
            failure: list[BaseException] = []
            thread = threading.Thread(
                target=self._run, args=(ready, failure), name="slack-socket-mode", daemon=True
            )
            thread.start()
            ready.wait(timeout=10)
            if failure:
                thread.join(timeout=5)
                raise RuntimeError(f"the Socket Mode server did not start: {failure[0]!r}")
            self._thread = thread
            self.started_once = True

    def stop(self) -> None:
        """Stop serving: open connections end without a close frame; new ones are refused."""
        with self._lock:
            thread, loop, stop = self._thread, self._loop, self._stop
            self._thread = None
        if thread is None or loop is None or stop is None:
            return
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        self._on_change()

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(ready))
        except BaseException as exc:  # reported to start(), which raises it
            failure.append(exc)
            ready.set()
        finally:
            loop.close()
            self._loop = None

    async def _main(self, ready: threading.Event) -> None:
        from websockets.asyncio.server import serve

        self._stop = asyncio.Event()
        server = await serve(
            self._handle,
            self._host,
            self._port,
            ping_interval=None,  # Slack's side does not need to probe; the client pings
            close_timeout=1,
        )
        self._server = server
        self._port = next(iter(server.sockets)).getsockname()[1]
        ready.set()
        await self._stop.wait()
        for link in list(self._links.values()):
            _reset(link.connection)
        server.close(close_connections=False)
        await server.wait_closed()
        self._server = None

    # -- what apps.connections.open hands out ------------------------------------------

    def issue_url(self) -> str:
        """A fresh single-use connection URL (starts the server the first time)."""
        if not self.started_once:
            self.start()
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self._port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- connections -------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            with self._lock:
                self.stats.refused_tickets += 1
            await connection.close(code=1008, reason="invalid ticket")
            return
        link = _Link(next(self._numbers), connection, time.monotonic())
        with self._lock:
            self._links[link.number] = link
            count = len(self._links)
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": f"applink-emulator-{link.number}",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await connection.send(json.dumps(hello))
            with self._lock:
                self.stats.hellos.append(time.monotonic())
            self._on_change()
            async for raw in connection:
                self._received(raw)
        except Exception:  # noqa: S110 - any ending of the connection is recorded below
            pass
        finally:
            with self._lock:
                self._links.pop(link.number, None)
                self.stats.closed.append(time.monotonic())
            self._on_change()

    def _received(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            message = {"__invalid_json__": True, "raw": str(raw)[:200]}
        with self._lock:
            if isinstance(message, dict) and "envelope_id" in message:
                payload = message.get("payload")
                self._acks.append(
                    Ack(
                        str(message["envelope_id"]),
                        payload if isinstance(payload, dict) else None,
                        time.time(),
                    )
                )
            else:
                self._messages.append(message if isinstance(message, dict) else {"raw": message})
        self._on_change()

    @property
    def connected(self) -> bool:
        """Whether a client is connected (and was greeted)."""
        with self._lock:
            return bool(self._links)

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._links)

    @property
    def hello_count(self) -> int:
        """Connections greeted so far, over the server's life."""
        with self._lock:
            return len(self.stats.hellos)

    def acks(self, envelope_id: str | None = None) -> list[Ack]:
        with self._lock:
            return [a for a in self._acks if envelope_id is None or a.envelope_id == envelope_id]

    # -- pushing -----------------------------------------------------------------------

    def push(
        self,
        kind: EnvelopeKind,
        payload: JSON,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
    ) -> str:
        """Send one envelope to the newest connection; returns its ``envelope_id``."""
        envelope_id = f"{next(self._envelopes):08x}-{secrets.token_hex(4)}"
        envelope: JSON = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": (
                kind != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        self._send_newest(json.dumps(envelope))
        return envelope_id

    def slash_command(
        self,
        user_id: str,
        text: str,
        response_url: str,
        *,
        channel_id: str = "C0COFFEE",
        command: str = "/mingle",
        team_id: str = "T0001",
    ) -> str:
        """Push a slash command as Slack sends it over Socket Mode; returns the envelope id."""
        payload = {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "coffee-chats",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"1337.{secrets.token_hex(6)}",
        }
        return self.push("slash_commands", payload)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every client to reconnect, as Slack does every few hours."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
        self._call(self._send_all(json.dumps(message)))

    def close(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every connection with a close frame."""
        self._call(self._close_all(code, reason))

    def drop(self, how: Literal["reset", "fin"] = "reset") -> None:
        """End every connection's TCP stream without a close frame (RST, or a bare FIN)."""

        async def drop_all() -> None:
            for link in self._current_links():
                if how == "reset":
                    _reset(link.connection)
                else:
                    link.connection.transport.close()

        self._call(drop_all())

    def stall(self) -> None:
        """Stop reading from every connection: pings go unanswered, nothing is closed."""

        async def stall_all() -> None:
            for link in self._current_links():
                link.connection.transport.pause_reading()

        self._call(stall_all())

    # -- plumbing ----------------------------------------------------------------------

    def _current_links(self) -> list[_Link]:
        with self._lock:
            return list(self._links.values())

    def _send_newest(self, text: str) -> None:
        links = self._current_links()
        if not links:
            raise RuntimeError("no Socket Mode client is connected")
        newest = max(links, key=lambda link: link.number)
        self._call(newest.connection.send(text))

    async def _send_all(self, text: str) -> None:
        for link in self._current_links():
            await link.connection.send(text)

    async def _close_all(self, code: int, reason: str) -> None:
        await asyncio.gather(
            *(link.connection.close(code, reason) for link in self._current_links()),
            return_exceptions=True,
        )

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        loop = self._loop
        if loop is None or not self.running:
            coroutine.close()
            raise RuntimeError("the Socket Mode server is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=10)


def _reset(connection: ServerConnection) -> None:
    """Abort the TCP connection with a reset (SO_LINGER 0): no close frame, no FIN."""
    sock = connection.transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    connection.transport.abort()
