"""Features that plug into shared surfaces (App Home sections, scheduled jobs)."""

from __future__ import annotations

from bot.services.deps import Deps


def install_features(deps: Deps) -> None:
    """Attach each feature's extra App Home sections to `deps`."""
