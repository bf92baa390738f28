"""History that tests put straight into the database before they start: rows the features
would have written in earlier rounds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Match, MatchMember, Round


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
