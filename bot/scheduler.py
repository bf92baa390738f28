"""APScheduler wiring: turns stored schedules into jobs that call services."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.services.deps import Deps

log = logging.getLogger("mingle.scheduler")


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    """Start the background scheduler with every job the features need."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    return scheduler
