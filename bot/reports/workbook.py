"""The participation workbook (.xlsx), written with openpyxl in write-only mode.

Write-only mode streams each sheet's rows to a temporary file as they come, so memory stays
flat however many groups a year of rounds made. What it asks in return: column widths and
frozen panes are set before the first row, and each sheet is written top to bottom.

Every table has a bold header row that stays in view (frozen), set column widths, typed
cells (dates are dates, numbers are numbers, rates are numbers formatted as percentages)
and an autofilter. Text goes through `bot.reports.cells`, so nobody's answer can become a
formula. The Summary sheet carries the headline figures, the members-per-team table and
three native charts that point at the Rounds, Prompts and Summary tables.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from bot.core.stats import Headline
from bot.reports.cells import clean_text, is_web_link, needs_text_guard
from bot.reports.sheetdata import SheetRows, splice_rows

Kind = Literal["text", "int", "float", "percent", "date", "datetime", "link"]

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0%"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
LINK = Font(color="0563C1", underline="single")
TEAMS_IN_CHART = 20

SUMMARY, MEMBERS, ROUNDS, GROUPS, PROMPTS, ANSWERS = (
    "Summary",
    "Members",
    "Rounds",
    "Groups",
    "Prompts",
    "Answers",
)
SHEET_NAMES = (SUMMARY, MEMBERS, ROUNDS, GROUPS, PROMPTS, ANSWERS)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: Kind = "text"


MEMBER_COLUMNS = (
    Column("Name", 24),
    Column("Team", 18),
    Column("Timezone", 20),
    Column("Joined", 12, "date"),
    Column("Status", 10),
    Column("Interests", 40),
    Column("Rounds matched", 16, "int"),
    Column("Met", 8, "int"),
    Column("Not met", 9, "int"),
    Column("Met rate", 10, "percent"),
    Column("Answers shared", 16, "int"),
    Column("Intros made", 13, "int"),
    Column("Last active", 13, "date"),
)
ROUND_COLUMNS = (
    Column("Date (UTC)", 17, "datetime"),
    Column("Channel", 16),
    Column("Status", 10),
    Column("Participants", 13, "int"),
    Column("Groups", 9, "int"),
    Column("Met", 8, "int"),
    Column("Not met", 9, "int"),
    Column("No answer", 11, "int"),
    Column("Met rate", 10, "percent"),
)
GROUP_COLUMNS = (
    Column("Round (UTC)", 17, "datetime"),
    Column("Channel", 16),
    Column("Members", 40),
    Column("Size", 6, "int"),
    Column("Reasons", 60),
    Column("Outcome", 12),
)
PROMPT_COLUMNS = (
    Column("Date (UTC)", 17, "datetime"),
    Column("Channel", 16),
    Column("Prompt", 60),
    Column("Posted (UTC)", 17, "datetime"),
    Column("Answers", 9, "int"),
    Column("Link", 40, "link"),
)
ANSWER_COLUMNS = (
    Column("Shared (UTC)", 17, "datetime"),
    Column("Channel", 16),
    Column("Prompt", 40),
    Column("Who", 22),
    Column("Topic", 18),
    Column("Answer", 80),
    Column("Reactions", 11, "int"),
    Column("Source", 9),
    Column("Link", 40, "link"),
)
TEAM_COLUMNS = (Column("Team", 24), Column("Opted-in members", 16, "int"))

# Columns the charts read (1-based).
ROUND_DATE_COL, ROUND_PEOPLE_COL, ROUND_RATE_COL = 1, 4, 9
PROMPT_DATE_COL, PROMPT_ANSWERS_COL = 1, 5


def excel_datetime(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    """Excel has no time zones: aware times become naive UTC (headers say "UTC")."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class Cells:
    """Turns plain values into what a write-only sheet should store, by column kind.

    Plain text and numbers pass as they are (cheapest); dates, rates, links and guarded text
    get a new styled cell each (one row may hold two of a kind).
    """

    FORMATS = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "percent": PERCENT_FORMAT}

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def make(self, kind: Kind, value: Any) -> Any:
        if value is None or value == "":
            return None
        if kind == "text":
            return self.text(str(value))
        if kind in ("int", "float"):
            return value
        if kind == "link":
            return self.link(str(value))
        if kind == "date" and isinstance(value, dt.datetime):
            value = value.date()
        cell = styled_cell(self.ws, self.FORMATS[kind])
        cell.value = excel_datetime(value) if kind in ("date", "datetime") else value
        return cell

    def text(self, text: str) -> Any:
        text = clean_text(text)
        if not needs_text_guard(text):
            return text
        cell = self.guarded()
        cell.value = text
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
        return cell

    def guarded(self) -> Any:
        cell = WriteOnlyCell(self.ws)
        cell.quotePrefix = True
        return cell

    def style_ids(self) -> dict[str, int]:
        """The style ids openpyxl gives these cells in this workbook (for `SheetRows`)."""
        ids = {kind: int(styled_cell(self.ws, fmt).style_id) for kind, fmt in self.FORMATS.items()}
        ids["guarded"] = int(self.guarded().style_id)
        return ids

    def link(self, url: str) -> Any:
        if not is_web_link(url):
            return self.text(url)
        cell = WriteOnlyCell(self.ws, value=url)
        cell.hyperlink = url
        cell.font = LINK
        return cell


