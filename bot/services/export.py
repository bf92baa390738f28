"""Export the participation workbook: in Slack (into the admin's DM) or from the command line.

`build_report` loads one workspace's figures (see `bot.services.stats.load_figures`), fills
the six sheets of `bot.reports.workbook.ReportWorkbook` and saves the .xlsx. The long tables
are read a round or a page at a time and written as they come, so memory stays flat.

Privacy: everything is read for one `team_id`. Members who chose "forget me" have no rows
left (see `storage.repositories.forget.erase_person`); anyone a row mentions who is not a
member of the workspace is shown as "(not in Mingle)", never by id or name. No setting, and
so no token or secret, is ever written into the workbook.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.core.blocks import Reply
from bot.core.messages import reports as messages
from bot.core.stats import (
    ReportOptions,
    check_channel_id,
    check_since,
    met_rate,
    teams_ranked,
)
from bot.core.status import MatchOutcome
from bot.errors import InvalidInputError, NotFoundError, SlackError
from bot.reports.cells import plain_from_slack
from bot.reports.workbook import ReportWorkbook, SummaryInfo
from bot.services.deps import Deps
from bot.services.stats import Figures, StatsService, load_figures, opted_in, scope_for
from storage.db import SessionFactory
from storage.repositories import reports as repo

log = logging.getLogger(__name__)

NOT_IN_MINGLE = "(not in Mingle)"
NO_NAME = "(no name)"
OUTCOME_LABELS: dict[str, str] = {
    MatchOutcome.MET: "met",
    MatchOutcome.NOT_YET: "not yet",
    MatchOutcome.COULD_NOT: "couldn't",
}
NO_ANSWER = "no answer"
PROMPT_IN_ANSWERS = 120  # characters of the prompt shown next to each answer

# progress(stage, done, total): called now and then while the workbook is written.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int
    figures: Figures
    rows: dict[str, int] = field(default_factory=dict)  # data rows per sheet


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def member_name(row: repo.MemberRow) -> str:
    return row.display_name or row.real_name or NO_NAME


def build_report(
    sessions: SessionFactory,
    scope: repo.Scope,
    path: Path,
    *,
    now: dt.datetime,
    progress: Progress | None = None,
    channel_name: Callable[[str], str] = str,
    message_link: Callable[[str, str], str | None] = lambda channel, ts: None,
) -> ExportResult:
    """Write the workbook for `scope` to `path`.

    `channel_name(id)` gives the name shown for a channel (Slack's `#name`, or the id), and
    `message_link(channel, ts)` a link to a prompt that has none stored (Slack only).
    """
    with sessions() as session:
        figures = load_figures(session, scope, now.astimezone(dt.UTC).date())
        members = repo.member_rows(session, scope.team_id)
        interests = repo.member_interests(session, scope.team_id)
        activity = repo.match_activity(session, scope)
        answers_by = repo.answers_by_user(session, scope)
    writer = _Writer(sessions, scope, figures, members, progress or _no_progress)
    writer.channel_name, writer.message_link = channel_name, message_link
    try:
        writer.members(interests, activity, answers_by)
        writer.rounds_and_groups()
        prompt_text = writer.prompts()
        writer.answers(prompt_text)
        writer.summary(now)
        writer.report("Saving", 0, 1)
        writer.book.save(path)
        writer.report("Saving", 1, 1)
    finally:
        writer.book.discard()
    rows = {table.title: table.rows for table in writer.book.tables}
    return ExportResult(path=path, size=path.stat().st_size, figures=figures, rows=rows)


class _Writer:
    """Fills the workbook's sheets for one export, one after the other."""

    def __init__(
        self,
        sessions: SessionFactory,
        scope: repo.Scope,
        figures: Figures,
        members: list[repo.MemberRow],
        report: Progress,
    ) -> None:
        self.sessions = sessions
        self.scope = scope
        self.figures = figures
        self.all_members = members
        self.names = {row.user_id: member_name(row) for row in members}
        self._channels: dict[str, str] = {}
        self.report = report
        self.channel_name: Callable[[str], str] = str
        self.message_link: Callable[[str, str], str | None] = lambda channel, ts: None
        self.book = ReportWorkbook()

    def channel(self, channel_id: str) -> str:
        if channel_id not in self._channels:
            self._channels[channel_id] = self.channel_name(channel_id)
        return self._channels[channel_id]

    def plain(self, text: str) -> str:
        return plain_from_slack(text, self.names.get)

    def members(
        self,
        interests: dict[int, list[str]],
        activity: dict[str, repo.MatchActivity],
        answers_by: dict[str, int],
    ) -> None:
        shown = [row for row in self.all_members if self.figures.in_scope(row.user_id)]
        none = repo.MatchActivity(0, 0, 0)
        for index, row in enumerate(shown, 1):
            act = activity.get(row.user_id, none)
            self.book.members.append(
                [
                    member_name(row),
                    row.team_name,
                    row.tz,
                    row.joined_at,
                    row.status,
                    ", ".join(interests.get(row.member_id, ())),
                    act.rounds,
                    act.met,
                    act.not_met,
                    met_rate(act.met, act.not_met),
                    answers_by.get(row.user_id, 0),
                    self.figures.intros.get(row.user_id, 0),
                    row.last_active_at,
                ]
            )
            if index % 1000 == 0:
                self.report("Members", index, len(shown))
        self.report("Members", len(shown), len(shown))

    def rounds_and_groups(self) -> None:
        rounds = self.figures.rounds
        for r in rounds:
            self.book.rounds.append(
                [
                    r.scheduled_for,
                    self.channel(r.channel_id),
                    r.status,
                    r.participants,
                    r.groups,
                    r.met,
                    r.not_met,
                    r.no_answer,
                    r.met_rate,
                ]
            )
        total, done = sum(r.groups for r in rounds), 0
        for r in rounds:
            if not r.groups:
                continue
            with self.sessions() as session:  # one short read per round
                groups = repo.round_groups(session, self.scope.team_id, r.round_id)
            for group in groups:
                self.book.groups.append(self._group_row(group))
            done += len(groups)
            self.report("Groups", done, total)

    def _group_row(self, group: repo.GroupRow) -> list[Any]:
        users = [user for user in (group.user_ids or "").split(",") if user]
        people = sorted((self.names.get(user, NOT_IN_MINGLE) for user in users), key=str.casefold)
        return [
            group.scheduled_for,
            self.channel(group.channel_id),
            ", ".join(people),
            len(people),
            "; ".join(self.plain(str(reason)) for reason in group.reasons or []),
            OUTCOME_LABELS.get(group.outcome or "", NO_ANSWER),
        ]

    def prompts(self) -> dict[int, str]:
        """Write the Prompts sheet; returns each prompt's text for the Answers sheet."""
        texts: dict[int, str] = {}
        for p in self.figures.prompts:
            texts[p.prompt_id] = text = self.plain(p.text)
            link = p.permalink
            if not link and p.message_ts:
                link = self.message_link(p.channel_id, p.message_ts)
            self.book.prompts.append(
                [p.scheduled_for, self.channel(p.channel_id), text, p.posted_at, p.answers, link]
            )
        return texts

    def answers(self, prompt_text: dict[int, str]) -> None:
        total, done = self.figures.headline.answers_shared, 0
        after: tuple[dt.datetime, int] | None = None
        while True:
            with self.sessions() as session:  # one short read per page
                page = repo.answers_page(session, self.scope, after, repo.PAGE_SIZE)
            for a in page:
                prompt = prompt_text.get(a.prompt_id or 0, "")
                if len(prompt) > PROMPT_IN_ANSWERS:
                    prompt = prompt[: PROMPT_IN_ANSWERS - 1] + "…"
                self.book.answers.append(
                    [
                        a.created_at,
                        self.channel(a.channel_id),
                        prompt,
                        self.names.get(a.user_id, NOT_IN_MINGLE),
                        a.topic,
                        self.plain(a.text),
                        a.reaction_count,
                        a.source,
                        a.permalink,
                    ]
                )
            done += len(page)
            self.report("Answers", done, total)
            if len(page) < repo.PAGE_SIZE:
                return
            after = (page[-1].created_at, page[-1].answer_id)

    def summary(self, now: dt.datetime) -> None:
        joined = set(opted_in(self.figures))
        teams = teams_ranked(row.team_name for row in self.all_members if row.user_id in joined)
        channel_id = self.scope.channel_id
        self.book.write_summary(
            SummaryInfo(
                workspace=self.scope.team_id,
                channel=self.channel(channel_id) if channel_id else "",
                headline=self.figures.headline,
                teams=teams,
                rounds=self.book.rounds.rows,
                prompts=self.book.prompts.rows,
                generated_at=now,
            )
        )


def report_filename(team_id: str, channel_id: str | None, today: dt.date) -> str:
    parts = ["mingle-report", team_id]
    if channel_id:
        parts.append(channel_id)
    parts.append(today.isoformat())
    return "-".join(parts) + ".xlsx"


# --- in Slack -------------------------------------------------------------------------------


class ExportService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def export_to_dm(
        self,
        team_id: str,
        user_id: str,
        args: Sequence[str],
        notify: Callable[[Reply], None],
    ) -> Reply:
        """`/mingle admin export [#channel] [since D]` (the caller has checked for an admin).

        Checks the options, tells the admin the workbook is on its way (`notify`), builds
        it in a temporary directory and uploads it into the admin's DM with Mingle.
        """
        options = StatsService(self.deps).options(team_id, args, allow_since=True)
        notify(messages.export_started_reply(options.channel_id))
        now = self.deps.clock()
        filename = report_filename(team_id, options.channel_id, now.date())
        with tempfile.TemporaryDirectory(prefix="mingle-export-") as tmp:
            started = time.perf_counter()
            result = build_report(
                self.deps.sessions,
                scope_for(team_id, options),
                Path(tmp) / filename,
                now=now,
                channel_name=self._channel_name,
                message_link=self._message_link,
            )
            log.info(
                "export for %s built in %.1fs (%d bytes)",
                team_id,
                time.perf_counter() - started,
                result.size,
            )
            self._upload(user_id, result, filename)
        return messages.export_sent_reply(filename, result.size)

    def _upload(self, user_id: str, result: ExportResult, filename: str) -> None:
        headline = result.figures.headline
        try:
            self.deps.slack.upload_to_dm(
                user_id,
                str(result.path),
                filename=filename,
                title=f"Mingle participation report ({headline.period})",
                comment=messages.upload_comment(headline),
            )
        except SlackError as exc:
            raise SlackError(
                f"I built the report but couldn't send it to your DM (Slack said "
                f"{exc.code}). Please try again in a minute.",
                method=exc.method,
                code=exc.code,
            ) from exc

    def _message_link(self, channel_id: str, ts: str) -> str | None:
        try:
            return self.deps.slack.permalink(channel_id, ts) or None
        except SlackError:
            return None

    def _channel_name(self, channel_id: str) -> str:
        """`#name` for a channel Mingle can see, else its id."""
        try:
            name = self.deps.slack.conversation(channel_id).get("name")
        except SlackError:
            return channel_id
        return f"#{name}" if name else channel_id


# --- on the command line --------------------------------------------------------------------


class TerminalProgress:
    """A one-line progress bar on a terminal (stderr), redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, width: int = 30, interval: float = 0.1) -> None:
        self.stream = stream
        self.width = width
        self.interval = interval
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if stage == self._stage and not finished and now - self._last < self.interval:
            return
        self._stage, self._last = stage, now
        share = min(1.0, done / total) if total else 1.0
        filled = round(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{stage:<8} [{bar}] {done:,}/{total:,}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def choose_team(team: str | None, known: Sequence[str]) -> str:
    """The workspace to export: `team`, or the only one in the database."""
    listed = ", ".join(known)
    if team:
        team = team.strip().upper()
        if team not in known:
            if not known:
                raise NotFoundError(f"No workspace {team} here: the database has no data yet.")
            raise NotFoundError(f"No workspace {team} in this database; it holds: {listed}.")
        return team
    if not known:
        raise NotFoundError("The database has no Mingle data yet, so there's nothing to export.")
    if len(known) > 1:
        raise InvalidInputError(
            f"This database holds several workspaces ({listed}); choose one with --team."
        )
    return known[0]


def check_export_request(
    out: Path, channel: str | None, since: dt.date | None, today: dt.date
) -> str | None:
    """Check `mingle export`'s options before anything is opened; the channel ID, if any."""
    if out.suffix.lower() != ".xlsx":
        raise InvalidInputError(f"--out must name an .xlsx file, not {out.name!r}.")
    if not out.parent.is_dir():
        raise NotFoundError(f"The folder {str(out.parent)!r} does not exist.")
    channel_id = check_channel_id(channel) if channel else None
    if since is not None:
        check_since(since, today + dt.timedelta(days=1))
    return channel_id


def export_cli(
    deps: Deps,
    out: Path,
    team: str | None,
    channel_id: str | None,
    since: dt.date | None,
    progress: bool,
) -> str:
    """`mingle export`: write the workbook to `out`; returns a one-line summary.

    `deps` are assembled as for the app (`bot.app.build_deps`); the options were checked
    with `check_export_request`. Slack is not called.
    """
    now = deps.clock()
    bar = TerminalProgress(sys.stderr) if progress and sys.stderr.isatty() else None
    try:
        with deps.sessions() as session:
            team_id = choose_team(team, repo.workspace_ids(session))
            if channel_id and not repo.channel_known(session, team_id, channel_id):
                raise NotFoundError(f"Mingle has no rounds or prompts in {channel_id}.")
        # Write next to the target and rename, so a half-written file never has its name.
        fd, partial = tempfile.mkstemp(suffix=".xlsx.part", dir=out.parent)
        os.close(fd)
        try:
            result = build_report(
                deps.sessions,
                scope_for(team_id, ReportOptions(channel_id, since)),
                Path(partial),
                now=now,
                progress=bar,
            )
            os.replace(partial, out)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
    finally:
        if bar is not None:
            bar.close()
    headline = result.figures.headline
    where = channel_id or "all channels"
    return (
        f"Wrote {out} ({max(1, round(result.size / 1024)):,} KB) for {team_id}, {where}, "
        f"{headline.period}: {messages.summary_line(headline)}."
    )
