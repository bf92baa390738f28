"""A busy workspace: 100 ordinary message events a second for a minute, through the real app.

The app runs as `mingle serve` does (`bot.testing.app_runner.RunningApp`: HTTP, Bolt, the
SQLite file database) against the emulator; the driver signs every request like Slack. The
events are chatter Mingle ignores: top-level messages, replies in other threads, reactions
to ordinary messages, in the channels Mingle is in. Reported: how fast each event is
acknowledged (p50, p99, max) and how many rows the database gained (target: at most 50).

    python benchmarks/bench_busy_workspace.py [--rate 100] [--seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.testing.app_runner import RunningApp  # noqa: E402
from bot.testing.driver import SlackDriver  # noqa: E402
from bot.testing.emulator import SlackEmulator  # noqa: E402
from bot.testing.sample import build_sample_workspace  # noqa: E402
from storage.models import Base  # noqa: E402

CHANNELS = ("C0COFFEE", "C0SHARE")


def rows(app: RunningApp) -> dict[str, int]:
    with app.deps.sessions() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def chatter(n: int, users: list[str]) -> dict[str, Any]:
    """The n-th event of ordinary workspace chatter."""
    user = users[n % len(users)]
    channel = CHANNELS[n % len(CHANNELS)]
    ts = f"{time.time():.6f}"
    kind = n % 10
    if kind < 7:  # a message
        return {"type": "message", "channel": channel, "user": user, "text": f"msg {n}", "ts": ts}
    if kind < 9:  # a reply in someone's thread
        return {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": f"reply {n}",
            "ts": ts,
            "thread_ts": f"{time.time() - 60:.6f}",
        }
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "eyes",
        "item": {"type": "message", "channel": channel, "ts": f"{time.time() - 5:.6f}"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100, help="events a second")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    total = args.rate * args.seconds
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as emu:
        sample = build_sample_workspace(emu)
        users = list(sample.share_members)
        with RunningApp(emu, f"sqlite:///{tmp}/busy.db", admins=sample.admin_id) as app:
            driver: SlackDriver = app.driver()
            before = rows(app)
            acks: list[float] = []
            failures: list[int] = []
            lock = threading.Lock()

            def send(n: int) -> None:
                result = driver.event(chatter(n, users))
                with lock:
                    acks.append(result.elapsed)
                    if result.status != 200:
                        failures.append(result.status)

            print(f"Sending {total} ordinary message events at {args.rate} a second ...")
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=32) as pool:
                for n in range(total):
                    due = started + n / args.rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(send, n)
            elapsed = time.monotonic() - started
            after = rows(app)
    added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    acks.sort()
    p99 = acks[min(len(acks) - 1, int(len(acks) * 0.99))]
    print()
    for name, value in [
        ("events", f"{len(acks)} in {elapsed:.1f} s ({len(acks) / elapsed:.0f} a second)"),
        ("non-200 answers", str(len(failures))),
        ("ack p50", f"{statistics.median(acks) * 1000:.1f} ms"),
        ("ack p99", f"{p99 * 1000:.1f} ms"),
        ("ack max", f"{acks[-1] * 1000:.1f} ms"),
        ("rows added", f"{sum(added.values())} {added or ''} (target: at most 50)"),
    ]:
        print(f"  {name:<16} {value}")


if __name__ == "__main__":
    main()
