"""Settings: the only module that reads the environment.

Every setting has an environment variable. A missing or malformed setting stops startup
with one line naming it (`ConfigError`). Secrets are `SecretStr`, so they never appear in
a repr or a log line.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

Mode = Literal["socket", "http"]
#: What a boolean setting may say (pydantic's spellings of true and false).
_ON_OR_OFF = frozenset("true false 1 0 yes no on off t f y n".split())


class Settings(BaseSettings):
    """Mingle's settings, read from the environment (and an optional `.env` file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API_URL, alias="SLACK_API_URL")
    # Multi-workspace mode (`mingle serve` with the app's OAuth credentials).
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_redirect_uri: str | None = Field(default=None, alias="SLACK_REDIRECT_URI")
    uninstall_retention_days: int = Field(
        default=30, ge=0, le=3650, alias="MINGLE_UNINSTALL_RETENTION_DAYS"
    )
    database_url: str = Field(default="sqlite:///mingle.db", alias="MINGLE_DATABASE_URL")
    admins_raw: str = Field(default="", alias="MINGLE_ADMINS")
    log_level: str = Field(default="INFO", alias="MINGLE_LOG_LEVEL")
    # Sent, failed and skipped outbox rows are deleted this many days after (daily job).
    retention_days: int = Field(default=90, alias="MINGLE_RETENTION_DAYS")
    scheduler_enabled: bool = Field(default=True, alias="MINGLE_SCHEDULER")
    # The outbox's delivery worker; separate from the scheduler (see README: instances).
    worker_enabled: bool = Field(default=True, alias="MINGLE_WORKER")
    health_port: int | None = Field(default=None, alias="MINGLE_HEALTH_PORT")
    health_host: str = Field(default="0.0.0.0", alias="MINGLE_HEALTH_HOST")

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @field_validator("admins_raw")
    @classmethod
    def _admins(cls, value: str) -> str:
        for item in _split(value):
            if not _USER_ID.match(item):
                raise ValueError(f"{item!r} is not a Slack user ID (like U012AB3CD)")
        return value

    @field_validator("health_port", mode="before")
    @classmethod
    def _health_port(cls, value: object) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise ValueError(f"{text!r} is not a port number from 1 to 65535")
        return int(text)

    @field_validator("health_host")
    @classmethod
    def _health_host(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch.isspace() or ch in "/:" for ch in value):
            raise ValueError("must be a host name or IPv4 address, such as 0.0.0.0 or 127.0.0.1")
        return value

    @field_validator("scheduler_enabled", "worker_enabled", mode="before")
    @classmethod
    def _on_or_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in _ON_OR_OFF:
            raise ValueError(f"{value.strip()!r} is not true or false")
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_days(cls, value: object) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 3650:
            raise ValueError(f"{text!r} is not a number of days from 1 to 3650")
        return int(text)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("slack_redirect_uri")
    @classmethod
    def _redirect_uri(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s/]+/\S*$", value):
            raise ValueError(
                "must be a URL such as https://mingle.example.com/slack/oauth_redirect"
            )
        return value or None

    @property
    def multi_workspace(self) -> bool:
        """Whether Mingle installs in several workspaces over OAuth (the app's client ID
        and secret are set), rather than serving the one workspace of SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id or _secret(self.slack_client_secret))

    @property
    def slack_authorize_url(self) -> str:
        """Slack's authorize page, next to its Web API (`https://slack.com/oauth/v2/authorize`)."""
        return self.slack_api_url.removesuffix("api/") + "oauth/v2/authorize"

    @property
    def admins(self) -> frozenset[str]:
        """User IDs that are Mingle admins besides workspace admins and owners."""
        return frozenset(_split(self.admins_raw))

    def require_slack(self, mode: Mode) -> None:
        """Check that the tokens the given mode needs are present, well formed and do not
        contradict each other."""
        if self.multi_workspace:
            self._require_oauth(mode)
            return
        _require_token(self.slack_bot_token, "SLACK_BOT_TOKEN", "xoxb-")
        if mode == "socket":
            _require_token(self.slack_app_token, "SLACK_APP_TOKEN", "xapp-")
        if mode == "http" and not _secret(self.slack_signing_secret):
            raise ConfigError(
                "SLACK_SIGNING_SECRET is missing: HTTP mode needs the app's signing secret "
                "(Basic Information > App Credentials)."
            )

    def _require_oauth(self, mode: Mode) -> None:
        if mode == "socket":
            raise ConfigError(
                "SLACK_CLIENT_ID is set, but Socket Mode (`mingle run`) serves one workspace: "
                "use `mingle serve` to install in several, or unset SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET."
            )
        if not self.slack_client_id:
            raise ConfigError(
                "SLACK_CLIENT_ID is missing: multi-workspace mode needs the app's client ID "
                "with SLACK_CLIENT_SECRET (Basic Information > App Credentials)."
            )
        if not _secret(self.slack_client_secret):
            raise ConfigError(
                "SLACK_CLIENT_SECRET is missing: multi-workspace mode needs the app's client "
                "secret with SLACK_CLIENT_ID (Basic Information > App Credentials)."
            )
        if _secret(self.slack_bot_token):
            raise ConfigError(
                "SLACK_BOT_TOKEN contradicts SLACK_CLIENT_ID: in multi-workspace mode each "
                "workspace's token comes from its install; unset one of them."
            )
        if not _secret(self.slack_signing_secret):
            raise ConfigError(
                "SLACK_SIGNING_SECRET is missing: multi-workspace mode needs the app's "
                "signing secret (Basic Information > App Credentials)."
            )


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _require_token(value: SecretStr | None, name: str, prefix: str) -> None:
    token = _secret(value)
    if not token:
        raise ConfigError(f"{name} is missing: set it to the app's {prefix}... token.")
    if not token.startswith(prefix):
        raise ConfigError(f"{name} is malformed: it should start with {prefix!r}.")


_ALIASES = {name: field.alias or name for name, field in Settings.model_fields.items()}


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one clear `ConfigError` line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        name = _ALIASES.get(field, field)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name} is malformed: {message}") from None
