"""Delivering a 1,000-member round at Slack's rate limits: speed, priority, faults, instances.

A round of 1,000 people is 500 pair intros (each a `conversations.open` and a
`chat.postMessage` into a new group DM) and a summary in the channel, delivered from a SQLite
file outbox to the emulator with Slack's tier limits on. The emulator and the pacers run at
`--scale` (Slack's rates multiplied, so a Slack minute lasts 60/scale seconds); rates and
waits are reported in Slack time. `conversations.open` (Tier 3, 50 a minute) bounds the
intros at 50 a Slack minute.

1. one worker: intros a minute against the bound, and how long an introduction someone asks
   for in the middle of the round takes to arrive (it jumps the backlog);
2. faults: 5% of calls fail at random (HTTP 500, 429, timeouts: a proxy in front of the
   emulator) and the worker process is SIGKILLed mid-round and restarted: every message
   must arrive exactly once;
3. two instances (two worker processes on the same database) drain a round together:
   duplicates, share of calls answered 429, intros a minute against the bound.

    python benchmarks/bench_delivery.py [--pairs 500] [--scale 30] [--parts 1,2,3]
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import http.server
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_deps  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.status import OutboxKind  # noqa: E402
from bot.services.delivery import DeliveryWorker  # noqa: E402
from bot.services.deps import Deps  # noqa: E402
from bot.slack.client import make_web_client  # noqa: E402
from bot.slack.pacing import Pacer, per_minute  # noqa: E402
from bot.testing.emulator import SlackEmulator  # noqa: E402
from bot.testing.outbox import posted_keys  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories import outbox  # noqa: E402

CHANNEL = "C0COFFEE"
TEAM = "T0001"
TOKEN = "xoxb-bench-token"
BOUND = per_minute("conversations.open")  # intros a Slack minute


# -- the workspace and the round ----------------------------------------------------------------


def build_workspace(emu: SlackEmulator, people: int) -> list[str]:
    users = [f"U{i:05d}" for i in range(people)]
    for user_id in users:
        emu.add_user(user_id, name=f"person{user_id[1:]}")
    emu.add_channel(CHANNEL, name="coffee-chats", members=users)
    return users


def enqueue_round(deps: Deps, users: list[str], round_id: int) -> list[str]:
    """The round's intros and summary, as planning enqueues them; their keys."""
    keys = []
    with deps.sessions.begin() as session:
        for index in range(0, len(users) - 1, 2):
            key = f"round:{round_id}:intro:{index // 2}"
            pair = users[index : index + 2]
            outbox.enqueue(
                session,
                team_id=TEAM,
                key=key,
                kind=OutboxKind.ROUND_INTRO,
                text=f"<@{pair[0]}> and <@{pair[1]}>, meet each other!",
                user_ids=pair,
                not_before=deps.clock(),
            )
            keys.append(key)
        key = f"round:{round_id}:summary"
        outbox.enqueue(
            session,
            team_id=TEAM,
            key=key,
            kind=OutboxKind.ROUND_SUMMARY,
            text=f"{len(users) // 2} coffee chats this round.",
            channel_id=CHANNEL,
            not_before=deps.clock(),
        )
        keys.append(key)
    return keys


def make_deps(url: str, api_url: str, *, timeout: float = 15.0) -> Deps:
    settings = load_settings(slack_bot_token=TOKEN, slack_api_url=api_url, database_url=url)
    client = make_web_client(TOKEN, api_url)
    client.timeout = int(max(1, timeout))
    return build_deps(settings, engine=make_engine(url), client=client)


def counts(deps: Deps) -> dict[str, int]:
    with deps.sessions() as session:
        return {str(k): v for k, v in outbox.counts(session).items()}


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def busiest_minute(emu: SlackEmulator, method: str, scale: float) -> int:
    """The most calls of `method` (refused ones too) in any window of a Slack minute."""
    times = sorted(call.at for call in emu.calls_to(method))
    window = 60 / scale
    return max((bisect.bisect_right(times, t + window) - i for i, t in enumerate(times)), default=0)


def intro_rate(emu: SlackEmulator, scale: float) -> float:
    """Successful conversations.open calls a Slack minute, first to last."""
    opens = sorted(c.at for c in emu.calls_to("conversations.open") if c.ok)
    if len(opens) < 2:
        return 0.0
    return (len(opens) - 1) / ((opens[-1] - opens[0]) * scale / 60)


