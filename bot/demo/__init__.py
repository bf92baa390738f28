"""`mingle demo`: the real app against the local Slack emulator, driven as users would.

It starts the emulator with a sample workspace of about 30 people, runs the real Mingle app
over HTTP on 127.0.0.1 (a throwaway SQLite database), sends it signed slash commands,
events and clicks, and prints what each person saw. `workspaces=2` runs the
multi-workspace version instead (`bot.demo.workspaces`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.demo.context import DemoContext
from bot.testing.app_runner import RunningApp
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import build_sample_workspace


def run_demo(*, quiet: bool = False, workspaces: int = 1) -> int:
    from bot.demo import connect, profiles, prompts, reports, rounds

    if workspaces == 2:
        from bot.demo.workspaces import run_two_workspaces

        return run_two_workspaces(quiet=quiet)

    steps = [profiles.run, rounds.run, prompts.run, connect.run, reports.run]
    with tempfile.TemporaryDirectory(prefix="mingle-demo-") as tmp:
        with SlackEmulator() as emu:
            sample = build_sample_workspace(emu)
            admin = sample.admin_id
            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            with RunningApp(emu, url, admins=admin) as running:
                ctx = DemoContext(emu, running, sample, Path(tmp), quiet=quiet)
                ctx.banner(
                    "Mingle demo: a workspace of "
                    f"{len(sample.user_ids)} people in a local Slack emulator"
                )
                for step in steps:
                    step(ctx)
                ctx.banner("Demo finished")
                ctx.summary()
    return 0
