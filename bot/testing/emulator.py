"""A local emulator of Slack's Web API for tests and ``mingle demo``.

:class:`SlackEmulator` runs a real HTTP server on 127.0.0.1 (a ``ThreadingHTTPServer`` in a
background thread) that the real ``slack_sdk.WebClient`` talks to::

    with SlackEmulator() as emu:
        emu.add_user("U1", name="alice", tz="Europe/Berlin")
        emu.add_channel("C1", name="coffee", members=["U1"])
        client = WebClient(base_url=emu.api_url, token=emu.bot_token)
        client.chat_postMessage(channel="C1", text="hi")
        assert emu.messages("C1")[0]["text"] == "hi"

It keeps a workspace's users, channels and conversations, answers with Slack's envelopes and
error codes, paginates with cursors, records every call, can be told to fail or rate-limit
calls, supports message metadata, views and the three-step external file upload, and
records posts to ``response_url``\\ s. State lives behind one lock, so tests may inspect it
while the app under test calls the API from other threads.

It can also hold several workspaces (``add_workspace``, each with its own users and
channels; ``workspace("T2")`` sets one up and inspects it) and Enterprise Grid organisations
(``add_enterprise``), and install the app into them the way Slack does: a browser follows
``GET /oauth/v2/authorize`` (see :meth:`SlackEmulator.set_consent`), which redirects with a
code that ``oauth.v2.access`` exchanges for tokens, with optional token rotation
(:mod:`bot.testing.oauth`). Every token acts on its own workspace only, and every recorded
:class:`Call` says which workspace it acted on.
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode

# Importing the handler modules registers the Web API methods they implement.
from bot.testing import methods_chat, methods_core, methods_files, methods_views  # noqa: F401
from bot.testing.api import JSON, REGISTRY, ApiRequest, SlackApiError
from bot.testing.blockkit import validate_blocks
from bot.testing.oauth import Consent, OAuthApp, PendingInstall, TokenBook
from bot.testing.ratelimit import RateLimiter
from bot.testing.server import HttpAnswer, make_server, parse_api_body, parse_multipart
from bot.testing.socket_mode import SocketModeServer, register_url_issuer
from bot.testing.state import User, Workspace, domain_from_name
from bot.testing.workspaces import WorkspaceView

T = TypeVar("T")
_log = logging.getLogger(__name__)

#: Arguments that slack_sdk sends JSON-encoded in form posts; Call.args holds them decoded.
_JSON_ARGS = ("blocks", "attachments", "metadata", "view", "files")


@dataclass(frozen=True)
class Call:
    """One Web API call the emulator answered."""

    method: str
    args: JSON
    token: str | None
    status: int
    response: JSON
    at: float
    team_id: str | None = None
    """The workspace the call acted on (``None`` when no token was accepted)."""

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _ForcedFailure:
    error: str
    retry_after: int
    remaining: int


@dataclass(frozen=True)
class _Identity:
    """Who a token speaks for, and in which workspace; ``ws`` is ``None`` with an error."""

    ws: Workspace | None
    caller: str = ""
    is_bot: bool = False
    is_enterprise_install: bool = False
    error: str = "invalid_auth"


class SlackEmulator(WorkspaceView):
    """An in-process stand-in for Slack's Web API: one workspace, or several."""

    def __init__(
        self,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str = "B0001",
        app_id: str = "A0001",
        bot_name: str = "mingle",
        team_domain: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        include_slackbot: bool = True,
        app_token: str = "xapp-1-A0001-1-emulator",
    ) -> None:
        self.bot_token = bot_token
        #: The app-level token: the only one ``apps.connections.open`` accepts.
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self._host = host
        self._port = port
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ws = Workspace(
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain or domain_from_name(team_name),
            bot_token=bot_token,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
        )
        self._calls: list[Call] = []
        #: Unexpected exceptions inside the emulator (answered with HTTP 500), for debugging.
        self.internal_errors: list[str] = []
        self._failures: dict[str, deque[_ForcedFailure]] = {}
        self._limiter = RateLimiter()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        #: The Socket Mode endpoint; it starts on the first ``apps.connections.open``.
        self.socket_mode = SocketModeServer(app_id, host=host, on_change=self._notify)
        register_url_issuer(self._ws, self.socket_mode)
        self._bot_name = bot_name
        _seed_users(self._ws, bot_name, include_slackbot)
        #: Every workspace by team id; the first one is the emulator's own.
        self._workspaces: dict[str, Workspace] = {team_id: self._ws}
        #: Enterprise Grid organisations: id -> name.
        self._enterprises: dict[str, str] = {}
        #: OAuth: the app's settings, codes, tokens and refresh tokens.
        self.tokens = TokenBook()
        #: Every authorize request a browser made (its query parameters).
        self.authorize_requests: list[dict[str, str]] = []

    # -- lifecycle -----------------------------------------------------------------

    def start(self, port: int | None = None) -> None:
        """Start serving (idempotent). ``port`` overrides the constructor's (0: any free)."""
        with self._lock:
            if self._server is not None:
                return
            if port is not None:
                self._port = port
            server = make_server(self, self._host, self._port)
            bound_host, bound_port = server.server_address[:2]
            if isinstance(bound_host, bytes):
                bound_host = bound_host.decode()
            self._server = server
            self._base_url = f"http://{bound_host}:{bound_port}"
            self._ws.base_url = self._base_url
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"slack-emulator-{bound_port}",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port (idempotent). State is kept."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = None
            self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self.socket_mode.stop()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def __enter__(self) -> SlackEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- several workspaces and Enterprise Grid ---------------------------------------

    def add_workspace(
        self,
        team_id: str,
        team_name: str,
        *,
        enterprise_id: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        team_domain: str | None = None,
        include_slackbot: bool = True,
    ) -> WorkspaceView:
        """Add another workspace (the app is not installed in it yet); returns its view.

        In an organisation (``enterprise_id``, see :meth:`add_enterprise`) the bot user is
        the organisation's, as on Enterprise Grid, unless ``bot_user_id`` says otherwise.
        """
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} already exists")
            if enterprise_id is not None and enterprise_id not in self._enterprises:
                raise ValueError(f"unknown organisation {enterprise_id}: add_enterprise() it")
            owner = enterprise_id or team_id
            ws = Workspace(
                team_id=team_id,
                team_name=team_name,
                team_domain=team_domain or domain_from_name(team_name),
                bot_token="",
                bot_user_id=bot_user_id or f"U{owner}BOT",
                bot_id=bot_id or f"B{owner}",
                app_id=self._ws.app_id,
                enterprise_id=enterprise_id,
                enterprise_name=self._enterprises.get(enterprise_id or ""),
            )
            ws.base_url = self._ws.base_url
            ws.responses = self._ws.responses  # response_urls are global: one list
            _seed_users(ws, self._bot_name, include_slackbot)
            self._workspaces[team_id] = ws
            self._changed.notify_all()
            return self.workspace(team_id)

    def add_enterprise(self, enterprise_id: str, name: str, team_ids: tuple[str, ...] = ()) -> None:
        """Add an Enterprise Grid organisation; ``team_ids`` are existing workspaces to join."""
        with self._lock:
            self._enterprises[enterprise_id] = name
            for team_id in team_ids:
                ws = self._workspaces[team_id]
                ws.enterprise_id = enterprise_id
                ws.enterprise_name = name

    def workspace(self, team_id: str) -> WorkspaceView:
        """The view of one workspace: set it up and inspect it like the emulator itself."""
        with self._lock:
            ws = self._workspaces.get(team_id)
            if ws is None:
                raise KeyError(f"unknown workspace {team_id}")
            if ws is self._ws:
                return self
            return WorkspaceView(ws, self._lock, self._changed, self._base_url)

    @property
    def team_ids(self) -> list[str]:
        """Every workspace's team id, the emulator's own first."""
        with self._lock:
            return list(self._workspaces)

    # -- installing (OAuth) ----------------------------------------------------------

    @property
    def oauth(self) -> OAuthApp:
        """The app's OAuth settings (client id and secret, redirect URLs, token rotation)."""
        return self.tokens.app

    def configure_oauth(self, **settings: Any) -> OAuthApp:
        """Change the app's OAuth settings, e.g. ``token_rotation=True, token_lifetime=3600``."""
        with self._lock:
            for key, value in settings.items():
                if not hasattr(self.tokens.app, key):
                    raise AttributeError(f"unknown OAuth setting {key!r}")
                setattr(self.tokens.app, key, value)
            return self.tokens.app

    @property
    def authorize_url(self) -> str:
        """Slack's authorize page, emulated: pass it to the app as its authorization URL."""
        return f"{self.base_url}/oauth/v2/authorize"

    def set_consent(
        self,
        team_id: str | None = None,
        user_id: str | None = None,
        *,
        org_wide: bool = False,
        deny: bool = False,
    ) -> None:
        """What the person in the browser does on the next authorize pages: install into
        ``team_id`` as ``user_id`` (org-wide if asked), or cancel (``deny``)."""
        with self._lock:
            self.tokens.consent = Consent(team_id, user_id, org_wide, deny)

    def bot_token_for(self, team_id: str) -> str | None:
        """The newest usable bot token that acts on ``team_id`` (its own or its org's)."""
        with self._lock:
            ws = self._workspaces[team_id]
            best: str | None = ws.bot_token or None
            newest = -1.0
            for grant in self.tokens.grants.values():
                own = grant.team_id == team_id
                org = grant.team_id is None and grant.enterprise_id == ws.enterprise_id
                usable = not grant.revoked and (
                    grant.expires_at is None or grant.expires_at > self.tokens.now()
                )
                if grant.kind == "bot" and (own or org) and usable and grant.issued_at > newest:
                    best, newest = grant.token, grant.issued_at
            return best

    def tokens_of(self, team_id: str | None, enterprise_id: str | None = None) -> set[str]:
        """Every access token issued for one install (``team_id=None``: an org-wide one)."""
        with self._lock:
            tokens = self.tokens.tokens(team_id, enterprise_id)
            if team_id is not None and self._workspaces[team_id].bot_token:
                tokens.add(self._workspaces[team_id].bot_token)
            return tokens

    def calls_in(self, team_id: str) -> list[Call]:
        """Calls that acted on one workspace (each one's ``token`` says which token did)."""
        with self._lock:
            return [c for c in self._calls if c.team_id == team_id]

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's token clock (expiry of codes and tokens) forward."""
        with self._lock:
            self.tokens.clock_offset += seconds
            self._changed.notify_all()

    def expire_tokens(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Make every rotating access token of one install expire now (``token_expired``)."""
        with self._lock:
            self.tokens.expire(team_id, enterprise_id)
            self._changed.notify_all()

    def revoke_tokens(
        self,
        team_id: str | None,
        enterprise_id: str | None = None,
        *,
        bot: bool = True,
        user_ids: list[str] | None = None,
    ) -> dict[str, list[str]]:
        """Revoke tokens of one install, as Slack does before sending ``tokens_revoked``.

        Returns the event's ``tokens`` field: ``{"oauth": [user ids], "bot": [bot user ids]}``.
        ``bot=False`` keeps the bot token; ``user_ids`` limits user tokens to those people.
        """
        kinds: tuple[Any, ...] = ("bot", "user") if bot else ("user",)
        with self._lock:
            revoked = self.tokens.revoke(team_id, enterprise_id, kinds=kinds, user_ids=user_ids)
            if team_id is not None and bot and self._workspaces[team_id].bot_token:
                ws = self._workspaces[team_id]
                ws.bot_token = ""
                if ws.bot_user_id not in revoked["bot"]:
                    revoked["bot"].append(ws.bot_user_id)
            self._changed.notify_all()
            return revoked

    def uninstall(
        self, team_id: str | None, enterprise_id: str | None = None
    ) -> dict[str, list[str]]:
        """Uninstall the app from one install: every token stops working (``token_revoked``).

        Slack then sends ``app_uninstalled`` and ``tokens_revoked`` (in any order); the
        driver's :meth:`~bot.testing.driver.SlackDriver.app_uninstalled` sends the first.
        """
        return self.revoke_tokens(team_id, enterprise_id)

    # -- failure injection and rate limits ------------------------------------------

    def fail_next(
        self, method: str, error: str = "ratelimited", retry_after: int = 1, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``error="ratelimited"`` answers HTTP 429 with ``Retry-After: retry_after``; any other
        code answers HTTP 200 ``{"ok": false, "error": code}``.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _ForcedFailure(error=error, retry_after=max(0, int(retry_after)), remaining=times)
            )

    def set_rate_limits(
        self, enabled: bool, scale: float = 1.0, overrides: dict[str, int] | None = None
    ) -> None:
        """Enforce Slack's per-method rate limits (``scale`` multiplies the allowed rates).

        ``overrides`` maps a method to calls per minute, replacing its tier.
        """
        with self._lock:
            self._limiter.configure(enabled, scale, overrides)

    # -- inspection ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(
        self,
        predicate: Callable[[], T | Literal[False] | None],
        timeout: float = 5.0,
        message: str | None = None,
    ) -> T:
        """Return ``predicate()`` as soon as it is truthy; raise AssertionError at the deadline.

        Wakes on every state change of the emulator, and polls in between (so predicates on
        outside state, such as a database, work too).
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._changed:
                self._changed.wait(timeout=min(remaining, 0.05))
        recent = ", ".join(f"{c.method}->{'ok' if c.ok else c.error}" for c in self.calls[-10:])
        what = message or getattr(predicate, "__name__", "condition")
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what}; last value: {result!r}; "
            f"last calls: [{recent}]"
        )

    # -- request handling (called from server threads) ------------------------------

    def _handle_api(self, method: str, raw_args: JSON, authorization: str | None) -> HttpAnswer:
        args = dict(raw_args)
        token = args.pop("token", None)
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        token = str(token) if token else None
        status, headers = 200, {}
        with self._lock:
            at = time.time()
            team_id: str | None = None
            if args.pop("__invalid_json__", False):
                response: JSON = {"ok": False, "error": "invalid_json"}
            elif method == "oauth.v2.access":
                try:
                    response = {"ok": True, **self._oauth_access(args, authorization)}
                    team_id = _team_of(response)
                except SlackApiError as exc:
                    response = exc.to_response()
            elif method not in REGISTRY:
                response = {"ok": False, "error": "unknown_method"}
            elif not token:
                response = {"ok": False, "error": "not_authed"}
            elif (identity := self._identify(token, args)).ws is None:
                response = {"ok": False, "error": identity.error}
            elif (method == "apps.connections.open") != (token == self.app_token):
                response = {"ok": False, "error": "not_allowed_token_type"}
            elif identity.ws.users[identity.caller].deleted:
                response = {"ok": False, "error": "account_inactive"}
            else:
                ws = identity.ws
                team_id = ws.team_id
                forced = self._take_failure(method)
                retry_after = None
                if forced is not None and forced.error == "ratelimited":
                    retry_after = forced.retry_after
                elif forced is None:
                    retry_after = self._limiter.check(method, self._limit_channel(method, args, ws))
                if retry_after is not None:
                    status = 429
                    headers = {"Retry-After": str(retry_after)}
                    response = {"ok": False, "error": "ratelimited"}
                elif forced is not None:
                    response = {"ok": False, "error": forced.error}
                else:
                    req = ApiRequest(
                        method,
                        args,
                        token,
                        identity.caller,
                        identity.is_bot,
                        is_enterprise_install=identity.is_enterprise_install,
                    )
                    try:
                        response = {"ok": True, **REGISTRY[method](ws, req)}
                    except SlackApiError as exc:
                        response = exc.to_response()
                    except Exception as exc:  # a bug in the emulator: fail loudly, keep serving
                        _log.exception("emulator failed on %s", method)
                        self.internal_errors.append(f"{method}: {exc!r}")
                        status = 500
                        response = {"ok": False, "error": "internal_error"}
            self._calls.append(
                Call(method, _decoded(args), token, status, copy.deepcopy(response), at, team_id)
            )
            self._changed.notify_all()
        return HttpAnswer(status, response, headers=headers)

    def _identify(self, token: str, args: JSON) -> _Identity:
        """The workspace and user ``token`` acts as (org-wide tokens: the one ``args`` name)."""
        if token == self.app_token:
            return _Identity(self._ws, self.bot_user_id, False)
        try:
            grant = self.tokens.check(token)
        except SlackApiError as exc:
            return _Identity(None, error=exc.error)
        if grant is None:
            for each in self._workspaces.values():
                known = each.identify(token)
                if known is not None:
                    return _Identity(each, known[0], known[1])
            return _Identity(None)
        if grant.team_id is not None:
            ws = self._workspaces.get(grant.team_id)
        else:
            ws = self._org_workspace(grant.enterprise_id, args)
        if ws is None:
            return _Identity(None, error="team_access_not_granted")
        if grant.kind == "bot":
            return _Identity(ws, ws.bot_user_id, True, grant.is_enterprise_install)
        if grant.user_id not in ws.users:
            return _Identity(None, error="team_access_not_granted")
        return _Identity(ws, grant.user_id, False, grant.is_enterprise_install)

    def _org_workspace(self, enterprise_id: str | None, args: JSON) -> Workspace | None:
        """For an org-wide token: the workspace named by ``team_id``, else the one that
        holds the channel or user the call is about, else the organisation's first."""
        members = [ws for ws in self._workspaces.values() if ws.enterprise_id == enterprise_id]
        wanted = args.get("team_id")
        for ws in members:
            if ws.team_id == wanted:
                return ws
        for key in ("channel", "user", "users"):
            ref = str(args.get(key) or "").split(",")[0]
            for ws in members:
                if ref and (ref in ws.conversations or ref in ws.users):
                    return ws
        return members[0] if members else None

    def _oauth_access(self, args: JSON, authorization: str | None) -> JSON:
        """``oauth.v2.access``: exchange a code, or a refresh token, for tokens."""
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeError):
                raise SlackApiError("invalid_client_id") from None
            client_id, _, secret = decoded.partition(":")
        self.tokens.check_client(client_id, secret)
        if args.get("grant_type") == "refresh_token":
            refreshed, fields = self.tokens.refresh(args.get("refresh_token"))
            team_id, enterprise_id = refreshed.team_id, refreshed.enterprise_id
            body: JSON = {"app_id": self._ws.app_id, **fields}
            if refreshed.kind == "bot":
                body["bot_user_id"] = refreshed.user_id
            else:
                body["authed_user"] = {"id": refreshed.user_id}
        else:
            install, fields = self.tokens.exchange(args.get("code"), args.get("redirect_uri"))
            team_id, enterprise_id = install.team_id, install.enterprise_id
            body = {
                "app_id": self._ws.app_id,
                "bot_user_id": install.bot_user_id,
                **fields,
            }
        ws = self._workspaces.get(team_id or "")
        body["team"] = {"id": ws.team_id, "name": ws.team_name} if ws is not None else None
        body["enterprise"] = (
            {"id": enterprise_id, "name": self._enterprises.get(enterprise_id, "")}
            if enterprise_id is not None
            else None
        )
        body["is_enterprise_install"] = team_id is None and enterprise_id is not None
        return body

    def _handle_authorize(self, query: str) -> HttpAnswer:
        """``GET /oauth/v2/authorize``: the person consents at once (see :meth:`set_consent`)
        and is sent back to the app's redirect URL with a code, or with an error."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            self.authorize_requests.append(params)
            self._changed.notify_all()
            app, consent = self.tokens.app, self.tokens.consent
            if params.get("client_id") != app.client_id:
                return _error_page("invalid_client_id", "This app's client_id is unknown.")
            redirect_uri = params.get("redirect_uri") or None
            target = redirect_uri or (app.redirect_urls[0] if app.redirect_urls else None)
            if target is None or (app.redirect_urls and target not in app.redirect_urls):
                return _error_page("bad_redirect_uri", "The redirect_uri is not allowed.")
            state = params.get("state", "")
            if consent.deny:
                return _redirect(target, error="access_denied", state=state)
            install = self._pending_install(params, consent, redirect_uri)
            if install is None:
                return _error_page("invalid_team", "There is no such workspace to install into.")
            return _redirect(target, code=self.tokens.new_code(install), state=state)

    def _pending_install(
        self, params: dict[str, str], consent: Consent, redirect_uri: str | None
    ) -> PendingInstall | None:
        chosen = params.get("team") or consent.team_id or self._ws.team_id
        org_wide = consent.org_wide or chosen in self._enterprises
        if chosen in self._enterprises:
            members = [w for w in self._workspaces.values() if w.enterprise_id == chosen]
            ws = members[0] if members else None
        else:
            ws = self._workspaces.get(chosen)
        if ws is None or (org_wide and ws.enterprise_id is None):
            return None
        installer = consent.user_id or _first_person(ws)
        if installer not in ws.users:
            return None
        return PendingInstall(
            code=self.tokens.fresh_code(),
            client_id=params.get("client_id", ""),
            redirect_uri=redirect_uri,
            team_id=None if org_wide else ws.team_id,
            enterprise_id=ws.enterprise_id,
            enterprise_name=ws.enterprise_name,
            team_name=None if org_wide else ws.team_name,
            is_enterprise_install=org_wide,
            installer=installer,
            bot_user_id=ws.bot_user_id,
            bot_scopes=params.get("scope", ""),
            user_scopes=params.get("user_scope", ""),
            expires_at=self.tokens.now() + 600,
        )

    def _take_failure(self, method: str) -> _ForcedFailure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        return failure

    def _limit_channel(self, method: str, args: JSON, ws: Workspace) -> str | None:
        if method != "chat.postMessage":
            return None
        ref = str(args.get("channel") or "")
        if ref in ws.users:
            return ws.dm_index.get(frozenset({ws.bot_user_id, ref}), ref)
        return ref

    def _handle_upload(self, file_id: str, content_type: str, body: bytes) -> HttpAnswer:
        data = body
        if content_type.lower().startswith("multipart/form-data"):
            _, files = parse_multipart(content_type, body)
            if files:
                data = files.get("file", next(iter(files.values())))
        with self._lock:
            f = self._ws.files.get(file_id)
            if f is None or f.completed:
                return HttpAnswer(404, b"file not found", content_type="text/plain")
            f.content = data
            self._changed.notify_all()
        return HttpAnswer(200, f"OK - {len(data)}".encode(), content_type="text/plain")

    def _handle_response_url(self, key: str, content_type: str, body: bytes) -> HttpAnswer:
        payload = parse_api_body(content_type, body)
        if "payload" in payload and isinstance(payload["payload"], str):
            try:
                payload = json.loads(payload["payload"])
            except json.JSONDecodeError:
                payload = {"__invalid_json__": True}
        if payload.get("__invalid_json__") or not isinstance(payload, dict):
            return HttpAnswer(400, {"ok": False, "error": "invalid_payload"})
        blocks = payload.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return HttpAnswer(400, {"ok": False, "error": "invalid_blocks_format"})
        delete = _truthy(payload.get("delete_original"))
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                return HttpAnswer(
                    400,
                    {
                        "ok": False,
                        "error": "invalid_blocks",
                        "response_metadata": {"messages": problems},
                    },
                )
        text = payload.get("text")
        if not delete and not text and not blocks and not payload.get("attachments"):
            return HttpAnswer(400, {"ok": False, "error": "no_text"})
        record: JSON = {
            "key": key,
            "response_type": payload.get("response_type") or "ephemeral",
            "replace_original": _truthy(payload.get("replace_original")),
            "delete_original": delete,
            "text": text,
            "blocks": blocks,
            "attachments": payload.get("attachments"),
            "thread_ts": payload.get("thread_ts"),
            "metadata": payload.get("metadata"),
            "payload": copy.deepcopy(payload),
            "at": time.time(),
        }
        with self._lock:
            self._ws.responses.append(record)
            self._changed.notify_all()
        return HttpAnswer(200, {"ok": True})


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _decoded(args: JSON) -> JSON:
    """Arguments as recorded in :class:`Call`: JSON-string fields decoded."""
    out = copy.deepcopy(args)
    for key in _JSON_ARGS:
        value = out.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                pass
    return out


def _team_of(response: JSON) -> str | None:
    team = response.get("team")
    return str(team["id"]) if isinstance(team, dict) else None


def _redirect(url: str, **params: str) -> HttpAnswer:
    separator = "&" if "?" in url else "?"
    location = url + separator + urlencode({k: v for k, v in params.items() if v})
    return HttpAnswer(302, b"", headers={"Location": location}, content_type="text/plain")


def _error_page(code: str, text: str) -> HttpAnswer:
    page = (
        f"<!doctype html><html lang=en><title>Slack: {code}</title>"
        f"<h1>{html.escape(code)}</h1><p>{html.escape(text)}</p></html>"
    )
    return HttpAnswer(400, page.encode(), content_type="text/html; charset=utf-8")


def _first_person(ws: Workspace) -> str:
    """Who installs when the test does not say: the first admin, else the first person."""
    people = [u for u in ws.users.values() if not u.is_bot and u.id != "USLACKBOT"]
    admins = [u for u in people if u.is_admin]
    chosen = (admins or people)[:1]
    return chosen[0].id if chosen else ""


def _seed_users(ws: Workspace, bot_name: str, include_slackbot: bool) -> None:
    """The users every workspace starts with: the app's bot user, and Slackbot."""
    ws.users[ws.bot_user_id] = User(
        id=ws.bot_user_id,
        name=bot_name,
        real_name=bot_name.capitalize(),
        display_name="",
        tz="America/Los_Angeles",
        title="",
        is_admin=False,
        is_owner=False,
        is_primary_owner=False,
        is_bot=True,
        deleted=False,
        email=None,
        bot_id=ws.bot_id,
        is_app_user=False,
    )
    if include_slackbot:
        # Real workspaces list Slackbot as a user; famously with is_bot false.
        ws.users["USLACKBOT"] = User(
            id="USLACKBOT",
            name="slackbot",
            real_name="Slackbot",
            display_name="Slackbot",
            tz="America/Los_Angeles",
            title="",
            is_admin=False,
            is_owner=False,
            is_primary_owner=False,
            is_bot=False,
            deleted=False,
            email=None,
        )
