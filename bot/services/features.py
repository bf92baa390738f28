"""Features that plug into shared surfaces (App Home sections, scheduled jobs)."""

from __future__ import annotations

from bot.services.deps import Deps
from bot.services.stats import StatsService


def install_features(deps: Deps) -> None:
    """Attach each feature's extra App Home sections to `deps`."""
    # Admins see the headline participation figures on their Home tab (nobody else does).
    deps.home_sections.append(StatsService(deps).home_section)
