"""How close does delivery get to Slack's rate limits, without 429s or duplicates?

A 1,000-member round: 500 pair intros (each a `conversations.open` and a `chat.postMessage`
into a new group DM) and one summary in the channel, delivered from a SQLite file outbox to
the emulator with Slack's rate limits on. Both the emulator and the pacer run at `--scale`
(Slack's rates multiplied, so a Slack minute lasts 60/scale seconds); rates are reported in
Slack time. `conversations.open` (Tier 3, 50 a minute) bounds the intros at 50 a minute.

    python benchmarks/bench_delivery.py [--pairs 500] [--scale 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.services.delivery import deliver_pending  # noqa: E402
from bot.services.deps import Deps  # noqa: E402
from bot.slack.client import make_web_client  # noqa: E402
from bot.slack.gateway import SlackGateway  # noqa: E402
from bot.slack.pacing import Pacer, per_minute  # noqa: E402
from bot.testing.emulator import SlackEmulator  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories import outbox  # noqa: E402

CHANNEL = "C0COFFEE"
TEAM = "T0001"


def build_workspace(emu: SlackEmulator, people: int) -> list[str]:
    users = [f"U{i:05d}" for i in range(people)]
    for user_id in users:
        emu.add_user(user_id, name=f"person{user_id[1:]}")
    emu.add_channel(CHANNEL, name="coffee-chats", members=users)
    return users


def enqueue_round(deps: Deps, users: list[str]) -> int:
    now = deps.clock()
    with deps.sessions.begin() as session:
        for index in range(0, len(users) - 1, 2):
            pair = users[index : index + 2]
            outbox.enqueue(
                session,
                team_id=TEAM,
                key=f"bench:intro:{index // 2}",
                kind="round_intro",
                text=f"<@{pair[0]}> and <@{pair[1]}>, meet each other!",
                user_ids=pair,
                not_before=now,
            )
        outbox.enqueue(
            session,
            team_id=TEAM,
            key="bench:summary",
            kind="round_summary",
            text=f"{len(users) // 2} coffee chats this round.",
            channel_id=CHANNEL,
            not_before=now,
        )
        return len(users) // 2 + 1


def duplicates(emu: SlackEmulator) -> int:
    keys: Counter[str] = Counter()
    for conversation in emu.conversations():
        for message in emu.messages(conversation["id"]):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == "mingle_outbox":
                keys[metadata["event_payload"]["key"]] += 1
    return sum(count - 1 for count in keys.values() if count > 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--scale", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator(team_id=TEAM) as emu:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        client = make_web_client(emu.bot_token, emu.api_url)
        deps = Deps(
            settings=load_settings(
                slack_bot_token=emu.bot_token, slack_api_url=emu.api_url, database_url=url
            ),
            sessions=make_session_factory(engine),
            slack=SlackGateway(client),
            team_id=TEAM,
        )
        users = build_workspace(emu, 2 * args.pairs)
        messages = enqueue_round(deps, users)
        emu.set_rate_limits(True, scale=args.scale)
        print(
            f"Delivering {messages} messages ({args.pairs} pair intros + 1 summary) "
            f"with rate limits on at scale {args.scale:g} (a Slack minute = "
            f"{60 / args.scale:.1f} s)"
        )

        started = time.monotonic()
        report = deliver_pending(deps, pacer=Pacer(scale=args.scale))
        elapsed = time.monotonic() - started

        calls = emu.calls
        duplicates_seen = duplicates(emu)
        with deps.sessions() as session:
            counts = outbox.counts(session)
        engine.dispose()

    slack_minutes = elapsed * args.scale / 60
    bound = per_minute("conversations.open")
    intro_rate = args.pairs / slack_minutes
    rows = [
        ("wall time", f"{elapsed:.1f} s"),
        ("Slack time", f"{slack_minutes:.2f} min"),
        ("messages sent", f"{report.sent} (of {messages}; outbox: {counts})"),
        ("messages / Slack minute", f"{messages / slack_minutes:.1f}"),
        ("intros / Slack minute", f"{intro_rate:.1f}"),
        ("limit-bound rate", f"{bound} intros / min (conversations.open, Tier 3)"),
        ("share of the bound", f"{intro_rate / bound:.1%}"),
        ("429 responses", str(sum(1 for call in calls if call.status == 429))),
        ("duplicates", str(duplicates_seen)),
        ("API calls", str(len(calls))),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
