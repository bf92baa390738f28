"""Demo step: rounds."""

from __future__ import annotations

from bot.demo.context import DemoContext


def run(ctx: DemoContext) -> None:
    """Nothing to show for rounds yet."""