class TableSheet:
    """One write-only sheet holding one table that starts in A1.

    With `rows_dir`, the rows go through the fast path (`bot.reports.sheetdata`) and are
    spliced into the saved workbook; the header, widths, panes and filter stay openpyxl's.
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        columns: Sequence[Column],
        rows_dir: str | None = None,
    ) -> None:
        self.ws = workbook.create_sheet(title)
        self.title = title
        self.columns = tuple(columns)
        self.rows = 0
        for index, column in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        self.ws.freeze_panes = "A2"
        print_landscape(self.ws)
        self.ws.print_title_rows = "1:1"  # the header on every printed page
        self.ws.append([header_cell(self.ws, column.header) for column in self.columns])
        self.cells = Cells(self.ws)
        self._kinds = [column.kind for column in self.columns]
        self.fast: SheetRows | None = None
        if rows_dir is not None:
            self.fast = SheetRows(self._kinds, self.cells.style_ids(), rows_dir)

    def append(self, values: Sequence[Any]) -> None:
        if self.fast is not None:
            self.fast.append(values)
        else:
            make = self.cells.make
            self.ws.append(
                [make(kind, value) for kind, value in zip(self._kinds, values, strict=True)]
            )
        self.rows += 1

    def finish(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        if self.fast is not None:
            self.fast.close()


def show_axes(*charts: Any) -> None:
    """openpyxl 3.1 leaves `delete` unset on axes, and Excel then hides them."""
    for chart in charts:
        chart.x_axis.delete = False
        chart.y_axis.delete = False


def print_landscape(ws: Any) -> None:
    """Print (and export to PDF) landscape, as wide as one page. Set before the first row."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def header_cell(ws: Any, text: str) -> Any:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = BOLD
    return cell


def styled_cell(ws: Any, number_format: str) -> Any:
    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    return cell


@dataclass(frozen=True)
class SummaryInfo:
    workspace: str
    channel: str  # the channel's name or id; "" for all channels
    headline: Headline
    teams: Sequence[tuple[str, int]]
    rounds: int  # data rows in the Rounds sheet
    prompts: int  # data rows in the Prompts sheet
    generated_at: dt.datetime


def headline_rows(headline: Headline) -> list[tuple[str, Any, Kind]]:
    """The Summary sheet's figure table: (label, value, kind)."""
    members = headline.members
    return [
        ("Members opted in", members.opted_in, "int"),
        ("Active", members.active, "int"),
        ("Paused", members.paused, "int"),
        ("Left", members.left, "int"),
        ("Rounds run", headline.rounds_run, "int"),
        ("Groups made", headline.groups_made, "int"),
        ("Groups that met", headline.groups_met, "int"),
        ("Met rate", headline.met_rate, "percent"),
        ("Prompts posted", headline.prompts_posted, "int"),
        ("Answers shared", headline.answers_shared, "int"),
        ("Introductions made", headline.intros_made, "int"),
        ("Chat times agreed", headline.times_agreed, "int"),
        ("Thank-you notes sent", headline.thank_yous_sent, "int"),
    ]


