"""Which token serves a workspace: one lookup for both modes (`Deps.slack_for`).

* Single-workspace mode (`SingleWorkspace`): the one gateway built from `SLACK_BOT_TOKEN`
  serves its own workspace, and refuses any other (`WorkspaceNotInstalled`).
* Multi-workspace mode (`InstalledWorkspaces`): the workspace's installation is found in
  slack_sdk's installation store (a workspace of an Enterprise Grid organisation without an
  install of its own uses the organisation's), its rotating token is refreshed when it
  expires within `refresh_before`, and a gateway with that token is kept per workspace.

A refresh token is single-use, so one instance at a time refreshes an install: it takes the
install's lease (`storage.repositories.workspaces.take_refresh_lease`, a compare-and-set on
the `workspace` row), reads the installation again (another instance may have refreshed it
meanwhile), refreshes, saves the new pair, and releases the lease. The others wait for the
saved token. The same lookup answers Bolt's authorize step (`WorkspaceAuthorize`), so a
token is never refreshed by two code paths.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.authorization.authorize import Authorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_bolt.context.context import BoltContext
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.token_rotation.rotator import TokenRotator

from bot.errors import SlackAuthError, WorkspaceNotInstalled
from bot.slack.client import make_web_client
from bot.slack.gateway import SlackGateway
from storage.db import SessionFactory
from storage.installations import InstallationStore
from storage.repositories import workspaces as repo

log = logging.getLogger("mingle.workspaces")

#: Refresh a rotating token when it expires within this long.
REFRESH_BEFORE = dt.timedelta(minutes=10)
#: How long one instance may hold an install's refresh lease.
REFRESH_LEASE = dt.timedelta(seconds=30)
#: How long another instance waits for a refresh in progress.
REFRESH_WAIT_SECONDS = 15.0
#: How long "this workspace is installed" is believed before the database is asked again.
INSTALLED_SECONDS = 30.0


class SingleWorkspace:
    """Single-workspace mode: the one bot token, for its own workspace."""

    multi = False

    def __init__(self, gateway: SlackGateway, team_id: str, bot_user_id: str) -> None:
        self.default = gateway
        self.team_id = team_id
        self._bot_user_id = bot_user_id
        self._gone = False

    def gateway(self, team_id: str, enterprise_id: str | None = None) -> SlackGateway:
        if self._gone or (self.team_id and team_id and team_id != self.team_id):
            raise WorkspaceNotInstalled(team_id)
        return self.default

    def bot_user_id(self, team_id: str) -> str:
        return self._bot_user_id

    def is_installed(self, team_id: str | None, enterprise_id: str | None) -> bool:
        if self._gone:
            return False
        return self.knows(team_id, enterprise_id)

    def knows(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether Mingle serves, or served, this workspace (revocations are for it)."""
        return not self.team_id or team_id == self.team_id

    def teams(self) -> list[str | None]:
        """The workspaces a delivery pass goes through (None: every row)."""
        return [self.team_id or None]

    def forget(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """The workspace uninstalled Mingle."""
        if not self.team_id or team_id == self.team_id:
            self._gone = True


@dataclass
class _Entry:
    gateway: SlackGateway
    bot_user_id: str
    bot_id: str
    scopes: list[str]
    enterprise_id: str | None
    expires_at: float | None  # epoch seconds; None: the token does not expire
    checked_at: float


class InstalledWorkspaces:
    """Multi-workspace mode: each workspace's installation, from the installation store."""

    multi = True

    def __init__(
        self,
        store: InstallationStore,
        sessions: SessionFactory,
        *,
        client_id: str,
        client_secret: str,
        api_url: str,
        clock: Callable[[], dt.datetime],
        refresh_before: dt.timedelta = REFRESH_BEFORE,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.api_url = api_url
        self.clock = clock
        self.refresh_before = refresh_before
        self.rotator = TokenRotator(
            client_id=client_id,
            client_secret=client_secret,
            client=make_web_client(None, api_url),
        )
        #: How many times this process refreshed a token (a figure for tests and logs).
        self.refreshes = 0
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._team_locks: dict[str, threading.Lock] = {}

    # -- the lookup ----------------------------------------------------------------------

    def gateway(self, team_id: str, enterprise_id: str | None = None) -> SlackGateway:
        """The gateway holding `team_id`'s current token; raises `WorkspaceNotInstalled`."""
        return self._entry(team_id, enterprise_id).gateway

    def bot_user_id(self, team_id: str) -> str:
        return self._entry(team_id, None).bot_user_id

    def authorize_result(self, team_id: str, enterprise_id: str | None) -> AuthorizeResult:
        entry = self._entry(team_id, enterprise_id)
        return AuthorizeResult(
            enterprise_id=entry.enterprise_id,
            team_id=team_id,
            bot_token=entry.gateway.client.token,
            bot_id=entry.bot_id,
            bot_user_id=entry.bot_user_id,
            bot_scopes=entry.scopes,
        )

    def is_installed(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Has an installation in the store, and was not uninstalled."""
        if not team_id:
            return False
        try:
            self._entry(team_id, enterprise_id)
        except SlackAuthError:
            return False
        return True

    def knows(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether Mingle serves, or served, this workspace or org (a `workspace` row, kept
        until its data is purged): Slack's revocations are taken only for those."""
        if self.is_installed(team_id, enterprise_id):
            return True
        with self.sessions() as session:
            return any(
                repo.get(session, key) is not None for key in (team_id, enterprise_id) if key
            )

    def teams(self) -> list[str | None]:
        with self.sessions() as session:
            return list(repo.active_teams(session))

    def forget(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Drop cached tokens of an install that is gone (a team, or a whole org)."""
        with self._lock:
            for team in list(self._entries):
                entry = self._entries[team]
                if team == team_id or (not team_id and entry.enterprise_id == enterprise_id):
                    del self._entries[team]

    # -- finding and refreshing ------------------------------------------------------------

    def _entry(self, team_id: str, enterprise_id: str | None) -> _Entry:
        with self._lock:
            entry = self._entries.get(team_id)
            lock = self._team_locks.setdefault(team_id, threading.Lock())
        if entry is not None and self._fresh(entry):
            return entry
        with lock:
            with self._lock:
                entry = self._entries.get(team_id)
            if entry is not None and self._fresh(entry):
                return entry
            entry = self._load(team_id, enterprise_id, entry)
            with self._lock:
                self._entries[team_id] = entry
            return entry

    def _fresh(self, entry: _Entry) -> bool:
        now = time.time()
        if now - entry.checked_at > INSTALLED_SECONDS:
            return False
        return entry.expires_at is None or entry.expires_at > now + self._before_seconds

    @property
    def _before_seconds(self) -> float:
        return self.refresh_before.total_seconds()

    def _load(self, team_id: str, enterprise_id: str | None, old: _Entry | None) -> _Entry:
        with self.sessions.begin() as session:
            workspace = repo.get(session, team_id)
            if workspace is not None and workspace.uninstalled_at is not None:
                raise WorkspaceNotInstalled(team_id)
            enterprise_id = enterprise_id or (workspace.enterprise_id if workspace else None)
        installation = self._find(team_id, enterprise_id)
        if installation is None or not installation.bot_token:
            raise WorkspaceNotInstalled(team_id)
        if workspace is None:  # a Grid workspace using its org's install, seen for the first time
            with self.sessions.begin() as session:
                repo.record_install(session, team_id, installation.enterprise_id, "", self.clock())
        if self._expiring(installation):
            installation = self._refresh(team_id, installation)
        token = str(installation.bot_token)
        gateway = old.gateway if old is not None else None
        if gateway is None:
            gateway = SlackGateway(make_web_client(token, self.api_url))
        gateway.client.token = token
        return _Entry(
            gateway=gateway,
            bot_user_id=str(installation.bot_user_id or ""),
            bot_id=str(installation.bot_id or ""),
            scopes=list(installation.bot_scopes or []),
            enterprise_id=installation.enterprise_id,
            expires_at=installation.bot_token_expires_at,
            checked_at=time.time(),
        )

    def _find(self, team_id: str, enterprise_id: str | None) -> Installation | None:
        return self.store.find_installation(enterprise_id=enterprise_id, team_id=team_id)

    def _expiring(self, installation: Installation) -> bool:
        expires = installation.bot_token_expires_at
        if installation.bot_refresh_token is None or expires is None:
            return False
        return expires <= time.time() + self._before_seconds

    def _refresh(self, team_id: str, installation: Installation) -> Installation:
        """Refresh an expiring token, one instance at a time (see the module docstring)."""
        lease_key = installation.team_id or str(installation.enterprise_id or team_id)
        deadline = time.monotonic() + REFRESH_WAIT_SECONDS
        while True:
            with self.sessions.begin() as session:
                if repo.get(session, lease_key) is None:  # an org install's own row
                    repo.record_install(
                        session, lease_key, installation.enterprise_id, "", self.clock()
                    )
                taken = repo.take_refresh_lease(session, lease_key, self.clock(), REFRESH_LEASE)
            if taken:
                try:
                    return self._refresh_holding_lease(team_id, installation)
                finally:
                    with self.sessions.begin() as session:
                        repo.release_refresh_lease(session, lease_key)
            # Another instance is refreshing: wait for the token it saves.
            time.sleep(0.05)
            latest = self._find(team_id, installation.enterprise_id)
            if latest is None:
                raise WorkspaceNotInstalled(team_id)
            if not self._expiring(latest):
                return latest
            if time.monotonic() > deadline:
                raise SlackAuthError(
                    "Another instance is still refreshing this workspace's token.",
                    code="refresh_in_progress",
                )

    def _refresh_holding_lease(self, team_id: str, installation: Installation) -> Installation:
        latest = self._find(team_id, installation.enterprise_id) or installation
        if not self._expiring(latest):
            return latest  # refreshed by another instance meanwhile
        try:
            refreshed = self.rotator.perform_token_rotation(
                installation=latest,
                minutes_before_expiration=max(1, int(self._before_seconds // 60) + 1),
            )
        except (SlackTokenRotationError, SlackApiError) as exc:
            log.error("refreshing workspace %s's token failed", team_id[:40])
            raise SlackAuthError(
                "Slack refused to refresh the workspace's token.", code="refresh_failed"
            ) from exc
        if refreshed is None:
            return latest
        self.store.save(refreshed)
        self.refreshes += 1
        log.info("refreshed workspace %s's token", team_id[:40])
        return refreshed


class WorkspaceAuthorize(Authorize):
    """Bolt's authorize step in multi-workspace mode, answered by `InstalledWorkspaces`
    (so Bolt never refreshes a token itself)."""

    def __init__(self, workspaces: InstalledWorkspaces) -> None:
        self.workspaces = workspaces

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None
        try:
            return self.workspaces.authorize_result(team_id, enterprise_id)
        except SlackAuthError:
            return None
