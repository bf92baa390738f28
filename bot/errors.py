"""The errors Mingle raises on purpose.

Handlers turn a `MingleError` into a friendly ephemeral message; the CLI turns it into one
line on stderr and a non-zero exit. Anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations

from typing import Self


class MingleError(Exception):
    """Base of every error that carries a message meant for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(MingleError):
    """A setting is missing or malformed."""


class SchemaOutOfDateError(MingleError):
    """The database schema is older than the code; run `mingle db upgrade`."""


class InvalidInputError(MingleError):
    """Something a person typed or submitted cannot be used as it is."""


class NotFoundError(MingleError):
    """The person, channel or record asked for does not exist."""


class NotAllowedError(MingleError):
    """The person asking may not do this (for example, an admin-only command)."""


class SlackError(MingleError):
    """A Slack Web API call failed. Raised only by `bot.slack.gateway`, which translates
    slack_sdk's and the transport's exceptions; `code` is Slack's error code (or what broke)."""

    def __init__(self, message: str, *, method: str = "", code: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.code = code


class SlackPermanentError(SlackError):
    """Slack refused a call in a way that retrying will not fix."""

    def reworded(self, message: str) -> Self:
        """The same refusal (kind, method, code), told in words for the person who asked."""
        return type(self)(message, method=self.method, code=self.code)


class SlackNotInChannel(SlackPermanentError, NotFoundError):
    """The channel does not exist for Mingle, or Mingle is not a member of it."""


class SlackUserGone(SlackPermanentError, NotFoundError):
    """The person is not in the workspace any more (or can't be messaged: deactivated, a bot)."""


class SlackAuthError(SlackPermanentError):
    """The bot token is unusable (revoked, expired or missing a scope)."""


class SlackTransientError(SlackError):
    """Slack or the network failed in a way another try may fix (5xx, `internal_error`,
    `fatal_error`, a timeout, a dropped connection). `uncertain`: the call may have taken
    effect all the same."""

    def __init__(
        self, message: str, *, method: str = "", code: str = "", uncertain: bool = True
    ) -> None:
        super().__init__(message, method=method, code=code)
        self.uncertain = uncertain


class SlackRateLimited(SlackTransientError):
    """Slack answered 429 even after the client's retries; try again after `retry_after`
    seconds."""

    def __init__(self, message: str, *, method: str = "", retry_after: float = 1.0) -> None:
        super().__init__(message, method=method, code="ratelimited", uncertain=False)
        self.retry_after = retry_after


class WorkspaceNotInstalled(SlackAuthError):
    """Mingle has no installation (or no longer has one) in the workspace asked for."""

    def __init__(self, team_id: str) -> None:
        super().__init__(
            f"Mingle is not installed in workspace {team_id[:40]}.", code="not_installed"
        )
        self.team_id = team_id
