"""Assembling Mingle: the services (`build_deps`) and the Bolt app (`build_app`).

This is the one place where dependencies are put together. Nothing is built at import time,
so tests and the CLI build exactly the app they need.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.core import ids
from bot.errors import SlackAuthError
from bot.middleware import CheckShape, knows_workspace, workspace_boundary
from bot.services import events
from bot.services.deps import Delivery, Deps, utcnow
from bot.services.features import HOME_SECTIONS
from bot.services.workspaces import InstalledWorkspaces, SingleWorkspace, WorkspaceAuthorize
from bot.slack.client import make_web_client
from bot.slack.gateway import SlackGateway
from storage.db import make_engine, make_session_factory
from storage.installations import InstallationStore, oauth_state_store
from storage.repositories import retention

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
    if settings.multi_workspace:
        return _multi_workspace_deps(settings, engine, client, clock, delivery)
    if client is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = make_web_client(token, settings.slack_api_url)
    slack = SlackGateway(client)
    auth = slack.auth_test() if verify_token and client.token else {}
    team_id, bot_user_id = str(auth.get("team_id", "")), str(auth.get("user_id", ""))
    return Deps(
        settings=settings,
        sessions=make_session_factory(engine),
        slack=slack,
        team_id=team_id,
        bot_user_id=bot_user_id,
        clock=clock,
        home_sections=HOME_SECTIONS,
        delivery=delivery or Delivery(),
        workspaces=SingleWorkspace(slack, team_id, bot_user_id),
    )


def _multi_workspace_deps(
    settings: Settings,
    engine: Engine,
    client: WebClient | None,
    clock: Callable[[], dt.datetime],
    delivery: Delivery | None,
) -> Deps:
    """Multi-workspace mode: no token of its own; each workspace's comes from its install
    (`bot.services.workspaces.InstalledWorkspaces`). `slack` is the tokenless client Bolt
    starts from; services get a workspace's gateway through `Deps.for_team`."""
    client_id = str(settings.slack_client_id)
    secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    sessions = make_session_factory(engine)
    workspaces = InstalledWorkspaces(
        InstallationStore(client_id, engine),
        sessions,
        client_id=client_id,
        client_secret=secret,
        api_url=settings.slack_api_url,
        clock=clock,
    )
    return Deps(
        settings=settings,
        sessions=sessions,
        slack=SlackGateway(client or make_web_client(None, settings.slack_api_url)),
        clock=clock,
        home_sections=HOME_SECTIONS,
        delivery=delivery or Delivery(),
        workspaces=workspaces,
    )


def build_app(settings: Settings, deps: Deps, *, socket_mode: bool = False) -> App:
    """The Bolt app: middleware (payload shape, services, workspace boundary, event dedup),
    every handler, and error handling."""
    import handlers

    # An empty string, not None: Bolt would otherwise read SLACK_SIGNING_SECRET itself.
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    multi = isinstance(deps.workspaces, InstalledWorkspaces) and not socket_mode
    oauth: dict[str, Any] = _oauth(settings, deps) if multi else {}
    app = App(
        client=deps.slack.client,
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        ignoring_self_events_enabled=True,
        url_verification_enabled=True,
        logger=logging.getLogger("mingle.bolt"),
        before_authorize=_BeforeAuthorize(deps),
        **oauth,
    )
    if multi:
        app.enable_token_revocation_listeners()
    app.use(_provide_deps(deps))
    app.use(_deduplicate_events(deps))
    app.use(_uninstall_on_revocation(deps))
    app.error(_on_error)
    handlers.register(app)
    if not multi:
        for event in REVOCATION_EVENTS:  # acknowledged; `_uninstall_on_revocation` acted
            app.event(event)(_acknowledged)
    return app


