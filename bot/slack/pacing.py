"""Pacing Web API calls to Slack's published rate limits.

Slack limits most methods per workspace and app by "tier" (calls per minute), and
`chat.postMessage` per channel (about one message per second, with short bursts allowed).
A `Pacer` hands out call slots so that Mingle stays just under those limits: it runs at
`fraction` (95%) of each limit, with a burst small enough that no one-minute window can hold
more calls than Slack allows. It is thread-safe; slots are reserved first come, first
served, so several threads share one budget. Across processes, only the holder of a
workspace's delivery lease sends its outbox (`bot.services.delivery_lease`); `holder` names
this pacer there.

`wait(method, channel)` blocks until a slot is free. After Slack answers 429, `backoff`
pauses the method (or one channel's `chat.postMessage`) for the `Retry-After` seconds.
`scale` multiplies every rate, for benchmarks against the emulator with
`set_rate_limits(True, scale=...)`; the clock and sleep are injectable for tests.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

TIER_1 = 1
TIER_2 = 20
TIER_3 = 50
TIER_4 = 100

#: Calls per minute by method, from Slack's documentation of each method's tier.
METHOD_LIMITS: dict[str, int] = {
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "chat.getPermalink": TIER_4,
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.info": TIER_3,
    "conversations.members": TIER_4,
    "conversations.list": TIER_2,
    "users.list": TIER_2,
    "users.conversations": TIER_3,
    "users.lookupByEmail": TIER_3,
    "views.publish": TIER_4,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "reactions.add": TIER_3,
}
#: Methods not listed above, by prefix (`users.info`, `users.profile.get`: Tier 4).
PREFIX_LIMITS: dict[str, int] = {"users.": TIER_4}
DEFAULT_LIMIT = TIER_3

POST_MESSAGE = "chat.postMessage"
#: chat.postMessage: about one message per second per channel, a short burst allowed.
POST_MESSAGE_PER_SECOND = 1.0
POST_MESSAGE_BURST = 2

DEFAULT_FRACTION = 0.95
_PRUNE_AT = 2048


def per_minute(method: str) -> int:
    """Slack's published limit for `method`, in calls per minute."""
    if method in METHOD_LIMITS:
        return METHOD_LIMITS[method]
    for prefix, limit in PREFIX_LIMITS.items():
        if method.startswith(prefix):
            return limit
    return DEFAULT_LIMIT


@dataclass(frozen=True)
class Rate:
    """`interval` seconds between calls on average, and up to `burst` calls at once."""

    interval: float
    burst: int


@dataclass
class _Slot:
    next_free: float = 0.0  # the "theoretical arrival time" of the generic cell rate algorithm
    paused_until: float = 0.0


class Pacer:
    """Per-method (and per-channel for chat.postMessage) call slots, shared by threads."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        fraction: float = DEFAULT_FRACTION,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        if not 0 < fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        self.scale = scale
        self.fraction = fraction
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._rates: dict[str, Rate] = {}
        #: Who this pacer is, as the holder of a delivery lease (host, process, pacer).
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def rate(self, method: str) -> Rate:
        """The pace kept for `method` (per channel for chat.postMessage)."""
        cached = self._rates.get(method)
        if cached is not None:
            return cached
        if method == POST_MESSAGE:
            per_second = POST_MESSAGE_PER_SECOND * self.fraction * self.scale
            rate = Rate(interval=1.0 / per_second, burst=POST_MESSAGE_BURST)
        else:
            limit = per_minute(method)
            per_second = limit * self.fraction * self.scale / 60.0
            # Any one-minute window then holds at most burst + fraction * limit calls,
            # which must stay within the limit.
            burst = max(1, int(limit * (1 - self.fraction)) - 1)
            rate = Rate(interval=1.0 / per_second, burst=burst)
        self._rates[method] = rate
        return rate

    def reserve(self, method: str, channel: str | None = None) -> float:
        """Book the next free slot; return how many seconds to wait before using it."""
        key = _key(method, channel)
        rate = self.rate(method)
        tolerance = (rate.burst - 1) * rate.interval
        with self._lock:
            now = self._clock()
            slot = self._slots.get(key)
            if slot is None:
                if len(self._slots) >= _PRUNE_AT:
                    self._prune(now)
                slot = self._slots[key] = _Slot(next_free=now)
            start = max(now, slot.next_free - tolerance, slot.paused_until)
            slot.next_free = max(slot.next_free, start) + rate.interval
            return start - now

    def wait(
        self, method: str, channel: str | None = None, *, cancel: threading.Event | None = None
    ) -> bool:
        """Block until a call of `method` may go out; False if `cancel` was set meanwhile."""
        delay = self.reserve(method, channel)
        if delay > 0:
            if cancel is not None and self._sleep is time.sleep:
                cancel.wait(delay)
            else:
                self._sleep(delay)
        return cancel is None or not cancel.is_set()

    def backoff(self, method: str, retry_after: float, channel: str | None = None) -> None:
        """Slack answered 429 with `Retry-After`: hold `method` (or one channel) that long."""
        key = _key(method, channel)
        with self._lock:
            now = self._clock()
            slot = self._slots.setdefault(key, _Slot(next_free=now))
            slot.paused_until = max(slot.paused_until, now + max(0.0, retry_after))

    def paused_for(self, method: str, channel: str | None = None) -> float:
        """Seconds `method` (or one channel) is still held by a backoff."""
        with self._lock:
            slot = self._slots.get(_key(method, channel))
            return max(0.0, slot.paused_until - self._clock()) if slot else 0.0

    def _prune(self, now: float) -> None:
        """Forget idle slots (a slot whose next free time has passed is as good as new)."""
        for key in [k for k, s in self._slots.items() if max(s.next_free, s.paused_until) < now]:
            del self._slots[key]


class PacedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry (sleep `Retry-After`, then retry) that also tells a `Pacer`.

    Every other call of the method (from any thread sharing the pacer) then waits out the
    same pause instead of running into the limit again. `on_rate_limited(method)` is called
    for each 429 retried, so callers can count them.
    """

    def __init__(
        self,
        pacer: Pacer,
        *,
        max_retry_count: int = 3,
        on_rate_limited: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer
        self.on_rate_limited = on_rate_limited

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None:
            method = request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            channel = _request_channel(request) if method == POST_MESSAGE else None
            self.pacer.backoff(method, retry_after_seconds(response.headers), channel)
            if self.on_rate_limited is not None:
                self.on_rate_limited(method)
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )


def retry_after_seconds(headers: Any, default: float = 1.0) -> float:
    """The `Retry-After` header's seconds, from any header mapping (values or lists)."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() != "retry-after":
            continue
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            return default
    return default


def _request_channel(request: HttpRequest) -> str | None:
    raw = request.data.decode("utf-8", "replace") if request.data else ""
    try:
        body = json.loads(raw) if raw.startswith("{") else {}
    except json.JSONDecodeError:
        body = {}
    if not body and raw:
        body = {k: v[0] for k, v in parse_qs(raw).items()}
    channel = body.get("channel") if isinstance(body, dict) else None
    return str(channel) if channel else None


def _key(method: str, channel: str | None) -> str:
    if method == POST_MESSAGE:
        return f"{method}:{channel or ''}"
    return method
