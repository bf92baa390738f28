"""Features that plug into shared surfaces: the App Home's extra sections.

`bot.app.build_deps` passes `HOME_SECTIONS` to `Deps`; add a feature's section here.
(Scheduled jobs are listed in `bot.scheduler`.)
"""

from __future__ import annotations

from bot.services import chats, stats
from bot.services.deps import HomeSection

#: Extra App Home sections, in order: everyone's last chats, then (admins only) the headline
#: participation figures.
HOME_SECTIONS: tuple[HomeSection, ...] = (chats.home_section, stats.home_section)
