"""The gateway to Slack's Web API for domain work: users, views, messages, conversations.

Services talk to Slack only through a `SlackGateway`, which turns Slack's error codes into
`MingleError`s and caches user lookups briefly (admin checks and profile refreshes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import NotFoundError, SlackDeliveryError

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


def error_code(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response.get("error", "unknown_error"))
    except Exception:  # pragma: no cover - defensive
        return "unknown_error"


class SlackGateway:
    """Domain-level Slack calls over one `WebClient`."""

    def __init__(self, client: WebClient, *, cache_seconds: float = USER_CACHE_SECONDS) -> None:
        self.client = client
        self._cache_seconds = cache_seconds
        self._users: dict[str, tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()

    # users ---------------------------------------------------------------------------------

    def user(self, user_id: str, *, fresh: bool = False) -> SlackUser:
        """`users.info`, cached for a few minutes. Raises `NotFoundError` for unknown users."""
        now = time.monotonic()
        with self._lock:
            cached = self._users.get(user_id)
        if cached and not fresh and now - cached[0] < self._cache_seconds:
            return cached[1]
        try:
            response = self.client.users_info(user=user_id)
        except SlackApiError as exc:
            if error_code(exc) in ("user_not_found", "users_not_found"):
                raise NotFoundError(
                    f"I can't find that person ({user_id}) in this workspace."
                ) from exc
            raise SlackDeliveryError(f"Slack refused users.info: {error_code(exc)}") from exc
        user = user_from_api(response["user"])
        with self._lock:
            self._users[user_id] = (now, user)
        return user

    def all_users(self) -> Iterator[SlackUser]:
        """Every user in the workspace (users.list, paginated)."""
        cursor = None
        while True:
            response = self.client.users_list(limit=200, cursor=cursor)
            members: list[dict[str, Any]] = response.get("members", [])
            for data in members:
                user = user_from_api(data)
                with self._lock:
                    self._users[user.id] = (time.monotonic(), user)
                yield user
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def channel_members(self, channel_id: str) -> list[str]:
        """Every member of a channel (conversations.members, paginated)."""
        members: list[str] = []
        cursor = None
        while True:
            try:
                response = self.client.conversations_members(
                    channel=channel_id, limit=200, cursor=cursor
                )
            except SlackApiError as exc:
                code = error_code(exc)
                if code in ("channel_not_found", "not_in_channel"):
                    raise NotFoundError(
                        f"I can't see <#{channel_id}>: invite me with `/invite @Mingle` first."
                    ) from exc
                raise SlackDeliveryError(f"Slack refused conversations.members: {code}") from exc
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    # views ---------------------------------------------------------------------------------

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    # messages ------------------------------------------------------------------------------

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[Any]) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)

    def post_message(self, channel: str, text: str, blocks: list[Any], **kwargs: Any) -> Any:
        return self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, **kwargs)

    def auth_test(self) -> dict[str, Any]:
        return dict(self.client.auth_test().data)  # type: ignore[arg-type]
