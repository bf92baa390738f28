"""Secrets never reach the logs, even through a library's DEBUG output."""

from __future__ import annotations

import io
import logging

from bot.logs import MAX_LOG_CHARS, CapLines, DropBoltTokenNotice, DropRejectedBodies, RedactSecrets


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


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("mingle", logging.WARNING, "", 0, message, args or None, None)


def test_a_long_message_is_cut_to_one_capped_line() -> None:
    record = _record("body: %s", "A" * 1_000_000 + "\nforged line")
    assert CapLines().filter(record)
    message = record.getMessage()
    assert len(message) < MAX_LOG_CHARS + 100
    assert "\n" not in message and "more characters cut" in message


def test_newlines_are_escaped_so_a_line_cannot_be_forged() -> None:
    record = _record("user said %s", "hi\n2026-01-01 INFO mingle: admin granted")
    CapLines().filter(record)
    assert record.getMessage() == "user said hi\\n2026-01-01 INFO mingle: admin granted"


def test_bolts_echo_of_a_rejected_body_is_dropped() -> None:
    echo = _record("Invalid request signature detected (signature: x, timestamp: 1, body: secret)")
    assert not DropRejectedBodies().filter(echo)
    assert DropRejectedBodies().filter(_record("something else"))
