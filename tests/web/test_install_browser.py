"""The install page in a real headless browser (Playwright driving Debian's chromium).

A small local server renders the pages with :mod:`bot.web.pages`; the "Add to Slack"
button leads to the emulator's authorize page, which sends the browser back to the
server's redirect URL with a code, and the server shows the success page. Skips, saying
why, where Playwright or a chromium binary is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from slack_sdk import WebClient

from bot.testing.emulator import SlackEmulator
from bot.web.pages import (
    Problem,
    authorize_url,
    render_error_page,
    render_install_page,
    render_success_page,
)
from bot.web.scopes import app_description

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = os.environ.get("MINGLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium browser at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


class _Site:
    """A tiny web server for the install pages, exchanging codes with the emulator."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

            def do_GET(self) -> None:  # noqa: N802
                status, body = site.page(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.redirect_uri = f"{self.url}/slack/oauth_redirect"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, path: str) -> tuple[int, str]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/slack/install":
            url = authorize_url(
                client_id=self.emu.oauth.client_id,
                scopes=app_description().bot_scopes,
                redirect_uri=self.redirect_uri,
                state="state-1",
                base_url=self.emu.authorize_url,
            )
            return 200, render_install_page(authorize_url=url)
        if parts.path == "/slack/oauth_redirect":
            if "error" in query:
                page = render_error_page(Problem.DENIED)
                return page.status, page.html
            reply = WebClient(base_url=self.emu.api_url).oauth_v2_access(
                client_id=self.emu.oauth.client_id,
                client_secret=self.emu.oauth.client_secret,
                code=query["code"],
                redirect_uri=self.redirect_uri,
            )
            return 200, render_success_page(team_name=reply["team"]["name"])
        return 404, "not found"


@pytest.fixture
def site() -> Iterator[_Site]:
    with SlackEmulator(team_name="Acme Research") as emu:
        emu.add_user("U1", name="alice", is_admin=True)
        served = _Site(emu)
        served.thread.start()
        try:
            yield served
        finally:
            served.server.shutdown()
            served.server.server_close()


def test_add_to_slack_button_leads_to_slack_and_back(browser: Any, site: _Site) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/slack/install")
    assert page.title() == "Add Mingle to Slack"
    button = page.get_by_role("link", name="Add to Slack")
    assert button.is_visible()
    href = urlsplit(button.get_attribute("href"))
    assert f"{href.scheme}://{href.netloc}{href.path}" == site.emu.authorize_url
    query = parse_qs(href.query)
    assert query["client_id"] == [site.emu.oauth.client_id]
    assert query["scope"] == [",".join(app_description().bot_scopes)]
    assert query["redirect_uri"] == [site.redirect_uri]
    assert query["state"] == ["state-1"]

    button.click()
    page.wait_for_url(f"{site.redirect_uri}?*")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Mingle is installed in Acme Research"
    assert "/mingle admin setup" in page.content()
    assert site.emu.authorize_requests[-1]["redirect_uri"] == site.redirect_uri
    page.close()


def test_cancelled_install_shows_a_way_back(browser: Any, site: _Site) -> None:
    site.emu.set_consent(deny=True)
    page = browser.new_page()
    page.goto(f"{site.url}/slack/install")
    page.get_by_role("link", name="Add to Slack").click()
    page.wait_for_url(f"{site.redirect_uri}?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Mingle was not installed"
    page.get_by_role("link", name="Back to the install page").click()
    page.wait_for_url(f"{site.url}/slack/install")
    assert page.get_by_role("link", name="Add to Slack").is_visible()
    page.close()