def show(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


# -- a worker process ---------------------------------------------------------------------------


def worker_main(url: str, api_url: str, scale: float, timeout: float, takeover: bool) -> int:
    """Deliver until the outbox has nothing pending or in flight; print the totals as JSON.

    `takeover`: rows (and the delivery lease) left by a killed worker are taken over at once.
    """
    deps = make_deps(url, api_url, timeout=timeout)
    lease = dt.timedelta(0) if takeover else dt.timedelta(minutes=5)
    worker = DeliveryWorker(deps, pacer=Pacer(scale=scale), lease=lease, idle_wait=0.5)
    worker.start()
    try:
        wait_until(
            lambda: counts(deps)["pending"] + counts(deps)["sending"] == 0, 3600, "an empty outbox"
        )
    finally:
        worker.stop()
    print(json.dumps(dataclasses.asdict(worker.totals)), flush=True)
    return 0


def spawn(url: str, api_url: str, scale: float, *, timeout: float = 15.0, takeover: bool = False):
    args = [sys.executable, __file__, "--worker", url, api_url, str(scale), str(timeout)]
    return subprocess.Popen(
        [*args, "1" if takeover else "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# -- faults: a proxy in front of the emulator ---------------------------------------------------


class FaultyProxy:
    """Forwards Web API calls to the emulator; `rate` of them fail at random, evenly as an HTTP
    500, a 429 (Retry-After: 1) or a timeout (the answer comes after `delay` seconds, longer
    than the client waits; half of those calls reached Slack first)."""

    def __init__(self, target: str, rate: float, delay: float, seed: int = 20261130) -> None:
        self.target = target.rstrip("/")
        self.rate = rate
        self.delay = delay
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = proxy.pick()
                if fault == "500":
                    return self.answer(500, b'{"ok": false, "error": "internal_error"}')
                if fault == "429":
                    return self.answer(429, b'{"ok": false, "error": "ratelimited"}', retry=True)
                if fault in ("timeout_lost", "timeout_done"):
                    if fault == "timeout_done":
                        proxy.forward(self.path, body, self.headers)
                    time.sleep(proxy.delay)
                    return self.answer(500, b'{"ok": false, "error": "internal_error"}')
                status, data = proxy.forward(self.path, body, self.headers)
                self.answer(status, data)

            def answer(self, status: int, data: bytes, retry: bool = False) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if retry:
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def pick(self) -> str | None:
        with self.lock:
            if self.random.random() >= self.rate:
                return None
            fault = self.random.choice(["500", "429", "timeout_lost", "timeout_done"])
            self.injected[fault] += 1
            return fault

    def forward(self, path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
        method = path.rstrip("/").rsplit("/", 1)[-1]
        request = urllib.request.Request(
            self.target + "/" + method,
            data=body,
            headers={k: v for k, v in headers.items() if k.lower() != "host"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def close(self) -> None:
        self.server.shutdown()


# -- the parts ----------------------------------------------------------------------------------


def part_one(emu: SlackEmulator, url: str, users: list[str], scale: float) -> None:
    """One worker (a thread here) delivers the round; an intro is asked for half way."""
    deps = make_deps(url, emu.api_url)
    keys = enqueue_round(deps, users, round_id=1)
    emu.clear_calls()
    emu.set_rate_limits(True, scale=scale)
    worker = DeliveryWorker(deps, pacer=Pacer(scale=scale))
    started = time.monotonic()
    deps.delivery.run(worker)
    deps.delivery.wake()
    half = len(keys) // 2
    wait_until(lambda: counts(deps)["sent"] >= half, 3600, "half the round")
    asked = time.monotonic()
    with deps.sessions.begin() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            key="intro:T0001:1",
            kind=OutboxKind.INTRO,
            text=f"<@{users[0]}>, meet <@{users[-1]}>: you both like chess.",
            user_ids=[users[0], users[-1], users[1]],
            not_before=deps.clock(),
        )
    deps.delivery.wake()
    wait_until(lambda: posted_keys(emu)["intro:T0001:1"] >= 1, 600, "the introduction")
    intro_wait = time.monotonic() - asked
    wait_until(lambda: counts(deps)["sent"] == len(keys) + 1, 3600, "the whole round")
    elapsed = time.monotonic() - started
    deps.delivery.stop()
    calls = emu.calls
    rate = intro_rate(emu, scale)
    duplicates = sum(n - 1 for n in posted_keys(emu).values() if n > 1)
    show(
        f"1. One worker, {len(keys) - 1} intros + 1 summary (scale {scale:g}: a Slack minute = "
        f"{60 / scale:.1f} s)",
        [
            ("wall time", f"{elapsed:.1f} s ({elapsed * scale / 60:.1f} Slack minutes)"),
            ("intros / Slack minute", f"{rate:.1f} of {BOUND} ({rate / BOUND:.1%} of the bound)"),
            (
                "intro asked mid-round",
                f"arrived after {intro_wait * scale:.2f} Slack seconds ({intro_wait:.3f} s wall)",
            ),
            ("429 answers", f"{sum(1 for c in calls if c.status == 429)} of {len(calls)} calls"),
            ("duplicates", str(duplicates)),
        ],
    )


def part_two(emu: SlackEmulator, url: str, users: list[str], scale: float) -> None:
    """5% faults and one SIGKILL mid-round; every message exactly once."""
    deps = make_deps(url, emu.api_url)
    before = counts(deps)["sent"]
    keys = enqueue_round(deps, users, round_id=2)
    emu.clear_calls()
    emu.set_rate_limits(True, scale=scale)
    proxy = FaultyProxy(emu.api_url, rate=0.05, delay=2.0)
    started = time.monotonic()
    first = spawn(url, proxy.url, scale, timeout=1.0, takeover=True)
    third = counts(deps)["sent"] + len(keys) // 3
    wait_until(lambda: counts(deps)["sent"] >= third or first.poll() is not None, 3600, "a third")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = counts(deps)
    killed_at["sent"] -= before
    second = spawn(url, proxy.url, scale, timeout=1.0, takeover=True)
    out, err = second.communicate(timeout=3600)
    if second.returncode != 0:
        raise SystemExit(f"the restarted worker failed: {err[-2000:]}")
    elapsed = time.monotonic() - started
    proxy.close()
    report = json.loads(out.strip().splitlines()[-1])
    found = posted_keys(emu)
    round_keys = {k: n for k, n in found.items() if k.startswith("round:2:")}
    once = sum(1 for k in keys if round_keys.get(k) == 1)
    show(
        "2. 5% of calls failing (500, 429, timeouts) and a SIGKILL mid-round",
        [
            ("faults injected", ", ".join(f"{k} {n}" for k, n in sorted(proxy.injected.items()))),
            ("killed with", f"{killed_at['sent']} sent, {killed_at['sending']} in flight"),
            ("restarted worker", json.dumps(report)),
            ("arrived exactly once", f"{once} of {len(keys)}"),
            ("duplicates", str(sum(n - 1 for n in round_keys.values() if n > 1))),
            ("missing", str(sum(1 for k in keys if k not in round_keys))),
            ("outbox", json.dumps(counts(deps))),
            ("wall time", f"{elapsed:.1f} s"),
        ],
    )


def part_three(emu: SlackEmulator, url: str, users: list[str], scale: float) -> None:
    """Two worker processes on the same database drain one round together."""
    deps = make_deps(url, emu.api_url)
    keys = enqueue_round(deps, users, round_id=3)
    emu.clear_calls()
    emu.set_rate_limits(True, scale=scale)
    started = time.monotonic()
    workers = [spawn(url, emu.api_url, scale) for _ in range(2)]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=3600)
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed: {err[-2000:]}")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - started
    calls = emu.calls
    refused = sum(1 for c in calls if c.status == 429)
    found = posted_keys(emu)
    rate = intro_rate(emu, scale)
    show(
        "3. Two instances draining one round together",
        [
            ("sent by each", ", ".join(str(r["sent"]) for r in reports)),
            ("duplicates", str(sum(found[k] - 1 for k in keys if found[k] > 1))),
            ("arrived", f"{sum(1 for k in keys if found[k] >= 1)} of {len(keys)}"),
            ("429 answers", f"{refused} of {len(calls)} calls ({refused / len(calls):.2%})"),
            (
                "busiest Slack minute",
                f"{busiest_minute(emu, 'conversations.open', scale)} conversations.open "
                f"(Slack allows {BOUND})",
            ),
            ("intros / Slack minute", f"{rate:.1f} of {BOUND} ({rate / BOUND:.1%} of the bound)"),
            ("wall time", f"{elapsed:.1f} s"),
        ],
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, api_url, scale, timeout, takeover = sys.argv[2:7]
        sys.exit(worker_main(url, api_url, float(scale), float(timeout), takeover == "1"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--scale", type=float, default=30.0)
    parser.add_argument("--parts", default="1,2,3")
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator(team_id=TEAM, bot_token=TOKEN) as emu:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        users = build_workspace(emu, 2 * args.pairs)
        print(
            f"A round of {2 * args.pairs} people: {args.pairs} pair intros + 1 summary; "
            f"Slack's limits x{args.scale:g}; the bound is {BOUND} intros a Slack minute "
            "(conversations.open, Tier 3)"
        )
        if 1 in parts:
            part_one(emu, url, users, args.scale)
        if 2 in parts:
            part_two(emu, url, users, args.scale)
        if 3 in parts:
            part_three(emu, url, users, args.scale)


if __name__ == "__main__":
    main()
