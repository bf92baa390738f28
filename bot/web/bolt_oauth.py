"""Mingle's install pages plugged into Bolt's OAuth flow (multi-workspace mode).

Bolt serves ``GET /slack/install`` and ``GET /slack/oauth_redirect`` itself; these hooks
make it show Mingle's pages instead of its defaults::

    settings = oauth_settings(client_id=..., client_secret=..., redirect_uri=...,
                              installation_store=store, state_store=states)
    app = App(signing_secret=..., installation_store=store,
              oauth_flow=MingleOAuthFlow(settings=settings), ...)

* :class:`MingleOAuthFlow` renders the install page (:func:`render_install_page`);
* :func:`callback_options` renders the success page and, for every failure reason Bolt
  reports, the matching error page with its status (never a 500);
* :class:`EncodedAuthorizeUrlGenerator` builds Slack's authorize URL with every value
  URL-encoded (slack_sdk's generator leaves ``redirect_uri`` raw).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.web.pages import (
    SLACK_AUTHORIZE_URL,
    Problem,
    authorize_url,
    problem_for,
    render_error_page,
    render_install_page,
    render_success_page,
)
from bot.web.scopes import app_description

#: Told of each installation Bolt saved (Mingle records the workspace).
OnInstalled = Callable[[Installation], None]


def _html_headers() -> dict[str, str | Sequence[str]]:
    return {"content-type": "text/html; charset=utf-8"}


class EncodedAuthorizeUrlGenerator(AuthorizeUrlGenerator):
    """Slack's authorize URL for Bolt, built by :func:`bot.web.pages.authorize_url`."""

    def generate(self, state: str, team: str | None = None) -> str:
        return authorize_url(
            client_id=self.client_id,
            scopes=list(self.scopes or ()),
            user_scopes=list(self.user_scopes or ()),
            redirect_uri=self.redirect_uri,
            state=state,
            team=team,
            base_url=self.authorization_url,
        )


class MingleOAuthFlow(OAuthFlow):
    """Bolt's OAuth flow, showing Mingle's install page."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return render_install_page(authorize_url=url)


def _success(args: SuccessArgs, on_installed: OnInstalled | None = None) -> BoltResponse:
    installation: Any = args.installation
    if on_installed is not None:
        on_installed(installation)
    html = render_success_page(
        team_name=installation.team_name or installation.enterprise_name,
        is_enterprise_install=bool(installation.is_enterprise_install),
    )
    return BoltResponse(status=200, body=html, headers=_html_headers())


def _failure(args: FailureArgs) -> BoltResponse:
    problem = problem_for(str(args.reason))
    detail = str(args.reason) if problem is Problem.SLACK else None
    page = render_error_page(problem, detail=detail)
    return BoltResponse(status=page.status, body=page.html, headers=_html_headers())


def callback_options(on_installed: OnInstalled | None = None) -> CallbackOptions:
    """Success and failure pages for ``OAuthSettings(callback_options=...)``;
    ``on_installed`` is told of each saved installation before the success page."""
    return CallbackOptions(success=lambda args: _success(args, on_installed), failure=_failure)


def oauth_settings(
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str | None,
    installation_store: InstallationStore,
    state_store: OAuthStateStore,
    scopes: Sequence[str] | None = None,
    authorization_url: str = SLACK_AUTHORIZE_URL,
    on_installed: OnInstalled | None = None,
) -> OAuthSettings:
    """Bolt's OAuth settings with Mingle's pages; ``scopes`` default to the manifest's."""
    settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes if scopes is not None else app_description().bot_scopes),
        redirect_uri=redirect_uri,
        install_page_rendering_enabled=True,
        callback_options=callback_options(on_installed),
        authorization_url=authorization_url,
        installation_store=installation_store,
        state_store=state_store,
    )
    settings.authorize_url_generator = EncodedAuthorizeUrlGenerator(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=settings.scopes,
        user_scopes=settings.user_scopes,
        authorization_url=authorization_url,
    )
    return settings
