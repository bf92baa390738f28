"""Benchmark: export the participation workbook of a big, busy workspace.

Synthetic data, bulk-inserted into a fresh SQLite database: 10,000 members in 1,250 teams
(85% active, 8% paused, 7% left at the end of the year; 3-6 interests each), a year of
weekly rounds (52 rounds; everyone matched in pairs every week: 5,000 groups a round, 260,000
in all, with reasons and outcomes), 52 weekly prompts with ~200 answers each, and 2,000
introductions.

The export runs in a fresh subprocess twice: once for the wall time and the process's peak
resident memory (`ru_maxrss`: everything, interpreter and libraries included), and once
under `tracemalloc` for the peak of Python allocations (slower, so not timed).
Targets: under 30 s and under 300 MB.

    .venv/bin/python benchmarks/bench_export.py [--members 10000] [--rounds 52]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Answer,
    ChannelConfig,
    Interest,
    Introduction,
    Match,
    MatchMember,
    Member,
    MemberTopic,
    Prompt,
    Round,
)

TEAM = "T0BENCH"
COFFEE = "C0COFFEE"
SHARE = "C0SHARE"
START = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "UTC"]
WORDS = "deploy cache index query retry schema rollout review flaky budget latency".split()
REASONS = ["you both like {a}", "{a} and {b} in common", "different teams", "3h overlap"]


def chunks(rows: list[dict], size: int = 20_000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def populate(url: str, members: int, rounds: int, answers_per_prompt: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    user_ids = [f"U{i:07d}" for i in range(members)]
    statuses = rng.choices(["active", "paused", "left"], weights=[85, 8, 7], k=members)
    with sessions.begin() as s:
        s.execute(insert(ChannelConfig), [{"team_id": TEAM, "channel_id": COFFEE}])
        s.execute(
            insert(Interest),
            [{"id": i + 1, "team_id": TEAM, "name": f"topic {i}"} for i in range(300)],
        )
        s.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "team_id": TEAM,
                    "user_id": user,
                    "display_name": f"Person {i}",
                    "real_name": f"Person Number {i}",
                    "team_name": f"Team {i % 1250}",
                    "tz": ZONES[i % len(ZONES)],
                    "status": statuses[i],
                    "joined_at": START - dt.timedelta(days=rng.randrange(400)),
                    "last_active_at": START + dt.timedelta(days=rng.randrange(360)),
                }
                for i, user in enumerate(user_ids)
            ],
        )
        topics = []
        for i in range(members):
            for position, interest in enumerate(rng.sample(range(1, 301), rng.randint(3, 6))):
                topics.append(
                    {
                        "member_id": i + 1,
                        "interest_id": interest,
                        "kind": "interest",
                        "position": position,
                    }
                )
        for chunk in chunks(topics):
            s.execute(insert(MemberTopic), chunk)
    # Everyone is matched every week (the paused and the leavers stepped out at the year's end).
    active = user_ids
    match_id = 0
    outcomes = rng.choices(["met", "not_yet", "could_not", None], weights=[60, 15, 5, 20], k=10**6)
    for r in range(rounds):
        with sessions.begin() as s:
            at = START + dt.timedelta(weeks=r)
            order = active[:]
            rng.shuffle(order)
            s.execute(
                insert(Round),
                [
                    {
                        "id": r + 1,
                        "team_id": TEAM,
                        "channel_id": COFFEE,
                        "scheduled_for": at,
                        "status": "planned",
                        "participant_count": len(order),
                    }
                ],
            )
            matches, people = [], []
            for g in range(0, len(order) - 1, 2):
                match_id += 1
                group = order[g : g + 3] if g + 3 == len(order) else order[g : g + 2]
                a, b = rng.sample(range(300), 2)
                matches.append(
                    {
                        "id": match_id,
                        "team_id": TEAM,
                        "round_id": r + 1,
                        "score": rng.random(),
                        "reasons": [
                            REASONS[0].format(a=f"topic {a}"),
                            REASONS[1].format(a=f"topic {a}", b=f"topic {b}"),
                            REASONS[2],
                        ],
                        "outcome": outcomes[match_id % len(outcomes)],
                    }
                )
                people.extend({"match_id": match_id, "user_id": u} for u in group)
            for chunk in chunks(matches):
                s.execute(insert(Match), chunk)
            for chunk in chunks(people):
                s.execute(insert(MatchMember), chunk)
    with sessions.begin() as s:
        answer_id = 0
        answers = []
        for p in range(rounds):
            at = START + dt.timedelta(weeks=p, days=2)
            s.execute(
                insert(Prompt),
                [
                    {
                        "id": p + 1,
                        "team_id": TEAM,
                        "channel_id": SHARE,
                        "scheduled_for": at,
                        "bank_key": f"builtin:{p % 40}",
                        "text": f"What did you learn in week {p}?",
                        "message_ts": f"{1700000000 + p}.000100",
                        "posted_at": at,
                        "permalink": f"https://acme.slack.com/archives/{SHARE}/p{1700000000 + p}",
                    }
                ],
            )
            for _ in range(rng.randint(answers_per_prompt // 2, answers_per_prompt * 3 // 2)):
                answer_id += 1
                words = " ".join(rng.choices(WORDS, k=rng.randint(8, 40)))
                answers.append(
                    {
                        "id": answer_id,
                        "team_id": TEAM,
                        "prompt_id": p + 1,
                        "channel_id": SHARE,
                        "message_ts": f"{1700000000 + p}.{answer_id:06d}",
                        "user_id": rng.choice(user_ids),
                        "text": f"<@{rng.choice(user_ids)}> showed me: {words} & more",
                        "topic": rng.choice(WORDS),
                        "reaction_count": rng.randrange(10),
                        "permalink": f"https://acme.slack.com/archives/{SHARE}/p{answer_id}",
                        "created_at": at + dt.timedelta(minutes=answer_id % 5000),
                    }
                )
        for chunk in chunks(answers):
            s.execute(insert(Answer), chunk)
        s.execute(
            insert(Introduction),
            [
                {
                    "team_id": TEAM,
                    "introducer_id": rng.choice(user_ids),
                    "a_user_id": rng.choice(user_ids),
                    "b_user_id": rng.choice(user_ids),
                    "created_at": START + dt.timedelta(days=rng.randrange(360)),
                }
                for _ in range(2000)
            ],
        )
    engine.dispose()


def run_export(url: str, out: str, trace: bool) -> dict:
    """In a fresh process: export once and report time and memory."""
    import resource
    import tracemalloc

    from bot.services.export import build_report
    from storage.repositories.reports import Scope

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = build_report(sessions, Scope(TEAM), Path(out), now=START + dt.timedelta(weeks=53))
    seconds = time.perf_counter() - started
    figures = {"seconds": round(seconds, 2), "bytes": result.size, "rows": result.rows}
    if trace:
        figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    figures["ru_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=52)
    parser.add_argument("--answers", type=int, default=200, help="answers per prompt (mean)")
    parser.add_argument("--child", choices=["time", "trace"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_export(args.url, args.out, args.child == "trace")))
        return 0
    with tempfile.TemporaryDirectory(prefix="mingle-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        populate(url, args.members, args.rounds, args.answers)
        print(
            f"populated {args.members:,} members, {args.rounds} rounds, {args.rounds} prompts "
            f"in {time.perf_counter() - started:.1f}s"
        )
        results = {}
        for mode in ("time", "trace"):
            out = str(Path(tmp) / f"report-{mode}.xlsx")
            done = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--url", url, "--out", out],
                check=True,
                capture_output=True,
                text=True,
            )
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    timed, traced = results["time"], results["trace"]
    print(f"rows per sheet: {timed['rows']}")
    print(f"workbook size: {timed['bytes'] / 2**20:.1f} MB")
    print(f"export wall time: {timed['seconds']:.1f} s (target < 30 s)")
    print(
        f"peak RSS of the exporting process (ru_maxrss): {timed['ru_maxrss_mb']:.0f} MB "
        "(target < 300 MB)"
    )
    print(
        f"peak Python allocations (tracemalloc, separate run): "
        f"{traced['tracemalloc_peak_mb']:.0f} MB ({traced['seconds']:.1f} s under tracing)"
    )
    ok = timed["seconds"] < 30 and timed["ru_maxrss_mb"] < 300
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
