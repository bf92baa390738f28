"""The emulator's side of installing an app: OAuth codes, tokens, rotation and revocation.

:class:`TokenBook` is plain data guarded by the emulator's lock (no I/O here). It follows
Slack's OAuth v2 flow:

* the authorize step (``GET /oauth/v2/authorize``) records a :class:`PendingInstall` and hands
  out a single-use ``code`` that expires after ten minutes;
* ``oauth.v2.access`` exchanges the code (client id and secret checked, ``redirect_uri``
  must match) for a bot token, and a user token when user scopes were asked for;
* with token rotation on, access tokens expire after ``token_lifetime`` seconds and come
  with a single-use refresh token; ``grant_type=refresh_token`` returns a new pair, and
  a refresh token used twice answers ``invalid_refresh_token``. An older access token stays
  valid until it expires, as on Slack;
* revoking (an uninstall, or ``tokens_revoked``) makes the tokens answer ``token_revoked``.

An org-wide install (Enterprise Grid) gives one token for every workspace of the
organisation; it has no ``team_id`` of its own.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Literal

from bot.testing.api import JSON, SlackApiError

CODE_LIFETIME = 600
TokenKind = Literal["bot", "user"]


@dataclass
class OAuthApp:
    """The emulated app's OAuth settings, as on its "OAuth & Permissions" page."""

    client_id: str = "1111.2222"
    client_secret: str = "emulator-client-secret"
    redirect_urls: list[str] = field(default_factory=list)
    """Allowed redirect URLs; empty allows any (like an app with none configured)."""
    token_rotation: bool = False
    token_lifetime: int = 43_200
    """Seconds an access token lives when rotation is on (Slack's: 12 hours)."""


@dataclass
class Consent:
    """What the person in the browser does on the authorize page."""

    team_id: str | None = None
    """The workspace they install into (``None``: the emulator's first workspace)."""
    user_id: str | None = None
    """Who installs (``None``: the workspace's first admin, or first person)."""
    org_wide: bool = False
    """Install for the whole Enterprise Grid organisation of ``team_id``."""
    deny: bool = False
    """Press "Cancel": the redirect carries ``error=access_denied``."""


@dataclass
class PendingInstall:
    """An authorize step the person agreed to, waiting for its code to be exchanged."""

    code: str
    client_id: str
    redirect_uri: str | None
    team_id: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    team_name: str | None
    is_enterprise_install: bool
    installer: str
    bot_user_id: str
    bot_scopes: str
    user_scopes: str
    expires_at: float


@dataclass
class Grant:
    """One access token and what it may act on."""

    token: str
    kind: TokenKind
    user_id: str
    """The bot user for a bot token, the person for a user token."""
    team_id: str | None
    """``None`` for an org-wide install."""
    enterprise_id: str | None
    scope: str
    expires_at: float | None = None
    revoked: bool = False
    issued_at: float = field(default_factory=time.time)

    @property
    def is_enterprise_install(self) -> bool:
        return self.team_id is None and self.enterprise_id is not None


@dataclass
class RefreshGrant:
    token: str
    kind: TokenKind
    user_id: str
    team_id: str | None
    enterprise_id: str | None
    scope: str
    used: bool = False