class ReportWorkbook:
    """The six sheets, in order; fill the tables, then `write_summary`, then `save`."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._rows_dir = tempfile.TemporaryDirectory(prefix="mingle-rows-")
        fast = self._rows_dir.name
        self.summary = self.workbook.create_sheet(SUMMARY)
        self.members = TableSheet(self.workbook, MEMBERS, MEMBER_COLUMNS, fast)
        self.rounds = TableSheet(self.workbook, ROUNDS, ROUND_COLUMNS, fast)
        self.groups = TableSheet(self.workbook, GROUPS, GROUP_COLUMNS, fast)
        self.prompts = TableSheet(self.workbook, PROMPTS, PROMPT_COLUMNS)
        self.answers = TableSheet(self.workbook, ANSWERS, ANSWER_COLUMNS)

    def write_summary(self, info: SummaryInfo) -> None:
        ws = self.summary
        for letter, width in (("A", 26), ("B", 26), ("C", 4)):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A7"
        print_landscape(ws)
        headline = info.headline
        cells = Cells(ws)

        title = WriteOnlyCell(ws, value="Mingle participation report")
        title.font = TITLE
        ws.append([title])
        ws.append(["Workspace", cells.make("text", info.workspace)])
        ws.append(["Channel", cells.make("text", info.channel or "all channels")])
        ws.append(["Period", headline.period])
        generated = styled_cell(ws, DATETIME_FORMAT)
        generated.value = excel_datetime(info.generated_at)
        ws.append(["Generated (UTC)", generated])
        first_figure = 7
        ws.append([header_cell(ws, "Figure"), header_cell(ws, "Value")])
        for label, value, kind in headline_rows(headline):
            ws.append([label, cells.make(kind, value)])
        last_figure = first_figure + len(headline_rows(headline)) - 1
        ws.auto_filter.ref = f"A{first_figure - 1}:B{last_figure}"

        ws.append([])
        team_header = last_figure + 2
        ws.append([header_cell(ws, column.header) for column in TEAM_COLUMNS])
        for team, count in info.teams:
            ws.append([cells.make("text", team), count])
        team_last = team_header + max(1, len(info.teams))
        if not info.teams:
            ws.append(["(nobody yet)", 0])
        teams_table = Table(displayName="MembersByTeam", ref=f"A{team_header}:B{team_last}")
        teams_table._initialise_columns()
        for column, spec in zip(teams_table.tableColumns, TEAM_COLUMNS, strict=True):
            column.name = spec.header  # write-only sheets can't be read back for the names
        teams_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():
            # openpyxl warns that write-only tables need their columns named: done above.
            warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
            ws.add_table(teams_table)
        self._add_charts(info, team_header)

    def _add_charts(self, info: SummaryInfo, team_header: int) -> None:
        ws = self.summary
        if info.rounds:
            last = info.rounds + 1
            people = LineChart()
            people.title = "Participants and met rate per round"
            people.y_axis.title = "Participants"
            people.x_axis.number_format = DATE_FORMAT
            people.add_data(
                Reference(self.rounds.ws, min_col=ROUND_PEOPLE_COL, min_row=1, max_row=last),
                titles_from_data=True,
            )
            people.set_categories(
                Reference(self.rounds.ws, min_col=ROUND_DATE_COL, min_row=2, max_row=last)
            )
            rate = LineChart()
            rate.add_data(
                Reference(self.rounds.ws, min_col=ROUND_RATE_COL, min_row=1, max_row=last),
                titles_from_data=True,
            )
            rate.y_axis.axId = 200  # a second axis, in percent, on the right
            rate.y_axis.title = "Met rate"
            rate.y_axis.number_format = PERCENT_FORMAT
            rate.y_axis.scaling.min = 0
            rate.y_axis.scaling.max = 1
            rate.y_axis.crosses = "max"
            for line in (*people.series, *rate.series):
                line.smooth = False  # straight segments: a smoothed line overshoots below 0
                line.marker.symbol = "circle"  # a round between gaps still shows
            show_axes(people, rate)
            people += rate
            people.width, people.height = 24, 8
            ws.add_chart(people, "D2")
        if info.prompts:
            last = info.prompts + 1
            answers = BarChart()
            answers.type = "col"
            answers.title = "Answers per prompt"
            answers.y_axis.title = "Answers"
            answers.x_axis.number_format = DATE_FORMAT
            answers.add_data(
                Reference(self.prompts.ws, min_col=PROMPT_ANSWERS_COL, min_row=1, max_row=last),
                titles_from_data=True,
            )
            answers.set_categories(
                Reference(self.prompts.ws, min_col=PROMPT_DATE_COL, min_row=2, max_row=last)
            )
            answers.legend = None
            show_axes(answers)
            answers.width, answers.height = 24, 8
            ws.add_chart(answers, "D19")
        if info.teams:
            shown = min(len(info.teams), TEAMS_IN_CHART)
            teams = BarChart()
            teams.type = "bar"
            teams.title = "Opted-in members by team" + (
                f" (top {shown})" if len(info.teams) > shown else ""
            )
            teams.add_data(
                Reference(ws, min_col=2, min_row=team_header, max_row=team_header + shown),
                titles_from_data=True,
            )
            teams.set_categories(
                Reference(ws, min_col=1, min_row=team_header + 1, max_row=team_header + shown)
            )
            teams.x_axis.scaling.orientation = "maxMin"  # biggest team on top
            teams.legend = None
            show_axes(teams)
            teams.width, teams.height = 24, max(6.0, 0.6 * shown + 2)
            ws.add_chart(teams, "D36")

    @property
    def tables(self) -> tuple[TableSheet, ...]:
        return (self.members, self.rounds, self.groups, self.prompts, self.answers)

    def save(self, path: Path) -> None:
        try:
            for table in self.tables:
                table.finish()
            self.workbook.save(str(path))
            splice_rows(path, {t.title: t.fast.path for t in self.tables if t.fast is not None})
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary row files (after saving, or when giving up)."""
        for table in self.tables:
            if table.fast is not None:
                table.fast.close()
        self._rows_dir.cleanup()
