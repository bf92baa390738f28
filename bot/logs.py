"""Logging setup: filters that redact Slack tokens and secrets from every record, cap each
line (a request body never reaches the log whole) and drop Bolt's echo of rejected bodies."""

from __future__ import annotations

import logging
import re
import sys

SECRET = re.compile(r"(xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._-]+)")


def redact(text: str) -> str:
    return SECRET.sub("[redacted]", text)


class RewriteMessage(logging.Filter):
    """A filter that keeps every record and replaces its message with `rewrite(message)`."""

    def rewrite(self, message: str) -> str:
        return message

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        rewritten = self.rewrite(message)
        if rewritten != message:
            record.msg = rewritten
            record.args = None
        return True


class RedactSecrets(RewriteMessage):
    def rewrite(self, message: str) -> str:
        return redact(message)


#: The longest message a log line carries; the rest is cut (tracebacks are kept whole).
MAX_LOG_CHARS = 2000


def cap_line(text: str, limit: int = MAX_LOG_CHARS) -> str:
    """`text` on one line (newlines escaped) and at most about `limit` characters."""
    flat = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}… [{len(flat) - limit} more characters cut]"


class CapLines(RewriteMessage):
    """One line per message, at most `MAX_LOG_CHARS` long: whatever a caller passes (a request
    body, a Slack payload), the log stays readable and small."""

    def rewrite(self, message: str) -> str:
        return cap_line(message)


class DropRejectedBodies(logging.Filter):
    """Bolt logs the whole body of a request whose signature it rejects (at INFO); Mingle
    rejects those before Bolt sees them (`bot.server`), and never wants them in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Invalid request signature detected")


class DropBoltTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the configured client wins; it does,
    by design (`bot.app.build_app`), so the notice is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(DropRejectedBodies())
    handler.addFilter(RedactSecrets())
    handler.addFilter(CapLines())
    handler.addFilter(DropBoltTokenNotice())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
