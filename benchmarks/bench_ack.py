"""How fast does Mingle acknowledge a signed slash command over HTTP?

Starts the Slack emulator with the sample workspace, runs `mingle serve` in a subprocess
against it (SQLite file), then POSTs signed `/mingle` commands and reports p50/p99 of the
time until the HTTP response (the ack) arrives. Slack's limit is 3 seconds.

    python benchmarks/bench_ack.py [--requests 400] [--concurrency 1,8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.testing.cli import MINGLE, clean_environment, free_port  # noqa: E402
from bot.testing.driver import SlackDriver  # noqa: E402
from bot.testing.emulator import SlackEmulator  # noqa: E402
from bot.testing.sample import build_sample_workspace  # noqa: E402

SECRET = "bench-signing-secret"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as emu:
        sample = build_sample_workspace(emu)
        env = clean_environment(
            MINGLE_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            SLACK_BOT_TOKEN=emu.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=emu.api_url,
            MINGLE_SCHEDULER="false",
            MINGLE_LOG_LEVEL="WARNING",
        )
        subprocess.run([*MINGLE, "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [*MINGLE, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            driver = SlackDriver(url + "/slack/events", SECRET, emu, team_id=emu.team_id)
            users = sample.user_ids
            texts = [
                "join",
                "help",
                "interests add chess, go",
                "profile",
                "pause 2 weeks",
                "resume",
            ]
            for user in users:  # warm up: everyone has joined once
                driver.command(user, "join")
            print(f"{'concurrency':>11} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
            for concurrency in (int(c) for c in args.concurrency.split(",")):

                def one(i: int) -> float:
                    result, _ = driver.command(users[i % len(users)], texts[i % len(texts)])
                    assert result.status == 200, result
                    return result.elapsed * 1000

                with ThreadPoolExecutor(concurrency) as pool:
                    times = list(pool.map(one, range(args.requests)))
                print(
                    f"{concurrency:>11} {len(times):>8} {statistics.median(times):>8.1f} "
                    f"{percentile(times, 99):>8.1f} {max(times):>8.1f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
