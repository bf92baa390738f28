"""The gateway to Slack's Web API for domain work: users, views, messages, conversations, files.

Services talk to Slack only through a `SlackGateway`. It is also the one place where Slack's
failures are translated (`slack_errors`, after httpx's `map_httpcore_exceptions`): callers see
`bot.errors.SlackError` subclasses, never `SlackApiError` or a socket error, and tell them
apart by type. User lookups are cached briefly (admin checks and profile refreshes).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import (
    SlackAuthError,
    SlackError,
    SlackNotInChannel,
    SlackPermanentError,
    SlackRateLimited,
    SlackTransientError,
    SlackUserGone,
)
from bot.slack.pacing import retry_after_seconds

log = logging.getLogger(__name__)

USER_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    display_name: str
    real_name: str
    tz: str
    title: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool
    team_id: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.real_name or self.name or self.id


def user_from_api(data: dict[str, Any]) -> SlackUser:
    profile = data.get("profile") or {}
    return SlackUser(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        display_name=str(profile.get("display_name") or ""),
        real_name=str(profile.get("real_name") or data.get("real_name") or ""),
        tz=str(data.get("tz") or "UTC"),
        title=str(profile.get("title") or ""),
        is_admin=bool(data.get("is_admin")),
        is_owner=bool(data.get("is_owner") or data.get("is_primary_owner")),
        is_bot=bool(data.get("is_bot")) or data.get("id") == "USLACKBOT",
        deleted=bool(data.get("deleted")),
        team_id=str(data.get("team_id", "")),
    )


#: Slack error codes worth another try later (so is any HTTP 5xx).
TRANSIENT_CODES = frozenset(
    {"fatal_error", "internal_error", "request_timeout", "service_unavailable"}
)
#: The token itself is unusable.
AUTH_CODES = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "missing_scope"}
)
#: The channel is unknown to Mingle, or Mingle is not in it.
NOT_IN_CHANNEL_CODES = frozenset({"channel_not_found", "not_in_channel"})
#: The person can't be reached: gone from the workspace, deactivated, or a bot.
USER_GONE_CODES = frozenset(
    {"user_not_found", "users_not_found", "user_disabled", "account_inactive", "cannot_dm_bot"}
)


def error_code(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response.get("error", "unknown_error"))
    except Exception:  # pragma: no cover - defensive
        return "unknown_error"


def translate(exc: SlackApiError, method: str) -> SlackError:
    """The `SlackError` for a failed Web API call of `method`."""
    code = error_code(exc)
    status = int(getattr(exc.response, "status_code", 200) or 200)
    refused = f"Slack refused {method}: {code}"
    if status == 429 or code == "ratelimited":
        headers = getattr(exc.response, "headers", {})
        wait = retry_after_seconds(headers)
        return SlackRateLimited(f"Slack is busy ({method}).", method=method, retry_after=wait)
    if code in AUTH_CODES:
        return SlackAuthError(refused, method=method, code=code)
    if status >= 500 or code in TRANSIENT_CODES:
        label = code if code != "unknown_error" else f"http_{status}"
        return SlackTransientError(
            f"Slack failed ({method}: {label}). Please try again in a minute.",
            method=method,
            code=label,
            uncertain=code != "request_timeout",
        )
    if code in NOT_IN_CHANNEL_CODES:
        return SlackNotInChannel(refused, method=method, code=code)
    if code in USER_GONE_CODES:
        return SlackUserGone(refused, method=method, code=code)
    return SlackPermanentError(refused, method=method, code=code)


@contextmanager
def slack_errors(method: str) -> Iterator[None]:
    """Turn what a Web API call of `method` raises into `SlackError`s (the one place that
    knows slack_sdk's exceptions and Slack's error codes)."""
    try:
        yield
    except SlackApiError as exc:
        raise translate(exc, method) from exc
    except (OSError, http.client.HTTPException) as exc:  # timeouts, dropped connections
        name = type(exc).__name__
        raise SlackTransientError(
            f"Couldn't reach Slack ({method}: {name}). Please try again in a minute.",
            method=method,
            code=name,
        ) from exc


class SlackGateway:
    """Domain-level Slack calls over one `WebClient`; every failure is a `SlackError`."""

    def __init__(self, client: WebClient, *, cache_seconds: float = USER_CACHE_SECONDS) -> None:
        self.client = client
        self._cache_seconds = cache_seconds
        self._users: dict[str, tuple[float, SlackUser]] = {}
        #: The clock the cache ages by (`time.monotonic`; tests move it on).
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()

    # users ---------------------------------------------------------------------------------

    def user(self, user_id: str, *, fresh: bool = False, max_age: float | None = None) -> SlackUser:
        """`users.info`, cached for a few minutes (or at most `max_age` seconds old, for
        decisions such as admin rights). Raises `SlackUserGone` (a `NotFoundError`) for
        unknown users."""
        now = self.clock()
        with self._lock:
            cached = self._users.get(user_id)
        limit = self._cache_seconds if max_age is None else min(max_age, self._cache_seconds)
        if cached and not fresh and now - cached[0] < limit:
            return cached[1]
        try:
            with slack_errors("users.info"):
                response = self.client.users_info(user=user_id)
        except SlackUserGone as exc:
            raise exc.reworded(f"I can't find that person ({user_id}) in this workspace.") from exc
        user = user_from_api(response["user"])
        with self._lock:
            self._users[user_id] = (now, user)
        return user

    def user_timezone(self, user_id: str, default: str = "UTC") -> str:
        """The person's timezone as Slack has it (not checked), or `default` when they can't
        be looked up."""
        try:
            return self.user(user_id).tz
        except SlackError:
            return default

    def user_label(self, user_id: str, default: str | None = None) -> str:
        """The person's name to show (never a mention); `default` (or their ID) when they
        can't be looked up."""
        try:
            return self.user(user_id).label
        except SlackError:
            return user_id if default is None else default

    def all_users(self) -> Iterator[SlackUser]:
        """Every user in the workspace (users.list, paginated)."""
        cursor = None
        while True:
            with slack_errors("users.list"):
                response = self.client.users_list(limit=200, cursor=cursor)
            members: list[dict[str, Any]] = response.get("members", [])
            for data in members:
                user = user_from_api(data)
                with self._lock:
                    self._users[user.id] = (self.clock(), user)
                yield user
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    # conversations -------------------------------------------------------------------------

    def channel_members(self, channel_id: str) -> list[str]:
        """Every member of a channel (conversations.members, paginated)."""
        members: list[str] = []
        cursor = None
        while True:
            try:
                with slack_errors("conversations.members"):
                    response = self.client.conversations_members(
                        channel=channel_id, limit=200, cursor=cursor
                    )
            except SlackNotInChannel as exc:
                raise exc.reworded(
                    f"I can't see <#{channel_id}>: invite me with `/invite @Mingle` first."
                ) from exc
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def conversation(self, channel_id: str) -> dict[str, Any]:
        """`conversations.info`: the channel's fields (`name`, `is_member`, `is_archived`...)."""
        with slack_errors("conversations.info"):
            response = self.client.conversations_info(channel=channel_id)
        return dict(response.get("channel") or {})

    def open_dm(self, user_id: str) -> str:
        """The ID of Mingle's DM with `user_id` (conversations.open)."""
        with slack_errors("conversations.open"):
            response = self.client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    # views ---------------------------------------------------------------------------------

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        with slack_errors("views.publish"):
            self.client.views_publish(user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        with slack_errors("views.open"):
            self.client.views_open(trigger_id=trigger_id, view=view)

    # messages ------------------------------------------------------------------------------

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[Any] | None = None,
        *,
        thread_ts: str | None = None,
    ) -> None:
        """A message only `user` sees, in `channel` (in the thread `thread_ts` if given)."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        with slack_errors("chat.postEphemeral"):
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, blocks=blocks, **extra
            )

    def post_message(self, channel: str, text: str, blocks: list[Any], **kwargs: Any) -> Any:
        with slack_errors("chat.postMessage"):
            return self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, **kwargs)

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[Any] | None = None
    ) -> None:
        """Replace the text and blocks of a message Mingle posted (chat.update)."""
        with slack_errors("chat.update"):
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def permalink(self, channel: str, ts: str) -> str:
        """A message's permalink (chat.getPermalink); "" when Slack gives none."""
        with slack_errors("chat.getPermalink"):
            response = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(response.get("permalink") or "")

    # files ---------------------------------------------------------------------------------

    def upload_to_dm(
        self, user_id: str, path: str, *, filename: str, title: str, comment: str
    ) -> None:
        """Upload a file into Mingle's DM with `user_id`, with a comment."""
        dm = self.open_dm(user_id)
        with slack_errors("files.uploadV2"):
            self.client.files_upload_v2(
                channel=dm, file=path, filename=filename, title=title, initial_comment=comment
            )

    def auth_test(self) -> dict[str, Any]:
        with slack_errors("auth.test"):
            return dict(self.client.auth_test().data)  # type: ignore[arg-type]
