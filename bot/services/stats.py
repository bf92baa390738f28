"""Headline participation figures: `/mingle admin stats`, an admin's Home tab, the Summary sheet.

`load_figures` is the one place the headline numbers come from, so Slack and the workbook
always agree. Members are counted for the whole workspace, or, for one channel, the people
who took part there in the period (matched in a round or shared an answer).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.blocks import Block, Reply
from bot.core.messages import reports as messages
from bot.core.stats import (
    Headline,
    ReportOptions,
    RoundFigures,
    count_statuses,
    headline,
    parse_report_options,
)
from bot.core.status import JOINED
from bot.errors import NotFoundError
from bot.services.admins import is_admin
from bot.services.deps import Deps
from storage.repositories import reports as repo

log = logging.getLogger(__name__)


def scope_for(team_id: str, options: ReportOptions) -> repo.Scope:
    since = None
    if options.since is not None:
        since = dt.datetime.combine(options.since, dt.time(), tzinfo=dt.UTC)
    return repo.Scope(team_id=team_id, channel_id=options.channel_id, since=since)


@dataclass(frozen=True)
class Figures:
    """What the headline was computed from, for the workbook to reuse."""

    headline: Headline
    rounds: list[RoundFigures]
    prompts: list[repo.PromptRow]
    statuses: dict[str, str]  # every member of the workspace: user id -> status
    people: set[str] | None  # the members a channel report covers; None: everyone
    intros: dict[str, int]

    def in_scope(self, user_id: str) -> bool:
        return self.people is None or user_id in self.people


def load_figures(session: Session, scope: repo.Scope, today: dt.date) -> Figures:
    rounds = repo.round_rows(session, scope)
    prompts = repo.prompt_rows(session, scope)
    statuses = repo.member_statuses(session, scope.team_id)
    people = None
    if scope.channel_id:
        people = {user for user in repo.participants_in(session, scope) if user in statuses}
    intros = repo.intros_by_introducer(session, scope)
    in_scope = [user for user in statuses if people is None or user in people]
    intro_count = sum(intros.values()) if people is None else sum(intros.get(u, 0) for u in people)
    figures = headline(
        members=count_statuses(statuses[user] for user in in_scope),
        rounds=rounds,
        prompts_posted=sum(1 for p in prompts if p.posted_at or p.message_ts),
        answers_shared=repo.answers_count(session, scope),
        intros_made=intro_count,
        since=scope.since.date() if scope.since else None,
        today=today,
        channel_id=scope.channel_id,
        times_agreed=repo.times_agreed(session, scope),
        thank_yous_sent=repo.thank_yous_sent(session, scope),
    )
    return Figures(figures, rounds, prompts, statuses, people, intros)


def opted_in(figures: Figures) -> Sequence[str]:
    return [
        user
        for user, status in figures.statuses.items()
        if status in JOINED and figures.in_scope(user)
    ]


class StatsService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def today(self) -> dt.date:
        return self.deps.clock().astimezone(dt.UTC).date()

    def options(self, team_id: str, args: Sequence[str], *, allow_since: bool) -> ReportOptions:
        """Parse `[#channel] [since D]` and check the channel is one Mingle knows."""
        # A day of slack: a member east of UTC may already be on "tomorrow".
        options = parse_report_options(
            args, self.today() + dt.timedelta(days=1), allow_since=allow_since
        )
        if options.channel_id:
            with self.deps.sessions() as session:
                known = repo.channel_known(session, team_id, options.channel_id)
            if not known:
                # Plain text: error replies are escaped, so a <#C…> link would show as code.
                raise NotFoundError(
                    f"Mingle doesn't run rounds or prompts in that channel "
                    f"({options.channel_id}), so there's nothing to report there."
                )
        return options

    def headline(self, team_id: str, options: ReportOptions) -> Headline:
        with self.deps.sessions() as session:
            return load_figures(session, scope_for(team_id, options), self.today()).headline

    def stats_reply(self, team_id: str, args: Sequence[str]) -> Reply:
        """`/mingle admin stats [#channel]` (the caller has checked the user is an admin)."""
        options = self.options(team_id, args, allow_since=False)
        return messages.stats_reply(self.headline(team_id, options))

    def home_section(self, team_id: str, user_id: str) -> list[Block]:
        """The admin's Home tab section; nothing for everyone else."""
        if not is_admin(self.deps, user_id):
            return []
        return messages.home_stats_blocks(self.headline(team_id, ReportOptions()))


def home_section(deps: Deps, team_id: str, user_id: str) -> list[Block]:
    """The App Home section of the stats feature (`bot.services.features.HOME_SECTIONS`)."""
    return StatsService(deps).home_section(team_id, user_id)
