"""`mingle`: run the Slack app, administer it, and show a demo.

Every command has `--help`. Errors go to stderr as one line, with a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import MingleError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.config import Mode, Settings
    from bot.services.deps import Deps


def _settings() -> Settings:
    from bot.config import load_settings

    return load_settings()


def cmd_db(args: argparse.Namespace) -> int:
    from storage.db import make_engine
    from storage.migrate import current_revision, downgrade, head_revision, upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    if args.action == "upgrade":
        upgrade(engine)
        print(f"Database is up to date (revision {current_revision(engine)}).")
    elif args.action == "downgrade":
        downgrade(engine, args.revision)
        print(f"Database downgraded to {current_revision(engine) or 'base'}.")
    else:
        current = current_revision(engine)
        head = head_revision(settings.database_url)
        state = "up to date" if current == head else "out of date: run `mingle db upgrade`"
        print(f"current: {current or 'none'}  head: {head}  ({state})")
    return 0


def _deps(
    settings: Settings, engine: Engine, *, verify_token: bool = True, serving: bool = False
) -> Deps:
    """The services over `engine`, assembled as the app assembles them
    (`bot.app.build_deps`), once the schema is known to be current. `serving` (run, serve):
    messages go out through a delivery worker only, never from a request thread."""
    from bot.app import build_deps
    from bot.services.deps import Delivery
    from storage.migrate import ensure_schema_current

    ensure_schema_current(engine)
    delivery = Delivery(inline=False) if serving else None
    return build_deps(settings, engine=engine, verify_token=verify_token, delivery=delivery)


@contextmanager
def _services(settings: Settings, *, verify_token: bool = True) -> Iterator[Deps]:
    """`_deps` over an engine of its own, disposed of afterwards (one-shot commands)."""
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        yield _deps(settings, engine, verify_token=verify_token)
    finally:
        engine.dispose()


def _start(mode: Mode) -> tuple[Settings, Any, Any, Any]:
    from bot.app import build_app
    from bot.logs import configure_logging
    from bot.scheduler import start_scheduler, start_worker
    from storage.db import make_engine

    settings = _settings()
    configure_logging(settings.log_level)
    settings.require_slack(mode)
    deps = _deps(settings, make_engine(settings.database_url), serving=True)
    app = build_app(settings, deps, socket_mode=mode == "socket")
    # The worker and the scheduler are separate: MINGLE_WORKER and MINGLE_SCHEDULER.
    if settings.worker_enabled:
        start_worker(deps)
    scheduler = start_scheduler(deps, deliver=False) if settings.scheduler_enabled else None
    return settings, deps, app, scheduler


def cmd_run(args: argparse.Namespace) -> int:
    import threading

    from bot.runmode import install_signal_handlers, run_socket_mode

    stop = threading.Event()
    install_signal_handlers(stop)  # first: a SIGTERM during startup still stops cleanly
    settings, deps, app, scheduler = _start("socket")
    return run_socket_mode(settings, deps, app, scheduler, stop)


def cmd_serve(args: argparse.Namespace) -> int:
    """HTTP mode. On SIGTERM or SIGINT uvicorn stops taking requests, finishes the ones in
    flight (at most `GRACEFUL_SECONDS`), and the ASGI lifespan's shutdown stops the
    scheduler and the delivery worker (`bot.server.MingleASGI`); then exit 0, within 10 s."""
    import threading

    import uvicorn

    from bot.runmode import install_signal_handlers
    from bot.scheduler import stop_background
    from bot.server import MingleASGI

    # First: a signal during start-up stops cleanly; and uvicorn, which takes the signals
    # over while it serves, hands them back here afterwards (instead of dying of them).
    stop = threading.Event()
    install_signal_handlers(stop)
    settings, deps, app, scheduler = _start("http")
    stopped = threading.Event()

    def on_shutdown() -> None:
        stop_background(deps, scheduler)
        stopped.set()

    if not stop.is_set():
        print(
            f"Mingle is listening on http://{args.host}:{args.port}/slack/events", file=sys.stderr
        )
        if settings.multi_workspace:
            print(_install_hint(settings, args.host, args.port), file=sys.stderr)
        uvicorn.run(
            MingleASGI(app, deps, on_shutdown=on_shutdown),
            host=args.host,
            port=args.port,
            log_level=settings.log_level.lower(),
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
        )
    if not stopped.is_set():  # a signal before serving, or uvicorn left without a lifespan
        on_shutdown()
    app.listener_runner.listener_executor.shutdown(wait=False)
    # Whatever still runs (a scheduled job, a slow handler) can't be interrupted, and needn't
    # be: a plan is one transaction and the outbox resumes, so leaving now loses nothing.
    _exit_now(0)
    return 0  # not reached


def _install_hint(settings: Settings, host: str, port: int) -> str:
    """Multi-workspace mode: the install page to open, here and (from SLACK_REDIRECT_URI)
    at the public address Slack sends people back to."""
    from urllib.parse import urlsplit

    local = f"http://{host}:{port}/slack/install"
    line = f"To install Mingle in a workspace, open {local}"
    if settings.slack_redirect_uri:
        public = urlsplit(settings.slack_redirect_uri)
        outside = f"{public.scheme}://{public.netloc}/slack/install"
        if outside != local:
            line += f" (from outside: {outside})"
    return line


#: How long `mingle serve` lets requests in flight finish after a SIGTERM.
GRACEFUL_SECONDS = 3


def _exit_now(code: int) -> None:
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def cmd_match(args: argparse.Namespace) -> int:
    from bot.services.offline_match import run_match_file

    summary = run_match_file(Path(args.input), Path(args.output), args.group_size, args.seed)
    print(summary)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.errors import InvalidInputError
    from bot.services.export import check_export_request, export_cli

    since = None
    if args.since:
        try:
            since = dt.date.fromisoformat(args.since)
        except ValueError:
            raise InvalidInputError(
                f"--since {args.since!r} is not a date like 2026-01-31."
            ) from None
    out = Path(args.out)
    channel_id = check_export_request(out, args.channel, since, dt.datetime.now(dt.UTC).date())
    with _services(_settings(), verify_token=False) as deps:
        summary = export_cli(deps, out, args.team, channel_id, since, sys.stderr.isatty())
    print(summary)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    import re

    from bot.errors import InvalidInputError
    from bot.services.uninstall import purge_team

    team = str(args.team).strip()
    if not re.fullmatch(r"[TE][A-Z0-9]{2,31}", team):
        raise InvalidInputError(f"--team {team[:40]!r} is not a workspace ID like T012AB3CD.")
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInputError("mingle purge needs --yes when it can't ask for confirmation.")
        print(
            f"This deletes everything Mingle holds for workspace {team}: its installation and "
            "tokens, people's profiles, rounds, prompts, answers, introductions and queued "
            "messages. It can't be undone.",
            file=sys.stderr,
        )
        if input(f"Type {team} to delete it: ").strip() != team:
            print("Nothing deleted.", file=sys.stderr)
            return 1
    with _services(_settings(), verify_token=False) as deps:
        deleted = purge_team(deps, team)
    rows = ", ".join(f"{table} {count}" for table, count in sorted(deleted.items()))
    print(f"Deleted {sum(deleted.values())} rows of workspace {team} ({rows or 'none'}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return int(run_demo(quiet=args.quiet, workspaces=args.workspaces))


def cmd_emulator(args: argparse.Namespace) -> int:
    from bot.testing.emulator import SlackEmulator
    from bot.testing.sample import build_sample_workspace

    emu = SlackEmulator(bot_token=args.token)
    build_sample_workspace(emu)
    emu.start(port=args.port) if args.port else emu.start()
    print(f"Slack emulator at {emu.api_url} (bot token {args.token[:5]}…); Ctrl-C stops it.")
    try:
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mingle",
        description="Mingle: coffee chats, shared answers and introductions for a Slack team.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, helptext: str, func: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.set_defaults(func=func)
        return p

    add("run", "Run the Slack app over Socket Mode (no public URL needed).", cmd_run)

    serve = add(
        "serve", "Run the Slack app over HTTP (Slack's requests at /slack/events).", cmd_serve
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")

    db = add("db", "Manage the database schema (Alembic migrations).", cmd_db)
    db_sub = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="Apply every migration (run after each update).")
    db_sub.add_parser("current", help="Show the schema revision and whether it is up to date.")
    down = db_sub.add_parser("downgrade", help="Go back to an earlier revision.")
    down.add_argument("revision", help="revision id, or 'base' for an empty schema")

    match = add(
        "match", "Match people offline from a JSON file (preview or simulate a round).", cmd_match
    )
    match.add_argument("--input", required=True, help="people.json (see the README for its format)")
    match.add_argument("--output", required=True, help="where to write groups.json")
    match.add_argument(
        "--group-size", type=int, default=2, choices=(2, 3, 4), help="people per group (default 2)"
    )
    match.add_argument("--seed", type=int, default=0, help="random seed (same seed, same groups)")

    export = add("export", "Write the participation workbook (.xlsx) for admins.", cmd_export)
    export.add_argument(
        "--out", required=True, help="where to write the workbook, e.g. report.xlsx"
    )
    export.add_argument("--team", help="workspace (team) ID; needed when the database has several")
    export.add_argument("--channel", help="only this channel's rounds and prompts (channel ID)")
    export.add_argument("--since", help="only activity on or after this date (YYYY-MM-DD)")

    purge = add(
        "purge", "Delete everything Mingle holds for one workspace, now (asks first).", cmd_purge
    )
    purge.add_argument("--team", required=True, help="the workspace (team) ID, e.g. T012AB3CD")
    purge.add_argument("--yes", action="store_true", help="don't ask for confirmation")

    demo = add(
        "demo", "Run the demo: the app against a local Slack emulator with 30 people.", cmd_demo
    )
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    demo.add_argument(
        "--workspaces",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: install Mingle in two workspaces through its install pages, run a round in "
        "each, uninstall one (multi-workspace mode; default 1)",
    )

    emulator = add(
        "emulator", "Start the local Slack Web API emulator with a sample workspace.", cmd_emulator
    )
    emulator.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    emulator.add_argument(
        "--token", default="xoxb-emulator-token", help="bot token the emulator accepts"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except MingleError as exc:
        print(f"mingle: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
