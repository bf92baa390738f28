"""The errors Mingle raises on purpose.

Handlers turn a `MingleError` into a friendly ephemeral message; the CLI turns it into one
line on stderr and a non-zero exit. Anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations


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


class SlackDeliveryError(MingleError):
    """Slack refused a call in a way that retrying will not fix."""
