"""Participation figures for admins: headline numbers, met rates, and report options.

Pure: the services load rows with the reports repository and hand plain numbers here, so
`/mingle admin stats`, the admin's Home tab and the workbook's Summary sheet all compute
the same figures the same way.

Definitions (also in docs/reports.md):
- *opted in* = joined members (`bot.core.status.JOINED`: active + paused); *left* members
  stay until they ask to be forgotten.
- a *round run* is a round in the period that made at least one group.
- *met rate* = groups that said "met" / groups that answered "Did you meet?" (met, not yet,
  couldn't); groups that never answered don't count either way. None when nobody answered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.status import MemberStatus
from bot.errors import InvalidInputError

NO_TEAM = "(no team)"

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$")


def met_rate(met: int, not_met: int) -> float | None:
    """Share of answered groups that met; None when no group answered."""
    answered = met + not_met
    return met / answered if answered else None


@dataclass(frozen=True)
class MemberCounts:
    active: int = 0
    paused: int = 0
    left: int = 0

    @property
    def opted_in(self) -> int:
        return self.active + self.paused

    @property
    def total(self) -> int:
        return self.active + self.paused + self.left


def count_statuses(statuses: Iterable[str]) -> MemberCounts:
    counts = {status: 0 for status in MemberStatus}
    for status in statuses:
        if status in counts:
            counts[MemberStatus(status)] += 1
    return MemberCounts(
        active=counts[MemberStatus.ACTIVE],
        paused=counts[MemberStatus.PAUSED],
        left=counts[MemberStatus.LEFT],
    )


@dataclass(frozen=True)
class RoundFigures:
    """One round: who took part, how many groups, and how the groups answered."""

    round_id: int
    channel_id: str
    scheduled_for: dt.datetime
    status: str
    participants: int
    groups: int
    met: int
    not_met: int

    @property
    def no_answer(self) -> int:
        return max(0, self.groups - self.met - self.not_met)

    @property
    def met_rate(self) -> float | None:
        return met_rate(self.met, self.not_met)

    @property
    def ran(self) -> bool:
        return self.groups > 0


@dataclass(frozen=True)
class Headline:
    """The figures an admin sees first, for one workspace (and maybe one channel)."""

    period_start: dt.date | None
    period_end: dt.date
    channel_id: str | None
    members: MemberCounts
    rounds_run: int
    groups_made: int
    groups_met: int
    groups_not_met: int
    prompts_posted: int
    answers_shared: int
    intros_made: int
    times_agreed: int = 0  # meeting slots every member of a group picked
    thank_yous_sent: int = 0  # thank-you notes after "We met"

    @property
    def met_rate(self) -> float | None:
        return met_rate(self.groups_met, self.groups_not_met)

    @property
    def period(self) -> str:
        return period_label(self.period_start, self.period_end)


def headline(
    *,
    members: MemberCounts,
    rounds: Sequence[RoundFigures],
    prompts_posted: int,
    answers_shared: int,
    intros_made: int,
    since: dt.date | None,
    today: dt.date,
    channel_id: str | None = None,
    times_agreed: int = 0,
    thank_yous_sent: int = 0,
) -> Headline:
    """Sum the rounds into headline figures; the period starts at `since` or the first round."""
    ran = [r for r in rounds if r.ran]
    start = since
    if start is None and rounds:
        start = min(r.scheduled_for for r in rounds).date()
    return Headline(
        period_start=start,
        period_end=today,
        channel_id=channel_id,
        members=members,
        rounds_run=len(ran),
        groups_made=sum(r.groups for r in ran),
        groups_met=sum(r.met for r in ran),
        groups_not_met=sum(r.not_met for r in ran),
        prompts_posted=prompts_posted,
        answers_shared=answers_shared,
        intros_made=intros_made,
        times_agreed=times_agreed,
        thank_yous_sent=thank_yous_sent,
    )


def period_label(start: dt.date | None, end: dt.date) -> str:
    if start is None:
        return f"all time to {end.isoformat()}"
    return f"{start.isoformat()} to {end.isoformat()}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{round(value * 100)}%"


def teams_ranked(teams: Iterable[str]) -> list[tuple[str, int]]:
    """Members per team, biggest first (ties by name); blank teams become "(no team)"."""
    counts: dict[str, int] = {}
    for team in teams:
        name = team.strip() or NO_TEAM
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


# --- options: `[#channel] [since YYYY-MM-DD]` ----------------------------------------------


@dataclass(frozen=True)
class ReportOptions:
    channel_id: str | None = None
    since: dt.date | None = None


def _shown(word: str) -> str:
    """A word echoed back in an error, short enough to read."""
    return word if len(word) <= 40 else word[:39] + "…"


def check_channel_id(value: str) -> str:
    """A channel ID as typed on the command line (`C012AB3CD`), or InvalidInputError."""
    cleaned = value.strip().upper()
    if not _CHANNEL_ID.match(cleaned):
        raise InvalidInputError(f"`{_shown(value)}` is not a channel ID like C012AB3CD.")
    return cleaned


def check_since(since: dt.date, today: dt.date) -> dt.date:
    if since > today:
        raise InvalidInputError(
            f"`since {since.isoformat()}` is in the future; pick a day up to today."
        )
    return since


def parse_report_options(
    args: Sequence[str], today: dt.date, *, allow_since: bool = True
) -> ReportOptions:
    """Parse `[#channel] [since YYYY-MM-DD]` (either order) for export and stats."""
    usage = (
        "Try `/mingle admin export #channel since 2026-01-31`."
        if allow_since
        else "Try `/mingle admin stats #channel`."
    )
    channel: str | None = None
    since: dt.date | None = None
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        lowered = word.lower()
        if allow_since and lowered == "since":
            if index + 1 >= len(words):
                raise InvalidInputError(f"Give a date after `since`. {usage}")
            if since is not None:
                raise InvalidInputError(f"Give `since` once. {usage}")
            value = words[index + 1]
            try:
                since = dt.date.fromisoformat(value)
            except ValueError:
                raise InvalidInputError(
                    f"`{_shown(value)}` is not a date like 2026-01-31. {usage}"
                ) from None
            check_since(since, today)
            index += 2
            continue
        match = _CHANNEL_MENTION.match(word)
        if match and channel is None:
            channel = match.group(1)
        elif match:
            raise InvalidInputError(f"Name one channel at most. {usage}")
        elif word.startswith("#"):
            raise InvalidInputError(
                f"I can't tell which channel `{_shown(word)}` is: pick it from Slack's list as you "
                f"type, so it turns into a link. {usage}"
            )
        elif word.startswith("<@") or word.startswith("<!"):
            raise InvalidInputError(f"Reports are per channel, not per person. {usage}")
        else:
            raise InvalidInputError(f"I don't understand `{_shown(word)}`. {usage}")
        index += 1
    return ReportOptions(channel, since)
