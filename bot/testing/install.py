"""Installing Mingle into an emulated workspace the way a person does, over HTTP.

`install_through_pages` opens the app's `GET /slack/install` page, follows its "Add to
Slack" link to the emulator's authorize page, which redirects back to the app's
`GET /slack/oauth_redirect`, and returns the page shown there. Redirects are followed and
cookies kept in a jar, as a browser would.

One difference from a browser is bridged: Bolt's OAuth state cookie is `Secure`, which a
browser sends to `http://127.0.0.1` and `http://localhost` (they count as secure contexts)
but Python's `http.cookiejar` does not. `LocalhostCookiePolicy` treats them as secure.
Used by `mingle demo --workspaces 2` and the end-to-end tests.
"""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Hosts a browser treats as a secure context over plain HTTP.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_BUTTON = re.compile(r'id="add-to-slack" href="([^"]+)"')
_HEADING = re.compile(r"<h1>(.*?)</h1>", re.S)


class LocalhostCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send `Secure` cookies to localhost over HTTP, as browsers do."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        host = urlsplit(request.get_full_url()).hostname or ""
        if host in LOCAL_HOSTS:
            return True
        return bool(super().return_ok_secure(cookie, request))


@dataclass(frozen=True)
class InstallPage:
    """The page the browser ends on after an install (success or error)."""

    status: int
    url: str
    html: str

    @property
    def heading(self) -> str:
        found = _HEADING.search(self.html)
        return html.unescape(re.sub(r"\s+", " ", found.group(1)).strip()) if found else ""

    @property
    def text(self) -> str:
        """The page's words, without tags (for printing and simple checks)."""
        body = re.sub(r"<(style|head)\b.*?</\1>", " ", self.html, flags=re.S)
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).strip()


def browser() -> urllib.request.OpenerDirector:
    """An opener that follows redirects and keeps cookies, localhost counting as secure."""
    jar = http.cookiejar.CookieJar(policy=LocalhostCookiePolicy())
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _open(opener: urllib.request.OpenerDirector, url: str) -> InstallPage:
    try:
        with opener.open(url, timeout=15) as response:
            return InstallPage(response.status, response.geturl(), response.read().decode())
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        exc.close()
        return InstallPage(exc.code, exc.geturl(), body)


def add_to_slack_link(page: str) -> str:
    """The "Add to Slack" button's link on the install page."""
    found = _BUTTON.search(page)
    if found is None:
        raise AssertionError("the install page has no Add to Slack button")
    return html.unescape(found.group(1))


def install_through_pages(
    app_url: str,
    emulator: Any,
    team_id: str | None,
    *,
    user_id: str | None = None,
    org_wide: bool = False,
    deny: bool = False,
) -> InstallPage:
    """Install the app running at `app_url` into `team_id` of `emulator` through its pages
    (the person on the authorize page consents, or cancels with `deny`)."""
    opener = browser()
    start = _open(opener, app_url.rstrip("/") + "/slack/install")
    if start.status != 200:
        raise AssertionError(f"GET /slack/install answered {start.status}")
    emulator.set_consent(team_id, user_id, org_wide=org_wide, deny=deny)
    return _open(opener, add_to_slack_link(start.html))
