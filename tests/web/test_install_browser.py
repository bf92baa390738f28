"""The install pages of the real app, in a real headless browser (Playwright driving
Debian's chromium).

The Mingle app runs in multi-workspace mode (`RunningApp(multi_workspace=True)`, as
`mingle serve` with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) against the emulator. The
browser opens `GET /slack/install`, follows the "Add to Slack" button to the emulator's
authorize page, which sends it back to the app's `GET /slack/oauth_redirect`, and reads
the success or error page. Bolt's state cookie travels as in any browser. One run has
JavaScript turned off: the pages need none. Skips, saying why, where Playwright or a
chromium binary is missing (`.ci/run` installs chromium).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot.services.workspaces import InstalledWorkspaces
from bot.testing.app_runner import RunningApp
from bot.testing.emulator import SlackEmulator

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = os.environ.get("MINGLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
NEXT_STEP = "invite @Mingle to a channel and run /mingle admin setup"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium browser at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[SlackEmulator, RunningApp]]:
    with SlackEmulator(team_name="Acme Research") as emu:
        emu.add_user("U1", name="alice", is_admin=True)
        with RunningApp(emu, sqlite_url, multi_workspace=True) as app:
            yield emu, app
        app.engine.dispose()


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=request.param)
    opened = context.new_page()
    yield opened
    context.close()


def manifest_bot_scopes() -> list[str]:
    manifest = yaml.safe_load(MANIFEST.read_text())
    return list(manifest["oauth_config"]["scopes"]["bot"])


def store_of(app: RunningApp) -> Any:
    lookup = app.deps.workspaces
    assert isinstance(lookup, InstalledWorkspaces)
    return lookup.store


def check_basics(page: Any) -> None:
    """Accessibility basics every page keeps: a language, one main heading, a title."""
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("h1").count() == 1
    assert page.title().strip()


def test_add_to_slack_leads_to_slack_and_back_to_the_success_page(
    page: Any, site: tuple[SlackEmulator, RunningApp]
) -> None:
    emu, app = site
    response = page.goto(f"{app.url}/slack/install")
    assert response is not None and response.status == 200
    check_basics(page)
    assert page.title() == "Add Mingle to Slack"

    # The button is a link with discernible text, leading to Slack's authorize page.
    button = page.get_by_role("link", name="Add to Slack", exact=True)
    assert button.count() == 1 and button.is_visible()
    assert button.evaluate("el => el.tagName") == "A"
    href = urlsplit(button.get_attribute("href"))
    assert f"{href.scheme}://{href.netloc}{href.path}" == emu.authorize_url
    query = parse_qs(href.query)
    assert query["client_id"] == [emu.oauth.client_id]
    assert query["scope"][0].split(",") == manifest_bot_scopes()
    assert query["redirect_uri"] == [f"{app.url}/slack/oauth_redirect"]
    assert query["state"][0]
    # Every scope is listed on the page with its reason.
    for scope in manifest_bot_scopes():
        assert page.locator("dl.scopes dt", has_text=scope).count() >= 1

    button.click()
    page.wait_for_url(f"{app.url}/slack/oauth_redirect?*")
    check_basics(page)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Mingle is installed in Acme Research"
    assert NEXT_STEP in " ".join(page.locator("main").inner_text().split())
    assert emu.authorize_requests[-1]["redirect_uri"] == f"{app.url}/slack/oauth_redirect"
    saved = store_of(app).find_installation(enterprise_id=None, team_id=emu.team_id)
    assert saved is not None and saved.team_name == "Acme Research"


def test_a_cancelled_install_shows_the_error_page_with_a_way_back(
    page: Any, site: tuple[SlackEmulator, RunningApp]
) -> None:
    emu, app = site
    emu.set_consent(deny=True)
    page.goto(f"{app.url}/slack/install")
    page.get_by_role("link", name="Add to Slack").click()
    page.wait_for_url(f"{app.url}/slack/oauth_redirect?*")
    check_basics(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Mingle was not installed"
    assert "cancelled" in page.locator("main").inner_text()
    page.get_by_role("link", name="Back to the install page").click()
    page.wait_for_url(f"{app.url}/slack/install")
    assert page.get_by_role("link", name="Add to Slack").is_visible()
    assert store_of(app).find_installation(enterprise_id=None, team_id=emu.team_id) is None


def test_the_button_shows_keyboard_focus(
    browser: Any, site: tuple[SlackEmulator, RunningApp]
) -> None:
    _emu, app = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{app.url}/slack/install")
    for _ in range(10):  # tab through the page until the button has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "add-to-slack":
            break
    else:
        raise AssertionError("the Add to Slack button never gets keyboard focus")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    context.close()
