"""The install, success and error pages: what they say, where the button leads, and that
they are accessible plain HTML (no script) with everything escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot.web.pages import (
    Problem,
    authorize_url,
    problem_for,
    render_error_page,
    render_install_page,
    render_success_page,
)
from bot.web.scopes import SCOPE_REASONS, app_description

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_SCOPES = yaml.safe_load((ROOT / "manifest.yml").read_text())["oauth_config"]["scopes"]
REDIRECT = "https://mingle.example.com/slack/oauth_redirect"


class _Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def first(self, tag: str) -> dict[str, str | None]:
        return next(attrs for name, attrs in self.tags if name == tag)

    def plain(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _accessible(html: str) -> _Page:
    page = _Page(html)
    assert page.first("html")["lang"] == "en"
    names = [name for name, _ in page.tags]
    assert "title" in names and names.count("h1") == 1
    assert "script" not in names and "onclick" not in html
    return page


def test_every_manifest_scope_has_a_reason() -> None:
    bot_scopes = MANIFEST_SCOPES["bot"]
    assert app_description().bot_scopes == tuple(bot_scopes)
    assert sorted(SCOPE_REASONS) == sorted(bot_scopes), "reasons and manifest scopes differ"
    assert all(len(reason) > 20 for reason in SCOPE_REASONS.values())


def test_authorize_url_encodes_every_value() -> None:
    url = authorize_url(
        client_id="1111.2222", scopes=["chat:write", "commands"], redirect_uri=REDIRECT, state="a&b"
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://slack.com/oauth/v2/authorize"
    assert parse_qs(parts.query) == {
        "client_id": ["1111.2222"],
        "scope": ["chat:write,commands"],
        "redirect_uri": [REDIRECT],
        "state": ["a&b"],
    }


def test_install_page_explains_scopes_and_links_to_slack() -> None:
    url = authorize_url(
        client_id="1111.2222", scopes=MANIFEST_SCOPES["bot"], redirect_uri=REDIRECT, state="s1"
    )
    page = _accessible(render_install_page(authorize_url=url))
    text = page.plain()
    assert "Add Mingle to your Slack workspace" in text
    assert app_description().description in text
    for scope, reason in SCOPE_REASONS.items():
        assert scope in text and reason in text
    button = next(attrs for name, attrs in page.tags if attrs.get("id") == "add-to-slack")
    assert button["href"] == url
    assert "Add to Slack" in text


def test_success_page_names_the_workspace_and_the_next_step() -> None:
    page = _accessible(render_success_page(team_name="Acme <Research> & Co"))
    text = page.plain()
    assert "Mingle is installed in Acme <Research> & Co" in text
    assert "invite @Mingle to a channel and run /mingle admin setup" in text
    assert "Acme &lt;Research&gt; &amp; Co" in render_success_page(team_name="Acme <Research> & Co")


@pytest.mark.parametrize(
    ("reason", "problem", "status", "says"),
    [
        ("access_denied", Problem.DENIED, 200, "You cancelled the installation"),
        ("invalid_state", Problem.STATE, 400, "This install link has expired"),
        ("invalid_browser", Problem.STATE, 400, "opened in a different browser"),
        ("invalid_code", Problem.SLACK, 400, "Slack answered with an error"),
        ("storage_error", Problem.STORAGE, 503, "could not save it"),
    ],
)
def test_error_pages_explain_and_lead_back(
    reason: str, problem: Problem, status: int, says: str
) -> None:
    assert problem_for(reason) is problem
    page = render_error_page(problem, detail="<b>bad</b>" if problem is Problem.SLACK else None)
    assert page.status == status
    parsed = _accessible(page.html)
    assert says in parsed.plain()
    assert ("a", {"href": "/slack/install"}) in parsed.tags
    assert "<b>bad</b>" not in page.html
