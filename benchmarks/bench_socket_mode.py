"""How fast does each Socket Mode client come back after the connection breaks?

Runs slack_sdk's Socket Mode clients (builtin, websocket_client, aiohttp, websockets, and
``mingle``: websocket_client as ``mingle run`` sets it up, with its stall watch) against
the emulator's Socket Mode endpoint and breaks the connection four ways:

* ``reset``: the TCP connection ends with a reset, no close frame;
* ``fin``: the TCP connection ends with a bare FIN, no close frame;
* ``close``: a close frame (code 1001);
* ``disconnect``: Slack's ``{"type": "disconnect", "reason": "refresh_requested"}`` message;
* ``stall``: the connection stays open but the server stops reading and answering (half-open,
  as after a NAT timeout); only the client's pings can notice;
* ``outage``: the endpoint refuses connections for ``--outage`` seconds, then comes back.

For each it prints the seconds until the next ``hello`` was sent (reconnected), the CPU
seconds the whole process used meanwhile (``time.process_time``; the emulator runs in the same
process but is idle), how many log lines the client wrote at ERROR or above, and how many
times it called ``apps.connections.open`` (a Tier 1 method: about one call a minute).

    python benchmarks/bench_socket_mode.py [--clients builtin,websocket_client]
        [--ping-interval 5] [--timeout 40] [--outage 5] [--breaks reset,close] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from bot.testing.emulator import SlackEmulator  # noqa: E402

BREAKS = ("reset", "fin", "close", "disconnect", "stall", "outage")


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Client:
    """One slack_sdk Socket Mode client, sync or async, behind connect/close."""

    def __init__(self, kind: str, emu: SlackEmulator, ping_interval: float, logger: Any) -> None:
        self.kind = kind
        self.loop: asyncio.AbstractEventLoop | None = None
        web = WebClient(base_url=emu.api_url, token=emu.bot_token)
        options: dict[str, Any] = {"ping_interval": ping_interval, "logger": logger}
        self.watch: Any = None
        if kind == "mingle":  # what `mingle run` uses: websocket_client, tuned, plus StallWatch
            from slack_sdk.socket_mode.websocket_client import SocketModeClient as WsClient

            from bot.runmode import PING_INTERVAL, StallWatch

            options["ping_interval"] = PING_INTERVAL
            self.client = WsClient(emu.app_token, web_client=web, **options)
            self.watch = StallWatch(self.client).start()
        elif kind == "builtin":
            from slack_sdk.socket_mode.builtin import SocketModeClient

            self.client: Any = SocketModeClient(emu.app_token, web_client=web, **options)
        elif kind == "websocket_client":
            from slack_sdk.socket_mode.websocket_client import SocketModeClient as WsClient

            self.client = WsClient(emu.app_token, web_client=web, **options)
        else:
            self.loop = asyncio.new_event_loop()
            threading.Thread(target=self.loop.run_forever, daemon=True).start()
            self.client = self._run(self._make_async(kind, emu, options))

    async def _make_async(self, kind: str, emu: SlackEmulator, options: dict[str, Any]) -> Any:
        from slack_sdk.web.async_client import AsyncWebClient

        web = AsyncWebClient(base_url=emu.api_url, token=emu.bot_token)
        if kind == "aiohttp":
            from slack_sdk.socket_mode.aiohttp import SocketModeClient as AioClient

            return AioClient(emu.app_token, web_client=web, **options)
        from slack_sdk.socket_mode.websockets import SocketModeClient as WsAsyncClient

        return WsAsyncClient(emu.app_token, web_client=web, **options)

    def _run(self, coroutine: Any) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def connect(self) -> None:
        if self.loop is None:
            self.client.connect()
        else:
            self._run(self.client.connect())

    def close(self) -> None:
        if self.watch is not None:
            self.watch.stop()
        if self.loop is None:
            self.client.close()
        else:
            self._run(self.client.close())
            self.loop.call_soon_threadsafe(self.loop.stop)


def wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def measure(kind: str, what: str, ping_interval: float, timeout: float, outage: float) -> str:
    """Connect a fresh client to a fresh emulator, break the connection once, time the return."""
    errors = ErrorCounter()
    logger = logging.getLogger(f"bench.{kind}.{what}")
    logger.propagate = False
    logger.addHandler(errors)
    with SlackEmulator() as emu:
        socket = emu.socket_mode
        client = Client(kind, emu, ping_interval, logger)
        client.connect()
        if not wait(lambda: socket.connected, 10):
            return "no connect"
        time.sleep(0.5)  # let the client settle (monitor threads started, first ping sent)
        before_hellos = socket.hello_count
        before_errors = errors.count
        before_opens = len(emu.calls_to("apps.connections.open"))
        cpu = time.process_time()
        started = time.monotonic()
        if what == "outage":
            socket.stop()
            time.sleep(outage)
            socket.start()
        elif what == "disconnect":
            socket.disconnect()
        elif what == "stall":
            socket.stall()
        elif what == "close":
            socket.close()
        else:
            socket.drop("reset" if what == "reset" else "fin")
        ok = wait(lambda: socket.hello_count > before_hellos, timeout)
        seconds = time.monotonic() - started - (outage if what == "outage" else 0)
        used = time.process_time() - cpu
        logged = errors.count - before_errors
        opens = len(emu.calls_to("apps.connections.open")) - before_opens
        client.close()
    shown = f"{seconds:6.2f}s" if ok else f">{timeout:.0f}s  "
    return f"{shown} cpu {used:5.2f}s err {logged:2} open {opens:2}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="mingle,builtin,websocket_client,aiohttp,websockets")
    parser.add_argument("--ping-interval", type=float, default=5)
    parser.add_argument("--timeout", type=float, default=40)
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--breaks", default=",".join(BREAKS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per client (one line each)")
    args = parser.parse_args()
    print(
        f"ping_interval={args.ping_interval}s; reconnect seconds after each break, CPU seconds "
        f"meanwhile, ERROR log lines (timeout {args.timeout:.0f}s; outage {args.outage:.0f}s "
        "not counted in its reconnect time)"
    )
    breaks = args.breaks.split(",")
    print(f"{'client':18}" + "".join(f"{b:>38}" for b in breaks))
    for kind in args.clients.split(","):
        for run in range(args.repeat):
            cells = [
                measure(kind, b, args.ping_interval, args.timeout, args.outage) for b in breaks
            ]
            name = kind if run == 0 else ""
            print(f"{name:18}" + "".join(f"{cell:>38}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
