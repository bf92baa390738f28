"""Coffee-chat rounds: who takes part, planning a round exactly once, previews and run-now.

`plan_round(deps, team_id, channel_id, slot)` gathers the participants (who takes part is
one rule: `bot.core.participation`), matches
them (`bot.core.matching.match`) and, in ONE transaction, claims the round (unique per
team, channel and slot), stores its matches and enqueues every message: one group DM per
group with the reasons and an icebreaker, a note to anyone left alone, and the channel
summary. The delivery worker sends them (`bot.services.delivery`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.core import outbox_keys, participation
from bot.core.blocks import Reply
from bot.core.hours import Availability, stored_hours
from bot.core.matching import MatchOptions, MatchResult, Participant, PastGroup, Weights, match
from bot.core.messages import rounds as msg
from bot.core.rounds import icebreaker_for, round_followup_time, slot_key
from bot.core.status import OutboxKind, RoundStatus
from bot.errors import MingleError, NotFoundError
from bot.services import channels, faults, meeting_slots
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Round, Schedule
from storage.repositories import answers as answers_repo
from storage.repositories import avoid as avoid_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import rounds as repo

log = logging.getLogger(__name__)

#: How far back past groups count for "met before" and repeat penalties.
HISTORY_DAYS = 365
#: `Weights.cross_team` in a channel set up `across-teams`: two people of different teams
#: gain this much (times their boosts, at most 3: 600), far more than any common ground
#: (at most about 25) and less than a recent repeat (1,000) or not being able to meet
#: (2,000). So same-team groups are a last resort there, after hours and repeats.
ACROSS_TEAMS_BONUS = 200.0


# --- participants ---------------------------------------------------------------------------


@dataclass
class Roster:
    """The people a round would match, and what planning learned on the way."""

    participants: list[Participant]
    history: list[PastGroup]
    group_size: int
    recent_rounds: int
    admin: str
    timezones: dict[str, str] = field(default_factory=dict)  # user -> tz from Slack
    across_teams: bool = False  # same-team groups only as a last resort


def gather(deps: Deps, team_id: str, channel_id: str, slot: dt.datetime) -> Roster:
    """The round's participants (`bot.core.participation.who_takes_part`) and history.
    Raises `NotFoundError` when Mingle can't see the channel's members (it was removed
    from the channel)."""
    in_channel = set(deps.slack.channel_members(channel_id))
    # One users.list for everyone: fresh timezones, and who is a bot or deactivated.
    users = {user.id: user for user in deps.slack.all_users() if user.id in in_channel}
    group_size, recent_rounds, admin = channels.channel_settings(deps, team_id, channel_id)
    with deps.sessions() as session:
        skipped = repo.skips_for(session, team_id, channel_id, slot)
        members = members_repo.members_by_user(session, team_id, list(users))
        turnout = participation.who_takes_part(
            in_channel=in_channel,
            accounts=[
                participation.Account(user.id, user.is_bot, user.deleted, user.tz)
                for user in users.values()
            ],
            bot_user_id=deps.bot_user_id,
            members={
                user_id: participation.Membership(
                    user_id, member.status, member.paused_until, member.tz
                )
                for user_id, member in members.items()
            },
            skipped=skipped,
            slot=slot,
        )
        last = repo.last_round(session, team_id, channel_id, slot)
        boosted = (
            participation.left_out(
                [(match.outcome, match.user_ids) for match in last.matches],
                repo.alone_in(session, last),
            )
            if last is not None
            else set()
        )
        past = repo.history(session, team_id, channel_id, slot - dt.timedelta(days=HISTORY_DAYS))
        # What people answered about in prompt threads counts as something they can help with.
        answered = answers_repo.answered_topics(session, team_id, turnout.participants)
        # Private avoid lists: a hard rule in matching, whichever of the two keeps the list.
        avoiding = avoid_repo.lists_of(session, team_id, turnout.participants)
        participants: list[Participant] = []
        for user_id in turnout.participants:
            member = members[user_id]
            hours = stored_hours(member.work_start, member.work_end, member.work_days)
            participants.append(
                Participant(
                    id=user_id,
                    interests=frozenset(members_repo.topic_names(member, "interest")),
                    can_help=frozenset(members_repo.topic_names(member, "can_help"))
                    | answered.get(user_id, set()),
                    wants_to_learn=frozenset(members_repo.topic_names(member, "learn")),
                    team=member.team_name or None,
                    tz=turnout.timezones[user_id],
                    boost=participation.LEFT_OUT_BOOST if user_id in boosted else 0.0,
                    display_name=users[user_id].label or member.display_name or None,
                    work_start=hours.start,
                    work_end=hours.end,
                    work_days=hours.days,
                    avoid=frozenset(avoiding.get(user_id, ())),
                )
            )
        timezones = {
            user_id: tz for user_id, tz in turnout.timezones.items() if tz != members[user_id].tz
        }
    history = [PastGroup(frozenset(ids), at) for at, ids in past]
    across = channels.across_teams(deps, team_id, channel_id)
    return Roster(participants, history, group_size, recent_rounds, admin, timezones, across)


def seed_for(channel_id: str, slot: dt.datetime) -> int:
    digest = hashlib.sha256(f"{channel_id}:{slot_key(slot)}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def solve(roster: Roster, channel_id: str, slot: dt.datetime) -> MatchResult:
    options = MatchOptions(
        group_size=roster.group_size,
        recent_rounds=roster.recent_rounds,
        seed=seed_for(channel_id, slot),
        now=slot,
    )
    weights = Weights(cross_team=ACROSS_TEAMS_BONUS) if roster.across_teams else None
    return match(roster.participants, roster.history, options, weights)


# --- planning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRound:
    """What `plan_round` did. `created` is False when the slot had already been claimed."""

    created: bool
    round_id: int | None = None
    groups: int = 0
    people: int = 0
    alone: tuple[str, ...] = ()


def _followup_at(deps: Deps, team_id: str, channel_id: str, slot: dt.datetime) -> dt.datetime:
    schedule = channels.round_schedule(deps, team_id, channel_id)
    if schedule is None:
        return slot + dt.timedelta(days=3, hours=12)  # half a week
    return round_followup_time(channels.cadence_of(schedule), slot)


def plan_round(
    deps: Deps,
    team_id: str,
    channel_id: str,
    slot: dt.datetime,
    *,
    run_now_after: int | None = None,
) -> PlannedRound:
    """Plan the round of `slot` in a channel, once: a second call for the same slot (another
    scheduler, a retry) does nothing and returns `created=False`.

    A run-now round passes `run_now_after`, the id of the channel's latest round when it
    was asked for (0: none): only one round follows it (`created=False`, with the
    `round_id` of the one that did), and its slot is the moment itself, not a minute.

    The claim, the groups and the messages are one transaction, made after every Slack call:
    a plan that fails (Slack down) leaves nothing behind, so trying again claims afresh.
    """
    slot = slot.astimezone(dt.UTC)
    slot = slot.replace(microsecond=0) if run_now_after is not None else _minute(slot)
    with deps.sessions() as session:
        if run_now_after is not None:
            taken = repo.run_now_after(session, team_id, channel_id, run_now_after)
        else:
            taken = repo.round_for_slot(session, team_id, channel_id, slot)
        if taken is not None:
            return PlannedRound(created=False, round_id=taken.id)
    roster = gather(deps, team_id, channel_id, slot)
    result = solve(roster, channel_id, slot)
    followup_at = _followup_at(deps, team_id, channel_id, slot)
    now = deps.clock()
    with deps.sessions.begin() as session:
        round_ = repo.claim_round(
            session, team_id, channel_id, slot, now=now, run_now_after=run_now_after
        )
        if round_ is None:
            log.info("round %s/%s@%s was already planned", team_id, channel_id, slot)
            return PlannedRound(created=False)
        people = len(roster.participants)
        round_.status = RoundStatus.PLANNED if people else RoundStatus.EMPTY
        round_.participant_count = people
        round_.total_score = float(result.total_score)
        round_.upper_bound = float(result.upper_bound)
        round_.followup_at = followup_at if result.groups else None
        notify = roster.admin or None
        working = {
            p.id: Availability(p.tz, p.work_start, p.work_end, p.work_days)
            for p in roster.participants
        }
        for group in result.groups:
            reasons = [reason.text for reason in group.reasons]
            stored = repo.add_match(session, round_, group.members, group.score, reasons)
            question = icebreaker_for(f"{team_id}:{channel_id}:{slot_key(slot)}:{stored.id}")
            offered = meeting_slots.offer_first(
                session, team_id, stored.id, [working[m] for m in group.members], now
            )
            times, times_text = meeting_slots.intro_times(stored.id, offered)
            intro = msg.intro_message(
                group.members, channel_id, reasons, question, times=times, times_text=times_text
            )
            outbox.enqueue(
                session,
                team_id=team_id,
                not_before=deps.clock(),
                key=outbox_keys.round_intro(round_.id, stored.id),
                kind=OutboxKind.ROUND_INTRO,
                text=intro.text,
                blocks=intro.blocks,
                user_ids=list(group.members),
                match_id=stored.id,
                notify_user=notify,
            )
        repo.record_alone(session, round_, result.unmatched)
        for user_id in result.unmatched:
            note = msg.alone_message(user_id, channel_id)
            outbox.enqueue(
                session,
                team_id=team_id,
                not_before=deps.clock(),
                key=outbox_keys.round_alone(round_.id, user_id),
                kind=OutboxKind.ROUND_ALONE,
                text=note.text,
                blocks=note.blocks,
                user_ids=[user_id],
                notify_user=notify,
            )
        if result.groups:
            summary = msg.summary_message(len(result.groups), people - len(result.unmatched))
            outbox.enqueue(
                session,
                team_id=team_id,
                not_before=deps.clock(),
                key=outbox_keys.round_summary(round_.id),
                kind=OutboxKind.ROUND_SUMMARY,
                text=summary.text,
                blocks=summary.blocks,
                channel_id=channel_id,
                notify_user=notify,
            )
        if roster.timezones:
            found = members_repo.members_by_user(session, team_id, list(roster.timezones))
            for user_id, tz in roster.timezones.items():
                if user_id in found:
                    found[user_id].tz = tz
        planned = PlannedRound(
            created=True,
            round_id=round_.id,
            groups=len(result.groups),
            people=people,
            alone=tuple(result.unmatched),
        )
    log.info(
        "planned round %s in %s/%s: %d people, %d groups, score %.1f of at most %.1f",
        planned.round_id,
        team_id,
        channel_id,
        planned.people,
        planned.groups,
        result.total_score,
        result.upper_bound,
    )
    return planned


def run_scheduled_round(deps: Deps, schedule: Schedule, slot: dt.datetime) -> None:
    """The scheduler's job for a round slot: honours pause and skip-next, plans once, and
    tells the admin when the round can't run for a reason waiting will not fix (Mingle was
    removed from the channel, it was archived). A failure that may pass (Slack's temporary
    errors) propagates: the scheduler tries again (`bot.scheduler.run_slot`)."""
    scheduled_round(deps, schedule.id, slot)


def scheduled_round(deps: Deps, schedule_id: int, slot: dt.datetime) -> PlannedRound | None:
    """`run_scheduled_round`, returning what was planned (None when nothing was)."""
    from storage.repositories import channels as channels_repo

    slot = slot.astimezone(dt.UTC).replace(second=0, microsecond=0)
    now = deps.clock()
    with deps.sessions.begin() as session:
        schedule = channels_repo.get_schedule_by_id(session, schedule_id)
        if schedule is None or not schedule.enabled or schedule.kind != channels.ROUND:
            return None
        team_id, channel_id = schedule.team_id, schedule.channel_id
        if schedule.skip_next:
            claimed = repo.claim_round(
                session, team_id, channel_id, slot, status=RoundStatus.SKIPPED, now=now
            )
            if claimed is not None:
                schedule.skip_next = False
                log.info("skipped the round %s/%s@%s as asked", team_id, channel_id, slot)
            return None
    try:
        channels.check_bot_in_channel(deps, channel_id)
        planned = plan_round(deps, team_id, channel_id, slot)
    except MingleError as exc:
        if faults.may_pass(exc):
            raise
        faults.report_slot_fault(deps, schedule, slot, exc)
        deliver_now(deps)
        return None
    if planned.created:
        deliver_now(deps)
    return planned


# --- admin commands -------------------------------------------------------------------------


def preview(deps: Deps, team_id: str, channel_id: str) -> Reply:
    """A dry run, for the admin only: the groups a round would make now. Stores nothing."""
    channels.check_bot_in_channel(deps, channel_id)
    slot = deps.clock().replace(second=0, microsecond=0)
    schedule = channels.round_schedule(deps, team_id, channel_id)
    if schedule is not None:
        slot = channels.next_round_after(schedule, slot)
    roster = gather(deps, team_id, channel_id, slot)
    result = solve(roster, channel_id, slot)
    groups = [
        msg.GroupView(tuple(g.members), tuple(r.text for r in g.reasons)) for g in result.groups
    ]
    return msg.preview_reply(
        channel_id,
        groups,
        result.unmatched,
        len(roster.participants),
        group_size=roster.group_size,
    )


def run_now(
    deps: Deps, team_id: str, channel_id: str, *, again: bool = False
) -> tuple[Reply, PlannedRound]:
    """Plan a round in the channel now (the caller then calls `deliver_now`).

    Once: while the channel's latest round started less than `RUN_NOW_QUIET` ago or is
    still being delivered, the answer says when it started and how to force another
    (`again`). The database decides between two run-nows at the same moment, in any
    instance: each claims "the round after round N", N the latest it saw (`plan_round`).
    """
    channels.check_bot_in_channel(deps, channel_id)
    schedule = channels.round_schedule(deps, team_id, channel_id)
    if schedule is None:
        raise NotFoundError(msg.NOT_SET_UP)
    now = deps.clock()
    with deps.sessions() as session:
        latest_id = repo.latest_round_id(session, team_id, channel_id)
        if not again:
            busy = _running_round(session, team_id, channel_id, now)
            if busy is not None:
                return busy.reply(schedule.timezone, now), PlannedRound(False, busy.round_id)
    planned = plan_round(deps, team_id, channel_id, now, run_now_after=latest_id)
    if not planned.created:  # another run-now, here or in another instance, got there first
        with deps.sessions() as session:
            round_ = (
                session.get(Round, planned.round_id)
                if planned.round_id
                else repo.run_now_after(session, team_id, channel_id, latest_id)
            )
            if round_ is None:
                return msg.already_planned_reply(channel_id), planned
            busy = _Running(
                round_.id, channel_id, round_.created_at, repo.is_delivering(session, round_)
            )
        return busy.reply(schedule.timezone, now), planned
    reply = msg.round_started_reply(channel_id, planned.groups, planned.people, bool(planned.alone))
    return reply, planned


#: A run-now within this long of the channel's last round asks for `again`.
RUN_NOW_QUIET = dt.timedelta(hours=1)


@dataclass(frozen=True)
class _Running:
    round_id: int
    channel_id: str
    started: dt.datetime
    delivering: bool

    def reply(self, tz: str, now: dt.datetime) -> Reply:
        return msg.round_running_reply(self.channel_id, self.started, tz, now, self.delivering)


def _running_round(
    session: Session, team_id: str, channel_id: str, now: dt.datetime
) -> _Running | None:
    """The channel's latest round, if it started within `RUN_NOW_QUIET` or is still being
    delivered."""
    latest = repo.latest_started(session, team_id, channel_id)
    if latest is None:
        return None
    delivering = repo.is_delivering(session, latest)
    if not delivering and now - latest.created_at >= RUN_NOW_QUIET:
        return None
    return _Running(latest.id, channel_id, latest.created_at, delivering)


def _minute(slot: dt.datetime) -> dt.datetime:
    return slot.replace(second=0, microsecond=0)


def participants_of(deps: Deps, team_id: str, channel_id: str, slot: dt.datetime) -> list[str]:
    """Who would take part in `slot` (for heads-ups): ids only, no matching."""
    return [p.id for p in gather(deps, team_id, channel_id, slot).participants]
