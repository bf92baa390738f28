"""Setting a channel up for coffee-chat rounds, and pausing, resuming or skipping its rounds.

`/mingle admin setup` stores a `ChannelConfig` (group size, who set it up) and a
`Schedule(kind="round")`; the scheduler turns the schedule into jobs. Before saving, Mingle
checks that it is in the channel (`conversations.info`), since it can neither read the
members of nor post in a channel it was not invited to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.core.blocks import Reply
from bot.core.messages import rounds as msg
from bot.core.rounds import RoundSetup, parse_setup
from bot.core.schedule import (
    Cadence,
    ScheduleError,
    check_timezone,
    fortnight_anchor,
    next_run,
    parse_time,
)
from bot.errors import InvalidInputError, NotFoundError, SlackNotInChannel
from bot.services.deps import Deps
from storage.models import ChannelConfig, Schedule
from storage.repositories import channels as repo

log = logging.getLogger(__name__)

ROUND = "round"


def cadence_of(schedule: Schedule) -> Cadence:
    """The `Cadence` a stored schedule describes."""
    return Cadence(
        kind=schedule.cadence,
        weekday=schedule.weekday,
        at=parse_time(schedule.time_of_day),
        tz=schedule.timezone,
        anchor=schedule.anchor_date,
    )


def setup_of(schedule: Schedule, config: ChannelConfig | None) -> RoundSetup:
    return RoundSetup(
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        at=parse_time(schedule.time_of_day),
        tz=schedule.timezone,
        group_size=config.group_size if config else 2,
        across_teams=config.across_teams if config else False,
    )


def check_bot_in_channel(
    deps: Deps, channel_id: str, *, purpose: str = "coffee chats", invite: str = msg.INVITE_ME
) -> None:
    """Raise a friendly error unless Mingle is a member of `channel_id` (a real channel).

    `purpose` names what the channel is for in the messages ("coffee chats", "prompts");
    `invite` is the message that says how to invite Mingle.
    """
    not_here = f"Run this in the channel where the {purpose} should happen, not in a DM."
    if not channel_id or channel_id[0] not in "CG":
        raise InvalidInputError(not_here)
    try:
        channel = deps.slack.conversation(channel_id)
    except SlackNotInChannel as exc:
        raise InvalidInputError(invite) from exc
    if channel.get("is_im") or channel.get("is_mpim"):
        raise InvalidInputError(not_here)
    if channel.get("is_archived"):
        raise InvalidInputError(f"This channel is archived, so {purpose} can't happen here.")
    if not channel.get("is_member"):
        raise InvalidInputError(invite)


def admin_timezone(deps: Deps, user_id: str) -> str:
    """The admin's timezone from Slack; UTC for an unknown person or an odd timezone."""
    try:
        return check_timezone(deps.slack.user_timezone(user_id))
    except ScheduleError:
        return "UTC"


def current_setup(deps: Deps, team_id: str, channel_id: str, user_id: str) -> RoundSetup:
    """The channel's stored setup, or the defaults in the admin's timezone."""
    with deps.sessions() as session:
        schedule = repo.get_schedule(session, team_id, channel_id, ROUND)
        config = repo.get_config(session, team_id, channel_id)
        if schedule is not None:
            return setup_of(schedule, config)
    return RoundSetup(tz=admin_timezone(deps, user_id))


def open_setup_modal(
    deps: Deps, team_id: str, channel_id: str, user_id: str, trigger_id: str
) -> None:
    check_bot_in_channel(deps, channel_id)
    setup = current_setup(deps, team_id, channel_id, user_id)
    deps.slack.open_modal(trigger_id, msg.setup_modal(channel_id, setup))


def setup_from_args(
    deps: Deps, team_id: str, channel_id: str, user_id: str, args: Sequence[str]
) -> Reply:
    """`/mingle admin setup weekly monday 10:00 Europe/Berlin size 3`."""
    check_bot_in_channel(deps, channel_id)
    setup = parse_setup(args, admin_timezone(deps, user_id))
    return save_setup(deps, team_id, channel_id, user_id, setup)