class TokenBook:
    """Every code, access token and refresh token the emulator handed out."""

    def __init__(self) -> None:
        self.app = OAuthApp()
        self.consent = Consent()
        self.codes: dict[str, PendingInstall] = {}
        self.grants: dict[str, Grant] = {}
        self.refresh_grants: dict[str, RefreshGrant] = {}
        self.clock_offset = 0.0
        self._serial = itertools.count(1)

    def now(self) -> float:
        return time.time() + self.clock_offset

    # -- issuing -------------------------------------------------------------------

    def new_code(self, install: PendingInstall) -> str:
        self.codes[install.code] = install
        return install.code

    def fresh_code(self) -> str:
        return f"{next(self._serial)}.{secrets.token_hex(12)}"

    def _issue(
        self,
        kind: TokenKind,
        user_id: str,
        team_id: str | None,
        enterprise_id: str | None,
        scope: str,
    ) -> JSON:
        """A new access token (and refresh token when rotating): the token fields of a reply."""
        serial = next(self._serial)
        where = team_id or enterprise_id or "T"
        prefix = "xoxb" if kind == "bot" else "xoxp"
        body = f"{prefix}-{where}-{serial}-{secrets.token_hex(10)}"
        rotating = self.app.token_rotation
        token = f"xoxe.{body}" if rotating else body
        grant = Grant(token, kind, user_id, team_id, enterprise_id, scope)
        out: JSON = {"access_token": token, "token_type": kind, "scope": scope}
        if rotating:
            grant.expires_at = self.now() + self.app.token_lifetime
            refresh = f"xoxe-1-{serial}-{secrets.token_hex(16)}"
            self.refresh_grants[refresh] = RefreshGrant(
                refresh, kind, user_id, team_id, enterprise_id, scope
            )
            out["refresh_token"] = refresh
            out["expires_in"] = self.app.token_lifetime
        self.grants[token] = grant
        return out

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.app.client_id:
            raise SlackApiError("invalid_client_id")
        if client_secret != self.app.client_secret:
            raise SlackApiError("bad_client_secret")

    def exchange(self, code: str | None, redirect_uri: str | None) -> tuple[PendingInstall, JSON]:
        """``oauth.v2.access`` with a code: the install and the reply's token fields."""
        install = self.codes.pop(code or "", None)
        if install is None or install.expires_at < self.now():
            raise SlackApiError("invalid_code")
        if install.redirect_uri is not None and redirect_uri != install.redirect_uri:
            raise SlackApiError("bad_redirect_uri")
        bot = self._issue(
            "bot",
            install.bot_user_id,
            install.team_id,
            install.enterprise_id,
            install.bot_scopes,
        )
        authed_user: JSON = {"id": install.installer}
        if install.user_scopes:
            user = self._issue(
                "user",
                install.installer,
                install.team_id,
                install.enterprise_id,
                install.user_scopes,
            )
            authed_user.update(user)
        return install, {**bot, "authed_user": authed_user}

    def refresh(self, refresh_token: str | None) -> tuple[RefreshGrant, JSON]:
        """``grant_type=refresh_token``: a new access token and a new refresh token."""
        old = self.refresh_grants.get(refresh_token or "")
        if old is None or old.used:
            raise SlackApiError("invalid_refresh_token")
        old.used = True
        fresh = self._issue(old.kind, old.user_id, old.team_id, old.enterprise_id, old.scope)
        return old, fresh

    # -- using and revoking --------------------------------------------------------

    def check(self, token: str) -> Grant | None:
        """The grant behind ``token``; raise Slack's error for a revoked or expired one."""
        grant = self.grants.get(token)
        if grant is None:
            return None
        if grant.revoked:
            raise SlackApiError("token_revoked")
        if grant.expires_at is not None and grant.expires_at <= self.now():
            raise SlackApiError("token_expired")
        return grant

    def _matching(self, team_id: str | None, enterprise_id: str | None) -> list[Grant]:
        return [
            g
            for g in self.grants.values()
            if (team_id is not None and g.team_id == team_id)
            or (team_id is None and g.team_id is None and g.enterprise_id == enterprise_id)
        ]

    def revoke(
        self,
        team_id: str | None,
        enterprise_id: str | None = None,
        *,
        kinds: tuple[TokenKind, ...] = ("bot", "user"),
        user_ids: list[str] | None = None,
    ) -> dict[str, list[str]]:
        """Revoke tokens of one install; ``{"oauth": [people], "bot": [bot users]}``."""
        revoked: dict[str, list[str]] = {"oauth": [], "bot": []}
        for grant in self._matching(team_id, enterprise_id):
            if grant.revoked or grant.kind not in kinds:
                continue
            if user_ids is not None and grant.user_id not in user_ids:
                continue
            grant.revoked = True
            bucket = revoked["bot" if grant.kind == "bot" else "oauth"]
            if grant.user_id not in bucket:
                bucket.append(grant.user_id)
        for refresh in self.refresh_grants.values():
            same_install = refresh.team_id == team_id and (
                team_id is not None or refresh.enterprise_id == enterprise_id
            )
            if same_install and refresh.kind in kinds:
                if user_ids is None or refresh.user_id in user_ids:
                    refresh.used = True
        return revoked

    def expire(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Make every access token of one install expire now."""
        for grant in self._matching(team_id, enterprise_id):
            if grant.expires_at is not None or self.app.token_rotation:
                grant.expires_at = self.now() - 1

    def tokens(self, team_id: str | None, enterprise_id: str | None = None) -> set[str]:
        """Every access token ever issued for one install."""
        return {g.token for g in self._matching(team_id, enterprise_id)}
