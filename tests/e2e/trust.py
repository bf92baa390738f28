"""Helpers for the trust-boundary tests: raw signed requests, and every table's row count."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from storage.models import Base


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    elapsed: float


def post_raw(
    url: str,
    body: bytes,
    *,
    secret: str | None,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: str | None = None,
) -> Answer:
    """POST `body` as it is; signed with `secret` (over the raw bytes) unless it is None."""
    ts = timestamp if timestamp is not None else str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
    if secret is not None:
        headers["X-Slack-Signature"] = sign_bytes(secret, ts, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read(), time.perf_counter() - started)
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(), time.perf_counter() - started)


def sign_bytes(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's `v0` signature over raw bytes (`bot.testing.driver.sign` takes text)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each table in the models' metadata holds (every table, by construction)."""
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in Base.metadata.sorted_tables
        }
