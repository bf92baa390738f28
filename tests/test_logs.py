"""Secrets never reach the logs, even through a library's DEBUG output."""

from __future__ import annotations

import io
import logging

from bot.logs import DropBoltTokenNotice, RedactSecrets


def test_tokens_and_bearer_headers_are_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("headers: %s", {"Authorization": "Bearer xoxb-123-456-abcdef"})
        logger.info("app token xapp-1-A1-2-secret, user token xoxp-9-8-7")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "xoxb-123" not in out and "xapp-1" not in out and "xoxp-9" not in out
    assert out.count("[redacted]") >= 3


def test_bolts_client_notice_is_dropped_and_other_warnings_kept() -> None:
    notice = logging.LogRecord(
        "slack_bolt.App",
        logging.WARNING,
        "",
        0,
        "As you gave `client` as well, `token` will be unused.",
        None,
        None,
    )
    other = logging.LogRecord(
        "slack_bolt.App", logging.WARNING, "", 0, "Something else", None, None
    )
    assert not DropBoltTokenNotice().filter(notice)
    assert DropBoltTokenNotice().filter(other)
