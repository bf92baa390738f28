"""What demo steps share: the emulator, the running app, a driver, and printing."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from bot.testing.app_runner import RunningApp
from bot.testing.render import render_blocks, render_mrkdwn


class DemoContext:
    def __init__(
        self, emu: Any, app: RunningApp, sample: Any, workdir: Path, *, quiet: bool = False
    ) -> None:
        self.emu = emu
        self.app = app
        self.sample = sample
        self.workdir = workdir
        self.quiet = quiet
        self.driver = app.driver()
        self.notes: list[str] = []

    # people -------------------------------------------------------------------------------

    @property
    def someone(self) -> str:
        """A member of the sample workspace who is not an admin (the same one every time)."""
        return str(next(p.user_id for p in self.sample.people if not p.is_admin))

    def name(self, user_id: str) -> str:
        try:
            return str(self.sample.person(user_id).display_name)
        except KeyError:
            return user_id

    # printing -----------------------------------------------------------------------------

    def out(self, text: str = "") -> None:
        if not self.quiet:
            print(text)

    def banner(self, title: str) -> None:
        print()
        print("=" * 78)
        print(title)
        print("=" * 78)

    def step(self, title: str) -> None:
        self.out()
        self.out(f"--- {title} " + "-" * max(0, 72 - len(title)))

    def show(
        self, who: str, where: str, blocks: list[dict[str, Any]] | None, text: str = ""
    ) -> None:
        """Print what `who` saw in `where`, as readable text."""
        rendered = render_blocks(blocks, text, self.name)
        self.out(f"{who} sees ({where}):")
        for line in rendered.splitlines() or [""]:
            self.out(textwrap.indent(textwrap.fill(line, 100, replace_whitespace=False), "  | "))

    def note(self, line: str) -> None:
        self.notes.append(line)

    def summary(self) -> None:
        for line in self.notes:
            print(f"* {line}")

    # acting as a user ---------------------------------------------------------------------

    def command(self, user_id: str, text: str, channel_id: str = "C0COFFEE") -> dict[str, Any]:
        """Run `/mingle text` as a user and print the ephemeral reply they got."""
        result, key = self.driver.command(user_id, text, channel_id=channel_id)
        typed = render_mrkdwn(text, self.name)
        self.out(f"\n@{self.name(user_id)} types: /mingle {typed}")
        if result.status != 200:
            self.out(f"  (HTTP {result.status})")
            return {}
        responses = self.emu.wait_for(lambda: self.emu.responses(key), timeout=15)
        reply = responses[-1]
        self.show(
            f"@{self.name(user_id)}",
            "only visible to you",
            reply.get("blocks"),
            reply.get("text", ""),
        )
        return dict(reply)

    def open_home(self, user_id: str) -> dict[str, Any]:
        before = len(self.emu.calls_to("views.publish"))
        self.driver.event(
            {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D0HOME"}
        )
        self.emu.wait_for(lambda: len(self.emu.calls_to("views.publish")) > before, timeout=15)
        view = self.emu.home_view(user_id) or {}
        self.show(f"@{self.name(user_id)}", "Mingle's Home tab", view.get("blocks"))
        return dict(view)
