"""Run mode (`mingle run`): the Socket Mode connection, its health endpoint, a clean shutdown.

The connection uses slack_sdk's `websocket_client` Socket Mode client (through Bolt's
`slack_bolt.adapter.socket_mode.websocket_client` adapter). Measured against the emulator
(`benchmarks/bench_socket_mode.py`), it comes back within about a second after the TCP
connection drops without a close frame, after a close frame and after Slack's `disconnect`
refresh, with no busy loop; the built-in client took 30 s or more and spun a CPU core after a
bare FIN. What the client does not notice by itself is a connection that stays open but goes
silent (a half-open connection): `StallWatch` closes it when pings go unanswered, and the
client then reconnects.

At startup, Slack failing to open a connection in a way that may pass (an outage, a rate
limit, no answer) is tried again, 1, 2, 4... up to 60 s apart; a refused app token stops
startup with one line. Errors are told apart by type (`bot.slack.gateway.slack_errors`).

`MINGLE_HEALTH_PORT` starts a small HTTP server with `GET /healthz`: 200 when the socket is
connected and the database answers, 503 otherwise, saying which one failed.

SIGTERM and SIGINT stop taking new work (the socket is closed first), stop the scheduler and
the delivery worker, and exit 0 within `SHUTDOWN_SECONDS`, also as PID 1 (which ignores
SIGTERM unless a handler is installed, as `install_signal_handlers` does).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError, SlackError, SlackTransientError
from bot.slack.gateway import slack_errors

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.config import Settings
    from bot.services.deps import Deps

log = logging.getLogger("mingle.run")

#: Seconds between the client's pings (also how often it checks that it is still connected).
PING_INTERVAL = 5.0
#: A ping unanswered for this long means the connection is dead although still open.
PONG_TIMEOUT = 5.0
#: From a SIGTERM to the end of the process, at most (the issue asks for 10 s).
SHUTDOWN_SECONDS = 8.0
#: How long shutdown waits for the Socket Mode client to close before it goes on.
CLOSE_SECONDS = 2.0
#: At most this long between tries while Slack can't open a connection at startup.
CONNECT_RETRY_MAX = 60.0


def build_socket_handler(app: App, app_token: str) -> Any:
    """Bolt's Socket Mode handler on the websocket-client based client, tuned as measured."""
    from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

    return SocketModeHandler(
        app,
        app_token,
        logger=logging.getLogger("mingle.socket"),
        ping_interval=PING_INTERVAL,
    )


def socket_connected(client: Any) -> bool:
    """Whether the Socket Mode client holds an open connection."""
    try:
        return bool(client.is_connected())
    except Exception:  # a client being replaced mid-check counts as not connected
        return False


class StallWatch:
    """Closes a Socket Mode connection whose pings go unanswered, so the client reconnects.

    websocket-client sends a ping every `PING_INTERVAL` seconds and records when it sent the
    last ping and got the last pong (`WebSocketApp.last_ping_tm` / `last_pong_tm`), but
    slack_sdk starts it without a pong timeout, so a silent connection is never given up.
    """

    def __init__(self, client: Any, timeout: float = PONG_TIMEOUT, every: float = 1.0) -> None:
        self.client = client
        self.timeout = timeout
        self.every = every
        self._waiting: tuple[Any, float] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mingle-stall-watch", daemon=True)

    def start(self) -> StallWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.check()
            except Exception:
                log.exception("checking the Socket Mode connection failed")

    def check(self, now: float | None = None) -> bool:
        """Close the current connection if a ping went unanswered; True when it did."""
        session = getattr(self.client, "current_session", None)
        if session is None or getattr(session, "sock", None) is None:
            self._waiting = None
            return False
        pinged = float(getattr(session, "last_ping_tm", 0) or 0)
        ponged = float(getattr(session, "last_pong_tm", 0) or 0)
        if not pinged or ponged >= pinged:
            self._waiting = None
            return False
        # The oldest ping still unanswered on this connection (pings go on every interval).
        if self._waiting is None or self._waiting[0] is not session or ponged >= self._waiting[1]:
            self._waiting = (session, pinged)
        now = time.time() if now is None else now
        silent = now - self._waiting[1]
        if silent <= self.timeout:
            return False
        self._waiting = None
        log.warning("Socket Mode connection silent for %.0f s (no pong); reconnecting", silent)
        raw = getattr(session.sock, "sock", None)
        if raw is not None:
            try:  # the reader sees the end of the stream at once; the client then reconnects
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("closing a silent connection failed", exc_info=True)
        return True


