"""Channel configurations and their schedules (rounds and prompts)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.schedule import Cadence
from storage.models import ChannelConfig, Schedule
from storage.repositories import workspaces


def get_config(session: Session, team_id: str, channel_id: str) -> ChannelConfig | None:
    return session.scalar(
        select(ChannelConfig).where(
            ChannelConfig.team_id == team_id, ChannelConfig.channel_id == channel_id
        )
    )


def get_or_create_config(
    session: Session, team_id: str, channel_id: str, created_by: str
) -> ChannelConfig:
    config = get_config(session, team_id, channel_id)
    if config is None:
        config = ChannelConfig(team_id=team_id, channel_id=channel_id, created_by=created_by)
        session.add(config)
        session.flush()
    return config


def get_schedule(session: Session, team_id: str, channel_id: str, kind: str) -> Schedule | None:
    return session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id,
            Schedule.channel_id == channel_id,
            Schedule.kind == kind,
        )
    )


def save_schedule(
    session: Session,
    team_id: str,
    channel_id: str,
    kind: str,
    cadence: Cadence,
    *,
    now: dt.datetime,
    created_by: str = "",
) -> Schedule:
    """Create or replace the channel's schedule of `kind` with `cadence` (its anchor
    included); it is enabled and skips nothing."""
    schedule = get_schedule(session, team_id, channel_id, kind)
    if schedule is None:
        schedule = Schedule(team_id=team_id, channel_id=channel_id, kind=kind)
        session.add(schedule)
    schedule.cadence = cadence.kind
    schedule.weekday = cadence.weekday
    schedule.time_of_day = f"{cadence.at:%H:%M}"
    schedule.timezone = cadence.tz
    schedule.anchor_date = cadence.anchor
    schedule.enabled = True
    schedule.skip_next = False
    schedule.updated_at = now
    if created_by:
        schedule.created_by = created_by
    session.flush()
    return schedule


def all_schedules(session: Session, kind: str | None = None) -> list[Schedule]:
    """Every stored schedule (of `kind`) of a workspace that has not uninstalled Mingle,
    in a stable order."""
    stmt = select(Schedule).order_by(Schedule.id)
    stmt = stmt.where(Schedule.team_id.not_in(workspaces.uninstalled_teams()))
    if kind is not None:
        stmt = stmt.where(Schedule.kind == kind)
    return list(session.scalars(stmt))


def get_schedule_by_id(session: Session, schedule_id: int) -> Schedule | None:
    """The schedule, unless its workspace uninstalled Mingle."""
    schedule = session.get(Schedule, schedule_id, populate_existing=True)
    if schedule is None:
        return None
    workspace = workspaces.get(session, schedule.team_id)
    return None if workspace is not None and workspace.uninstalled_at is not None else schedule


def setup_admins(session: Session, team_id: str) -> list[str]:
    """Who set Mingle up in the workspace's channels (their configs and schedules), as far
    as the database remembers: admins, since only admins set channels up."""
    configs = select(ChannelConfig.created_by).where(ChannelConfig.team_id == team_id)
    schedules = select(Schedule.created_by).where(Schedule.team_id == team_id)
    found = set(session.scalars(configs)) | set(session.scalars(schedules))
    return sorted(who for who in found if who)
