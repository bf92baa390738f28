"""History that tests put straight into the database before they start: rows the features
would have written in earlier rounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Match, MatchMember, Round, Schedule


def add_schedule(
    session: Session,
    team_id: str,
    channel_id: str,
    *,
    updated_at: dt.datetime,
    kind: str = "round",
    **fields: Any,
) -> Schedule:
    """The channel's schedule of `kind`, set up at `updated_at`: weekly on Mondays at 10:00
    Berlin time, unless `fields` (`Schedule` columns) say otherwise."""
    values: dict[str, Any] = {
        "cadence": "weekly",
        "weekday": 0,
        "time_of_day": "10:00",
        "timezone": "Europe/Berlin",
        **fields,
    }
    schedule = Schedule(
        team_id=team_id, channel_id=channel_id, kind=kind, updated_at=updated_at, **values
    )
    session.add(schedule)
    session.flush()
    return schedule


def add_match(
    session: Session,
    team_id: str,
    channel_id: str,
    when: dt.datetime,
    users: list[str],
    *,
    outcome: str | None = None,
) -> Match:
    """A group of `users` matched in the channel's round at `when` (made if it isn't there)."""
    round_ = session.scalar(
        select(Round).where(
            Round.team_id == team_id, Round.channel_id == channel_id, Round.scheduled_for == when
        )
    )
    if round_ is None:
        round_ = Round(team_id=team_id, channel_id=channel_id, scheduled_for=when)
        session.add(round_)
        session.flush()
    match = Match(
        team_id=team_id,
        round_id=round_.id,
        outcome=outcome,
        members=[MatchMember(user_id=u) for u in users],
    )
    session.add(match)
    session.flush()
    return match
