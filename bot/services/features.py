"""Features that plug into shared surfaces: the App Home's extra sections.

`bot.app.build_deps` passes `HOME_SECTIONS` to `Deps`; add a feature's section here.
(Scheduled jobs are listed in `bot.scheduler`.)
"""

from __future__ import annotations

from bot.services import stats
from bot.services.deps import HomeSection

#: Extra App Home sections, in order: admins see the headline participation figures.
HOME_SECTIONS: tuple[HomeSection, ...] = (stats.home_section,)