class HealthServer:
    """`GET /healthz` for run mode: the socket connection and the database."""

    def __init__(
        self, host: str, port: int, checks: Callable[[], dict[str, tuple[bool, str]]]
    ) -> None:
        self.checks = checks
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="mingle-health",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self) -> tuple[int, dict[str, Any]]:
        results = self.checks()
        failed = [f"{name}: {detail}" for name, (ok, detail) in results.items() if not ok]
        body: dict[str, Any] = {
            "ok": not failed,
            "detail": "; ".join(failed) or "ok",
            **{name: detail for name, (_, detail) in results.items()},
        }
        return (503 if failed else 200), body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        health = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "Mingle"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._answer(with_body=True)

            def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
                self._answer(with_body=False)

            def _answer(self, with_body: bool) -> None:
                if self.path.split("?", 1)[0] != "/healthz":
                    status, body = 404, {"ok": False, "detail": "not found"}
                else:
                    status, body = health.answer()
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                if with_body:
                    self.wfile.write(raw)

        return Handler


def health_checks(client: Any, deps: Deps) -> Callable[[], dict[str, tuple[bool, str]]]:
    from bot.server import check_health

    def checks() -> dict[str, tuple[bool, str]]:
        connected = socket_connected(client)
        db_ok, db_detail = check_health(deps)
        return {
            "socket": (connected, "connected" if connected else "disconnected"),
            "database": (db_ok, "ok" if db_ok else db_detail.removeprefix("database: ")),
        }

    return checks


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop` (the main thread then shuts down); a second one exits."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            _exit_now(0)
        log.info("%s received: shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def run_socket_mode(
    settings: Settings, deps: Deps, app: App, scheduler: Any, stop: threading.Event
) -> int:
    """Connect, serve until `stop` is set (by a signal), then shut down within the budget."""
    from bot.scheduler import stop_background

    assert settings.slack_app_token is not None
    handler = build_socket_handler(app, settings.slack_app_token.get_secret_value())
    watch = StallWatch(handler.client)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("the stall watch", watch.stop),
        # First: no new work comes in. Then the worker (its row in hand sent or given back)
        # and the scheduler, as `mingle serve` stops them.
        ("the Socket Mode connection", lambda: close_within(handler, CLOSE_SECONDS)),
        ("the scheduler and the delivery worker", lambda: stop_background(deps, scheduler)),
        ("the handlers", lambda: app.listener_runner.listener_executor.shutdown(wait=True)),
    ]
    if settings.health_port is not None:
        try:
            health = HealthServer(
                settings.health_host, settings.health_port, health_checks(handler.client, deps)
            )
        except OSError as exc:
            shutdown(steps[2:])
            raise ConfigError(
                f"MINGLE_HEALTH_PORT {settings.health_port} cannot be used on "
                f"{settings.health_host}: {exc.strerror or exc}"
            ) from None
        health.start()
        steps.append(("the health endpoint", health.stop))
        log.info("health at http://%s:%s/healthz", settings.health_host, health.port)
    watch.start()
    wait = 1.0
    while not stop.is_set():
        try:
            with slack_errors("apps.connections.open"):
                handler.connect()
        except SlackTransientError as exc:  # Slack's bad day, not a refusal: try again
            log.warning(
                "Slack couldn't open a Socket Mode connection (%s); again in %.0f s", exc.code, wait
            )
            stop.wait(wait)
            wait = min(wait * 2, CONNECT_RETRY_MAX)
            continue
        except SlackError as exc:
            shutdown(steps)
            raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({exc.code}).") from None
        log.info("Mingle is connected to Slack over Socket Mode")
        break
    stop.wait()
    return shutdown(steps)


def close_within(handler: Any, seconds: float) -> None:
    """Close the Socket Mode connection, waiting for the client at most `seconds`.

    The connection itself closes at once, but websocket-client's reader thread can sit in
    `select` on the closed socket for up to 10 s before `close()` returns (measured against
    the emulator: about one close in eight took 9 s). Waiting for it would use up the
    shutdown budget before the delivery worker is stopped, leaving its row "sending" until
    the lease runs out.
    """
    closer = threading.Thread(target=handler.close, name="mingle-socket-close", daemon=True)
    closer.start()
    closer.join(seconds)
    if closer.is_alive():
        log.info("the Socket Mode client is still winding down; going on")


def shutdown(
    steps: list[tuple[str, Callable[[], object]]], budget: float = SHUTDOWN_SECONDS
) -> int:
    """Run each step in order, giving up (and exiting) after `budget` seconds."""
    done = threading.Event()

    def stop_all() -> None:
        for name, step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping %s failed", name)
        done.set()

    threading.Thread(target=stop_all, name="mingle-shutdown", daemon=True).start()
    if done.wait(budget):
        log.info("Mingle stopped")
        return 0
    log.warning("shutdown took longer than %.0f s; exiting anyway", budget)
    _exit_now(0)
    return 0  # not reached


def _exit_now(code: int) -> None:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
