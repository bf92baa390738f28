"""Assembling Mingle: the services (`build_deps`) and the Bolt app (`build_app`).

This is the one place where dependencies are put together. Nothing is built at import time,
so tests and the CLI build exactly the app they need.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.services.deps import Delivery, Deps, utcnow
from bot.services.features import HOME_SECTIONS
from bot.slack.client import make_web_client
from bot.slack.gateway import SlackGateway
from storage.db import make_engine, make_session_factory
from storage.models import ProcessedEvent

log = logging.getLogger("mingle")


def build_deps(
    settings: Settings,
    *,
    engine: Engine | None = None,
    client: WebClient | None = None,
    verify_token: bool = True,
    clock: Callable[[], dt.datetime] = utcnow,
    delivery: Delivery | None = None,
) -> Deps:
    """Every dependency, complete: the engine's session factory, the Slack gateway, the
    workspace (learnt with auth.test), the features' Home sections and the delivery handle.

    `clock` and `delivery` are for tests (a fixed time; a delivery that holds messages back).
    """
    engine = engine or make_engine(settings.database_url)
    if client is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = make_web_client(token, settings.slack_api_url)
    slack = SlackGateway(client)
    auth = slack.auth_test() if verify_token and client.token else {}
    return Deps(
        settings=settings,
        sessions=make_session_factory(engine),
        slack=slack,
        team_id=str(auth.get("team_id", "")),
        bot_user_id=str(auth.get("user_id", "")),
        clock=clock,
        home_sections=HOME_SECTIONS,
        delivery=delivery or Delivery(),
    )


def build_app(settings: Settings, deps: Deps, *, socket_mode: bool = False) -> App:
    """The Bolt app: middleware (payload shape, services, workspace boundary, event dedup),
    every handler, and error handling."""
    import handlers
    from bot.middleware import CheckShape, workspace_boundary

    # An empty string, not None: Bolt would otherwise read SLACK_SIGNING_SECRET itself.
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = App(
        client=deps.slack.client,
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        ignoring_self_events_enabled=True,
        url_verification_enabled=True,
        logger=logging.getLogger("mingle.bolt"),
        before_authorize=CheckShape(),
    )
    app.use(_provide_deps(deps))
    app.use(workspace_boundary(deps))
    app.use(_deduplicate_events(deps))
    app.error(_on_error)
    handlers.register(app)
    return app


def _provide_deps(deps: Deps) -> Callable[..., Any]:
    def provide_deps(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["deps"] = deps
        return next()

    return provide_deps


def _deduplicate_events(deps: Deps) -> Callable[..., Any]:
    """Process each Slack event once, even when Slack retries it or two instances get it."""

    def deduplicate_events(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        team_id = str(body.get("team_id") or context.team_id or deps.team_id)
        try:
            with deps.sessions.begin() as session:
                session.add(ProcessedEvent(team_id=team_id, event_id=str(event_id)))
        except IntegrityError:
            log.info("event %s already processed; skipping the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return deduplicate_events


def _on_error(
    error: Exception, body: dict[str, Any], response: BoltResponse | None
) -> BoltResponse | None:
    """The last guard, for errors the handlers' own (`handlers.runtime.friendly_listener`)
    did not catch: logged with the traceback, and Slack gets a quick, empty 200 (a 500 would
    only make it retry the same request)."""
    kind = body.get("type", "slash command") if isinstance(body, dict) else "malformed"
    log.error("unexpected error in a %s request", str(kind)[:40], exc_info=error)
    if response is None:  # already acknowledged
        return None
    return BoltResponse(status=200, body="")
