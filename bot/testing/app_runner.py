"""Running the real Mingle app over HTTP on 127.0.0.1 against the emulator.

`RunningApp` builds the app exactly as `mingle serve` does (settings, migrations, services,
Bolt app, ASGI server under uvicorn) in a background thread, and gives a `SlackDriver` to
talk to it. Used by the end-to-end tests and by `mingle demo`.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn
from sqlalchemy import Engine

from bot.app import build_app, build_deps
from bot.config import Settings, load_settings
from bot.server import MingleASGI
from bot.services.deps import Deps
from bot.testing.driver import SlackDriver
from storage.db import make_engine
from storage.migrate import upgrade

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class RunningApp:
    def __init__(
        self,
        emulator: Any,
        database_url: str,
        *,
        admins: str = "",
        engine: Engine | None = None,
        migrate: bool = True,
        signing_secret: str = SIGNING_SECRET,
        multi_workspace: bool = False,
    ) -> None:
        self.emulator = emulator
        self.signing_secret = signing_secret
        # The port is taken now, so the redirect URL is known before the app is built.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        #: Multi-workspace mode: no bot token, the emulator app's OAuth credentials and
        #: redirect URL instead (install each workspace through `/slack/install`).
        oauth: dict[str, Any] = (
            {
                "slack_client_id": emulator.oauth.client_id,
                "slack_client_secret": emulator.oauth.client_secret,
                "slack_redirect_uri": self.url + "/slack/oauth_redirect",
            }
            if multi_workspace
            else {"slack_bot_token": emulator.bot_token}
        )
        self.settings: Settings = load_settings(
            **oauth,
            slack_signing_secret=signing_secret,
            slack_api_url=emulator.api_url,
            database_url=database_url,
            admins_raw=admins,
            scheduler_enabled=False,
        )
        self._owns_engine = engine is None
        self.engine = engine or make_engine(self.settings.database_url)
        if migrate:
            upgrade(self.engine)
        self.deps: Deps = build_deps(self.settings, engine=self.engine)
        self.app = build_app(self.settings, self.deps)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> RunningApp:
        config = uvicorn.Config(
            MingleASGI(self.app, self.deps),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, args=([self._socket],), name="mingle-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Mingle HTTP server did not start")
            time.sleep(0.01)
        if self.settings.multi_workspace:  # the app's redirect URL, as on its OAuth page
            self.emulator.configure_oauth(redirect_urls=[self.url + "/slack/oauth_redirect"])
        return self

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def driver(self, team_id: str | None = None, **options: Any) -> SlackDriver:
        """A driver for Slack's requests from `team_id` (default: the app's workspace)."""
        return SlackDriver(
            self.events_url,
            self.signing_secret,
            self.emulator,
            team_id=team_id or self.deps.team_id or "T0001",
            **options,
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        if self._owns_engine:  # its pooled connections close now, not when collected
            self.engine.dispose()

    def __enter__(self) -> RunningApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
