"""The install pages: pure functions from what to show to an HTML string.

Templates live in ``bot/web/templates`` and are rendered by Jinja2 with autoescaping on,
so a workspace name or an error code from Slack can never inject markup. The pages are
plain HTML with a little CSS and no JavaScript.

* :func:`render_install_page` -- what Mingle is, the scopes it asks for and why, and an
  "Add to Slack" button leading to Slack's authorize URL (:func:`authorize_url`);
* :func:`render_success_page` -- installed into a workspace: what to do next;
* :func:`render_error_page` -- a denied install, an expired or forged state, an error from
  Slack, or an installation that could not be saved; each with a way back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.web.scopes import AppDescription, app_description, explained_scopes

SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
INSTALL_PATH = "/slack/install"

_env = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def authorize_url(
    *,
    client_id: str,
    scopes: Sequence[str],
    redirect_uri: str | None,
    state: str,
    user_scopes: Sequence[str] = (),
    team: str | None = None,
    base_url: str = SLACK_AUTHORIZE_URL,
) -> str:
    """Slack's authorize URL for one install attempt, every value URL-encoded."""
    params = {
        "client_id": client_id,
        "scope": ",".join(scopes),
        "user_scope": ",".join(user_scopes),
        "state": state,
    }
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    if team is not None:
        params["team"] = team
    return f"{base_url}?{urlencode(params)}"


def render_install_page(*, authorize_url: str, app: AppDescription | None = None) -> str:
    """The page at ``GET /slack/install``."""
    app = app or app_description()
    return _env.get_template("install.html").render(
        app=app,
        scopes=explained_scopes(app.bot_scopes),
        authorize_url=authorize_url,
    )


def render_success_page(
    *,
    team_name: str | None,
    is_enterprise_install: bool = False,
    app_name: str | None = None,
) -> str:
    """The page after Slack sent the person back and the installation was saved."""
    return _env.get_template("success.html").render(
        app_name=app_name or app_description().name,
        team_name=team_name,
        is_enterprise_install=is_enterprise_install,
        install_path=INSTALL_PATH,
    )


class Problem(StrEnum):
    """Why an install did not complete, as the error page explains it."""

    DENIED = "denied"
    """The person pressed Cancel on Slack's page."""
    STATE = "state"
    """The install link expired, was used already, was opened in another browser, or forged."""
    SLACK = "slack"
    """Slack answered with an error (or no code)."""
    STORAGE = "storage"
    """Mingle could not save the installation."""


@dataclass(frozen=True)
class ErrorPage:
    status: int
    html: str


_STATUS = {Problem.DENIED: 200, Problem.STATE: 400, Problem.SLACK: 400, Problem.STORAGE: 503}


def render_error_page(problem: Problem, *, detail: str | None = None) -> ErrorPage:
    """An error page and its HTTP status; ``detail`` is Slack's error code, if any."""
    html = _env.get_template("error.html").render(
        app_name=app_description().name,
        problem=problem.value,
        detail=detail,
        install_path=INSTALL_PATH,
    )
    return ErrorPage(_STATUS[problem], html)


def problem_for(reason: str) -> Problem:
    """Bolt's failure ``reason`` (or Slack's ``error`` parameter) as a :class:`Problem`."""
    if reason == "access_denied":
        return Problem.DENIED
    if reason in ("invalid_state", "invalid_browser"):
        return Problem.STATE
    if reason == "storage_error":
        return Problem.STORAGE
    return Problem.SLACK
