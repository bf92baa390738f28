"""A delivery worker process for the crash test: deliver the outbox once, then exit.

    python tests/e2e/delivery_worker.py <database_url> <api_url> <token> [scale]

It takes over rows left "sending" at once (lease 0: only one worker runs at a time in the
test), sends every due row with a pacer at `scale`, and prints its report as JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys

from bot.app import build_deps
from bot.config import load_settings
from bot.services.delivery import deliver_pending
from bot.slack.pacing import Pacer
from storage.db import make_engine


def main(argv: list[str]) -> int:
    database_url, api_url, token = argv[1:4]
    scale = float(argv[4]) if len(argv) > 4 else 1.0
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = load_settings(
        slack_bot_token=token, slack_api_url=api_url, database_url=database_url
    )
    engine = make_engine(database_url)
    deps = build_deps(settings, engine=engine)
    report = deliver_pending(deps, pacer=Pacer(scale=scale), lease=dt.timedelta(0))
    engine.dispose()
    print(json.dumps(dataclasses.asdict(report)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