def _oauth(settings: Settings, deps: Deps) -> dict[str, Any]:
    """Bolt's OAuth flow (install pages, the redirect) and its authorize step, over the
    installation store in Mingle's database (multi-workspace mode)."""
    from bot.services import uninstall
    from bot.web.bolt_oauth import MingleOAuthFlow, oauth_settings

    workspaces = deps.workspaces
    assert isinstance(workspaces, InstalledWorkspaces)
    store = workspaces.store
    secret = settings.slack_client_secret
    flow_settings = oauth_settings(
        client_id=str(settings.slack_client_id),
        client_secret=secret.get_secret_value() if secret else "",
        redirect_uri=settings.slack_redirect_uri,
        installation_store=store,
        state_store=oauth_state_store(store.engine),
        authorization_url=settings.slack_authorize_url,
        on_installed=lambda installation: uninstall.installed(deps, installation),
    )
    flow = MingleOAuthFlow(
        client=deps.slack.client, settings=flow_settings, logger=logging.getLogger("mingle.oauth")
    )
    # The store goes to App as well, or Bolt's token refresher ignores SLACK_API_URL; the
    # authorize step is Mingle's, so a token is refreshed by one code path only.
    return {
        "installation_store": store,
        "authorize": WorkspaceAuthorize(workspaces),
        "oauth_flow": flow,
    }


#: Slack's events saying Mingle lost a workspace (in no guaranteed order).
REVOCATION_EVENTS = ids.REVOCATION_EVENTS


def _acknowledged(ack: Callable[[], None]) -> None:
    ack()


def _revocation(body: dict[str, Any]) -> str | None:
    """`app_uninstalled`, or `tokens_revoked` of the bot's token; else None."""
    if body.get("type") != "event_callback" or not isinstance(body.get("event"), dict):
        return None
    event = body["event"]
    kind = event.get("type")
    if kind == "app_uninstalled":
        return "app_uninstalled"
    tokens = event.get("tokens")
    if kind == "tokens_revoked" and isinstance(tokens, dict) and tokens.get("bot"):
        return "tokens_revoked"
    return None


class _BeforeAuthorize(Middleware):
    """Before Bolt looks for the workspace's token: the payload's shape, then the workspace
    boundary (a workspace that is not installed gets an empty 200, never Bolt's "please
    install" answer). Slack's revocation events always pass (either may come second), and
    so do its URL and SSL checks, which belong to no workspace."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.shape = CheckShape()
        self.boundary = workspace_boundary(deps)

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        def within() -> BoltResponse:
            body = req.body
            if _revocation(body) is not None:
                context = req.context
                if knows_workspace(self.deps, context.team_id, context.enterprise_id):
                    return next()
                return self.boundary(body, context, next) or BoltResponse(status=200)
            if body.get("type") == "url_verification":
                return next()
            if body.get("ssl_check"):
                return next()
            return self.boundary(req.body, req.context, next) or BoltResponse(status=200)

        return self.shape.process(req=req, resp=resp, next=within)


def _uninstall_on_revocation(deps: Deps) -> Callable[..., Any]:
    """On `app_uninstalled` or `tokens_revoked` (the bot's): stop serving the workspace
    (`bot.services.uninstall.uninstall`) before Bolt's own listener deletes its tokens."""
    from bot.services.uninstall import uninstall

    def uninstall_on_revocation(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        kind = _revocation(body)
        if kind is not None:
            org_wide = bool(context.is_enterprise_install)
            team_id = context.team_id or deps.team_id or None
            log.info("Slack says %s for team %s", kind, str(team_id)[:40])
            uninstall(deps, team_id, context.enterprise_id, org_wide=org_wide)
        return next()

    return uninstall_on_revocation


def _provide_deps(deps: Deps) -> Callable[..., Any]:
    """Each request's services, bound to its workspace (`Deps.for_team`)."""

    def provide_deps(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        bound = deps
        if context.team_id and _revocation(body) is None:
            try:
                bound = deps.for_team(context.team_id, context.enterprise_id)
            except SlackAuthError:
                bound = deps
        context["deps"] = bound
        return next()

    return provide_deps


def _deduplicate_events(deps: Deps) -> Callable[..., Any]:
    """Process each Slack event once, even when Slack retries it or two instances get it.

    Only events a listener will act on are recorded (`bot.services.events.acts_on`): the
    chatter Mingle ignores costs no write. The records are pruned after a day."""

    def deduplicate_events(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        team_id = str(body.get("team_id") or context.team_id or deps.team_id)
        event = body.get("event")
        if not events.acts_on(deps, team_id, event if isinstance(event, dict) else {}):
            return next()  # the listeners ignore it too
        with deps.sessions.begin() as session:
            new = retention.record_event(session, team_id, str(event_id), deps.clock())
        if not new:
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
