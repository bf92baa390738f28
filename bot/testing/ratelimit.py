"""Slack's published Web API rate limits, enforced by the emulator when asked to.

Tiered methods use a sliding window: at most *N* calls in any window of one minute.
``chat.postMessage`` is limited per channel with a token bucket: one message per second on
average, with a short burst allowed. ``scale`` multiplies every rate (``scale=60`` makes a
"minute" last one second) so benchmarks can exercise pacing quickly.

When a call is refused, :meth:`RateLimiter.check` returns the ``Retry-After`` value Slack
would send: whole seconds, at least 1.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

TIER_1 = 1
TIER_2 = 20
TIER_3 = 50
TIER_4 = 100

#: Calls per minute for each method (Slack's tier for it; "special" methods approximated).
METHOD_LIMITS: dict[str, int] = {
    "auth.test": TIER_4,
    "bots.info": TIER_3,
    "chat.delete": TIER_3,
    "chat.getPermalink": TIER_4,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "conversations.leave": TIER_3,
    "conversations.list": TIER_2,
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "files.completeUploadExternal": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.info": TIER_4,
    "reactions.add": TIER_3,
    "reactions.remove": TIER_2,
    "team.info": TIER_3,
    "users.conversations": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
}
DEFAULT_LIMIT = TIER_3

#: chat.postMessage: messages per second per channel, and the burst allowed on top.
POST_MESSAGE_PER_SECOND = 1.0
POST_MESSAGE_BURST = 3


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Per-method (and, for chat.postMessage, per-channel) limits; thread-unsafe by design.

    The emulator calls it under its own lock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self.scale = 1.0
        self.overrides: dict[str, int] = {}
        self._clock = clock
        self._windows: dict[str, deque[float]] = {}
        self._buckets: dict[str, _Bucket] = {}

    def configure(
        self, enabled: bool, scale: float = 1.0, overrides: dict[str, int] | None = None
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.enabled = enabled
        self.scale = scale
        self.overrides = dict(overrides or {})
        self._windows.clear()
        self._buckets.clear()

    def per_minute(self, method: str) -> int:
        return self.overrides.get(method, METHOD_LIMITS.get(method, DEFAULT_LIMIT))

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Count one call; return ``Retry-After`` seconds if it must be refused."""
        if not self.enabled:
            return None
        now = self._clock()
        if method == "chat.postMessage" and method not in self.overrides:
            return self._check_bucket(f"{method}:{channel or ''}", now)
        return self._check_window(method, now)

    def _check_window(self, method: str, now: float) -> int | None:
        limit = self.per_minute(method)
        window = 60.0 / self.scale
        calls = self._windows.setdefault(method, deque())
        while calls and calls[0] <= now - window:
            calls.popleft()
        if len(calls) >= limit:
            return max(1, math.ceil(calls[0] + window - now))
        calls.append(now)
        return None

    def _check_bucket(self, key: str, now: float) -> int | None:
        rate = POST_MESSAGE_PER_SECOND * self.scale
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(POST_MESSAGE_BURST), updated=now)
        bucket.tokens = min(
            float(POST_MESSAGE_BURST), bucket.tokens + (now - bucket.updated) * rate
        )
        bucket.updated = now
        if bucket.tokens < 1.0:
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
        bucket.tokens -= 1.0
        return None
