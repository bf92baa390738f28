"""The participation workbook, read back with openpyxl and checked against the data behind it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart

from bot.reports.workbook import (
    ANSWER_COLUMNS,
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    PROMPT_COLUMNS,
    ROUND_COLUMNS,
    SHEET_NAMES,
)
from bot.services.export import ExportResult, build_report
from storage.db import SessionFactory
from storage.models import Answer
from storage.repositories import reports as reports_repo
from storage.repositories.reports import Scope
from tests.services.test_export_data import (
    COFFEE,
    EVIL_NAME,
    EXPECTED_COFFEE,
    EXPECTED_HEADLINE,
    EXPECTED_MEMBER_ROWS,
    EXPECTED_MEMBERS,
    EXPECTED_PROMPT_ANSWERS,
    EXPECTED_ROUNDS,
    EXPECTED_SINCE,
    EXPECTED_TEAMS,
    FORGOTTEN,
    NOW,
    P2_SENT,
    TEA,
    TEAM,
    seed,
)


def export(sessions: SessionFactory, tmp_path: Path, **scope: Any) -> tuple[ExportResult, Any]:
    path = tmp_path / "report.xlsx"
    result = build_report(sessions, Scope(TEAM, **scope), path, now=NOW)
    return result, openpyxl.load_workbook(path)


def rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(min_row=2, values_only=True)]


def as_dict(ws: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in rows(ws)]


def summary_figures(ws: Any) -> dict[str, Any]:
    figures = {}
    for label, value in ws.iter_rows(min_row=7, max_row=19, max_col=2, values_only=True):
        figures[label] = value
    return figures


def all_values(book: Any) -> list[Any]:
    return [
        value
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


@pytest.fixture
def seeded(sessions: SessionFactory) -> SessionFactory:
    seed(sessions)
    return sessions


def test_six_sheets_each_table_with_frozen_header_widths_and_autofilter(
    seeded: SessionFactory, tmp_path: Path
) -> None:
    result, book = export(seeded, tmp_path)
    assert book.sheetnames == list(SHEET_NAMES)
    expected = {
        "Members": (MEMBER_COLUMNS, 5),
        "Rounds": (ROUND_COLUMNS, 4),
        "Groups": (GROUP_COLUMNS, 6),
        "Prompts": (PROMPT_COLUMNS, 3),
        "Answers": (ANSWER_COLUMNS, 5),
    }
    for title, (columns, count) in expected.items():
        ws = book[title]
        assert [cell.value for cell in ws[1]] == [c.header for c in columns], title
        assert all(cell.font.b for cell in ws[1]), title
        assert ws.freeze_panes == "A2", title
        last = openpyxl.utils.get_column_letter(len(columns))
        assert ws.auto_filter.ref == f"A1:{last}{count + 1}", title
        assert ws.max_row == count + 1, title
        assert result.rows[title] == count
        for index, column in enumerate(columns, 1):
            letter = openpyxl.utils.get_column_letter(index)
            assert ws.column_dimensions[letter].width == column.width, (title, letter)
    summary = book["Summary"]
    assert summary.freeze_panes == "A7"
    assert summary.auto_filter.ref == "A6:B19"
    assert "MembersByTeam" in summary.tables


def test_summary_figures_match_the_data(seeded: SessionFactory, tmp_path: Path) -> None:
    result, book = export(seeded, tmp_path)
    ws = book["Summary"]
    assert ws["B2"].value == TEAM and ws["B3"].value == "all channels"
    assert ws["B4"].value == "2026-01-05 to 2026-02-01"
    assert ws["B5"].value == NOW.replace(tzinfo=None)
    figures = summary_figures(ws)
    assert figures == {
        "Members opted in": EXPECTED_MEMBERS["opted_in"],
        "Active": EXPECTED_MEMBERS["active"],
        "Paused": EXPECTED_MEMBERS["paused"],
        "Left": EXPECTED_MEMBERS["left"],
        "Rounds run": EXPECTED_HEADLINE["rounds_run"],
        "Groups made": EXPECTED_HEADLINE["groups_made"],
        "Groups that met": EXPECTED_HEADLINE["groups_met"],
        "Met rate": pytest.approx(EXPECTED_HEADLINE["met_rate"]),
        "Prompts posted": EXPECTED_HEADLINE["prompts_posted"],
        "Answers shared": EXPECTED_HEADLINE["answers_shared"],
        "Introductions made": EXPECTED_HEADLINE["intros_made"],
        "Chat times agreed": 0,
        "Thank-you notes sent": 0,
    }
    assert ws["B14"].number_format == "0%" and isinstance(ws["B14"].value, float)
    assert all(isinstance(v, int) for k, v in figures.items() if k != "Met rate")
    teams = [row for row in ws.iter_rows(min_row=22, max_col=2, values_only=True)]
    assert teams == EXPECTED_TEAMS
    headline = result.figures.headline
    assert headline.members.opted_in == EXPECTED_MEMBERS["opted_in"]
    assert headline.met_rate == pytest.approx(0.6)


def test_charts_are_native_and_point_at_the_tables(seeded: SessionFactory, tmp_path: Path) -> None:
    _, book = export(seeded, tmp_path)
    charts = book["Summary"]._charts
    assert len(charts) == 3
    line, answers, teams = charts
    assert isinstance(line, LineChart) and isinstance(answers, BarChart)
    assert isinstance(teams, BarChart) and teams.type == "bar" and answers.type == "col"

    def refs(chart: Any) -> list[str]:
        found = [s.val.numRef.f for s in chart.series]
        found += [s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f for s in chart.series]
        return found

    people_refs = refs(line)
    assert "'Rounds'!$D$2:$D$5" in people_refs and "'Rounds'!$A$2:$A$5" in people_refs
    # the met rate is a second line chart on its own (percent) axis, combined with the first
    combined = getattr(line, "_charts", [])
    rate_refs = [s.val.numRef.f for c in combined for s in c.series]
    assert "'Rounds'!$I$2:$I$5" in rate_refs
    assert "'Prompts'!$E$2:$E$4" in refs(answers)
    assert "'Summary'!$B$22:$B$24" in refs(teams)
    for chart in (line, answers, teams, *combined):
        assert chart.x_axis.delete is False and chart.y_axis.delete is False  # Excel shows them
    assert all(s.smooth is False and s.marker.symbol == "circle" for s in line.series)


def test_members_sheet_rows_types_and_figures(seeded: SessionFactory, tmp_path: Path) -> None:
    _, book = export(seeded, tmp_path)
    members = as_dict(book["Members"])
    by_name = {m["Name"]: m for m in members}
    assert set(by_name) == set(EXPECTED_MEMBER_ROWS)
    for name, (rounds, met, not_met, rate, answers, intros) in EXPECTED_MEMBER_ROWS.items():
        row = by_name[name]
        assert (row["Rounds matched"], row["Met"], row["Not met"]) == (rounds, met, not_met)
        assert row["Met rate"] == pytest.approx(rate)
        assert (row["Answers shared"], row["Intros made"]) == (answers, intros), name
    ana = by_name["Ana"]
    assert ana["Team"] == "Platform" and ana["Timezone"] == "Europe/Berlin"
    assert ana["Interests"] == "hiking, chess" and ana["Status"] == "active"
    assert ana["Joined"] == dt.datetime(2025, 12, 1)
    assert isinstance(ana["Last active"], dt.datetime)
    assert by_name["@Dee"]["Interests"] == "=1+1" and by_name["@Dee"]["Team"] is None
    assert by_name["Cy"]["Status"] == "left" and by_name["Bo <b>&"]["Status"] == "paused"
    ws = book["Members"]
    assert ws["D2"].is_date and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["J2"].number_format == "0%"
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=12):
        for cell in row:
            assert cell.data_type == "n", cell.coordinate


def test_rounds_sheet(seeded: SessionFactory, tmp_path: Path) -> None:
    _, book = export(seeded, tmp_path)
    found = rows(book["Rounds"])
    expected = [(when.replace(tzinfo=None), *rest) for when, *rest in EXPECTED_ROUNDS]
    assert [r[:8] for r in found] == [e[:8] for e in expected]
    for got, want in zip(found, expected, strict=True):
        assert got[8] == (pytest.approx(want[8]) if want[8] is not None else None)
    assert book["Rounds"]["A2"].number_format == "yyyy-mm-dd hh:mm"


def test_groups_sheet_names_reasons_outcomes(seeded: SessionFactory, tmp_path: Path) -> None:
    _, book = export(seeded, tmp_path)
    groups = as_dict(book["Groups"])
    assert [(g["Members"], g["Size"], g["Outcome"]) for g in groups] == [
        (f"{EVIL_NAME}, Ana", 2, "met"),
        ("Bo <b>&, Cy", 2, "not yet"),
        ("Ana, Bo <b>&", 2, "couldn't"),
        (f"{EVIL_NAME}, @Dee", 2, "no answer"),
        ("Cy", 1, "met"),
        ("@Dee, Ana", 2, "met"),
    ]
    assert groups[0]["Reasons"] == "you both like hiking; different teams"
    assert groups[1]["Reasons"] == "=cmd|' /C calc'!A0"
    assert groups[5]["Reasons"] == f"-you both like chess; @{EVIL_NAME} says hi"
    assert groups[5]["Channel"] == TEA and groups[0]["Channel"] == COFFEE
    assert groups[2]["Reasons"] is None
    assert all(isinstance(g["Round (UTC)"], dt.datetime) for g in groups)


def test_prompts_and_answers_with_links(seeded: SessionFactory, tmp_path: Path) -> None:
    _, book = export(seeded, tmp_path)
    prompts = as_dict(book["Prompts"])
    assert [p["Answers"] for p in prompts] == EXPECTED_PROMPT_ANSWERS
    assert prompts[0]["Prompt"] == "What did you =learn this week?"
    assert prompts[0]["Date (UTC)"] == dt.datetime(2026, 1, 7, 10, 0)
    assert prompts[0]["Posted (UTC)"] == dt.datetime(2026, 1, 7, 10, 1)
    assert prompts[1]["Posted (UTC)"] == P2_SENT.replace(tzinfo=None)  # from the outbox
    assert prompts[2]["Posted (UTC)"] is None and prompts[2]["Link"] is None
    link = book["Prompts"]["F2"]
    assert link.hyperlink is not None and link.hyperlink.target == link.value
    answers = as_dict(book["Answers"])
    assert [a["Who"] for a in answers] == ["Ana", "@Dee", "(not in Mingle)", "Bo <b>&", EVIL_NAME]
    assert answers[0]["Answer"] == "=SUM(A1:A9)"
    assert answers[1]["Answer"] == "@Ana taught me & the docs (https://docs.example) in #share"
    assert answers[2]["Answer"] == "A stranger's answer, a former member helped"
    assert answers[3]["Answer"] == "bell ring"  # the control character is gone
    assert answers[4]["Answer"] == "\tTabbed answer" and answers[4]["Prompt"] is None
    assert answers[0]["Prompt"] == "What did you =learn this week?"
    assert all(a["Link"].startswith("https://acme.slack.com/") for a in answers)
    assert all(book["Answers"].cell(row=r, column=9).hyperlink for r in range(2, 7))
    assert isinstance(answers[0]["Shared (UTC)"], dt.datetime)
    assert answers[0]["Reactions"] == 2


def test_text_that_looks_like_a_formula_stays_text(seeded: SessionFactory, tmp_path: Path) -> None:
    result, book = export(seeded, tmp_path)
    risky = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t"):
                    risky.append(cell)
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    values = {cell.value for cell in risky}
    assert {EVIL_NAME, "=SUM(A1:A9)", "=1+1", "+Sales", "-Data", "@Dee"} <= values
    assert "\tTabbed answer" in values and "=cmd|' /C calc'!A0" in values
    with zipfile.ZipFile(result.path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    # and a plain cell stays plain: no quote prefix where none is needed
    ana = next(row[0] for row in book["Members"].iter_rows(min_row=2) if row[0].value == "Ana")
    assert not ana.quotePrefix and ana.data_type == "s"


def test_forgotten_members_and_other_workspaces_appear_nowhere(
    seeded: SessionFactory, tmp_path: Path
) -> None:
    result, book = export(seeded, tmp_path)
    text = "\n".join(str(v) for v in all_values(book))
    for absent in (
        FORGOTTEN,
        "Fay",
        "knitting",
        "secret",
        "Other U",
        "Elsewhere",
        "Other workspace",
    ):
        assert absent not in text, absent
    # no Slack user ids leak either (strangers are "(not in Mingle)" / "@someone")
    assert not re.search(r"\bU\d\b", text)
    with zipfile.ZipFile(result.path) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Fay" not in blob and b"xoxb-" not in blob


def test_one_channel(seeded: SessionFactory, tmp_path: Path) -> None:
    result, book = export(seeded, tmp_path, channel_id=COFFEE)
    headline = result.figures.headline
    for key, value in EXPECTED_COFFEE.items():
        assert getattr(headline, key) == value, key
    assert headline.prompts_posted == 0 and headline.answers_shared == 0
    assert {r[1] for r in rows(book["Rounds"])} == {COFFEE}
    assert len(rows(book["Groups"])) == 5
    assert book["Prompts"].max_row == 1 and book["Answers"].max_row == 1
    assert summary_figures(book["Summary"])["Members opted in"] == 4
    assert book["Summary"]["B3"].value == COFFEE
    # two charts: no prompts in this channel, so no answers chart
    assert len(book["Summary"]._charts) == 2
    tea, _ = export(seeded, tmp_path, channel_id=TEA)
    assert tea.figures.headline.members.active == 2  # Ana and Dee were matched there
    assert {m for m in tea.figures.people or ()} == {"U1", "U5"}


def test_since(seeded: SessionFactory, tmp_path: Path) -> None:
    since = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    result, book = export(seeded, tmp_path, since=since)
    headline = result.figures.headline
    for key, value in EXPECTED_SINCE.items():
        assert getattr(headline, key) == value, key
    assert headline.period == "2026-01-10 to 2026-02-01"
    assert all(r[0] >= since.replace(tzinfo=None) for r in rows(book["Rounds"]))
    assert all(a[0] >= since.replace(tzinfo=None) for a in rows(book["Answers"]))


def test_an_empty_workspace_gives_a_valid_workbook(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    result, book = export(sessions, tmp_path)
    assert book.sheetnames == list(SHEET_NAMES)
    assert book["Summary"]._charts == []
    figures = summary_figures(book["Summary"])
    assert figures["Members opted in"] == 0 and figures["Met rate"] is None
    assert book["Summary"]["B4"].value == "all time to 2026-02-01"
    assert all(result.rows[t] == 0 for t in SHEET_NAMES if t != "Summary")
    assert book["Groups"].auto_filter.ref == "A1:F1"


def test_progress_is_reported(seeded: SessionFactory, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    build_report(
        seeded, Scope(TEAM), tmp_path / "r.xlsx", now=NOW, progress=lambda *a: seen.append(a)
    )
    stages = [s for s, _, _ in seen]
    assert stages[0] == "Members" and stages[-1] == "Saving"
    assert ("Groups", 6, 6) in seen and ("Answers", 5, 5) in seen


def test_channel_names_are_used_when_known(seeded: SessionFactory, tmp_path: Path) -> None:
    path = tmp_path / "named.xlsx"
    build_report(
        seeded,
        Scope(TEAM),
        path,
        now=NOW,
        channel_name=lambda c: "#coffee" if c == COFFEE else c,
    )
    book = openpyxl.load_workbook(path)
    assert {r[1] for r in rows(book["Rounds"])} == {"#coffee", TEA}


def test_answers_are_read_a_page_at_a_time_without_loss_or_repeats(
    seeded: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_time = dt.datetime(2026, 1, 20, 9, 0, tzinfo=dt.UTC)
    with seeded.begin() as s:
        for index in range(3):  # three answers in the same second: the id breaks the tie
            s.add(
                Answer(
                    team_id=TEAM,
                    channel_id="C3SHARE",
                    message_ts=f"1768000000.00000{index}",
                    user_id="U1",
                    text=f"same second {index}",
                    created_at=same_time,
                )
            )
    monkeypatch.setattr(reports_repo, "PAGE_SIZE", 2)
    seen: list[tuple[str, int, int]] = []
    path = tmp_path / "paged.xlsx"
    build_report(seeded, Scope(TEAM), path, now=NOW, progress=lambda *a: seen.append(a))
    answers = [row[5] for row in rows(openpyxl.load_workbook(path)["Answers"])]
    assert len(answers) == 8 and len(set(answers)) == 8
    assert answers[-3:] == ["same second 0", "same second 1", "same second 2"]
    assert [done for stage, done, _ in seen if stage == "Answers"] == [2, 4, 6, 8, 8]