def save_setup(deps: Deps, team_id: str, channel_id: str, user_id: str, setup: RoundSetup) -> Reply:
    """Store the channel's round settings; the reply says when the first round is."""
    now = deps.clock()
    anchor = fortnight_anchor(setup.as_cadence(), now)
    with deps.sessions.begin() as session:
        config = repo.get_or_create_config(session, team_id, channel_id, user_id)
        config.group_size = setup.group_size
        if setup.across_teams is not None:
            config.across_teams = setup.across_teams
        config.created_by = user_id
        repo.save_schedule(
            session,
            team_id,
            channel_id,
            ROUND,
            setup.as_cadence(anchor),
            now=now,
            created_by=user_id,
        )
    log.info("rounds set up in %s/%s: %s", team_id, channel_id, setup.describe())
    return msg.setup_saved(channel_id, setup, next_run(setup.as_cadence(anchor), now))


def _schedule(session: Session, team_id: str, channel_id: str) -> Schedule:
    schedule = repo.get_schedule(session, team_id, channel_id, ROUND)
    if schedule is None:
        raise NotFoundError(msg.NOT_SET_UP)
    return schedule


def _change_schedule(
    deps: Deps,
    team_id: str,
    channel_id: str,
    now: dt.datetime,
    *,
    enabled: bool | None = None,
    skip_next: bool | None = None,
) -> Schedule:
    """Turn the channel's round schedule on or off, or have it skip its next round (the
    parts not given stay as they are); the schedule as saved."""
    with deps.sessions.begin() as session:
        schedule = _schedule(session, team_id, channel_id)
        if enabled is not None:
            schedule.enabled = enabled
        if skip_next is not None:
            schedule.skip_next = skip_next
        schedule.updated_at = now
    return schedule


def pause(deps: Deps, team_id: str, channel_id: str) -> Reply:
    _change_schedule(deps, team_id, channel_id, deps.clock(), enabled=False)
    return msg.paused_reply(channel_id)


def resume(deps: Deps, team_id: str, channel_id: str) -> Reply:
    now = deps.clock()
    schedule = _change_schedule(deps, team_id, channel_id, now, enabled=True)
    cadence = cadence_of(schedule)
    upcoming = next_run(cadence, now)
    if schedule.skip_next:
        upcoming = next_run(cadence, upcoming)
    return msg.resumed_reply(channel_id, upcoming, cadence.tz)


def skip_next(deps: Deps, team_id: str, channel_id: str) -> Reply:
    now = deps.clock()
    cadence = cadence_of(_change_schedule(deps, team_id, channel_id, now, skip_next=True))
    skipped = next_run(cadence, now)
    return msg.skip_next_reply(channel_id, skipped, next_run(cadence, skipped), cadence.tz)


def channel_settings(deps: Deps, team_id: str, channel_id: str) -> tuple[int, int, str]:
    """(group size, recent rounds, who set it up) for a channel; defaults if not set up."""
    with deps.sessions() as session:
        config = repo.get_config(session, team_id, channel_id)
        if config is None:
            return 2, 4, ""
        return config.group_size, config.recent_rounds, config.created_by


def across_teams(deps: Deps, team_id: str, channel_id: str) -> bool:
    """Whether the channel makes same-team groups a last resort (`admin setup … across-teams`)."""
    with deps.sessions() as session:
        config = repo.get_config(session, team_id, channel_id)
        return bool(config and config.across_teams)


def round_schedule(deps: Deps, team_id: str, channel_id: str) -> Schedule | None:
    with deps.sessions() as session:
        return repo.get_schedule(session, team_id, channel_id, ROUND)


def next_round_after(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    return next_run(cadence_of(schedule), after)
