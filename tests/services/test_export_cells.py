"""Spreadsheet-safe text, and the fast row path writing the same cells openpyxl would."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook

from bot.reports.cells import (
    MAX_CELL_TEXT,
    clean_text,
    is_web_link,
    needs_text_guard,
    plain_from_slack,
)
from bot.reports.sheetdata import SheetRows, sheet_parts, splice_rows
from bot.reports.workbook import Column, TableSheet

NAMES = {"U1": "Ana", "U2": "=Evil"}


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+49 30 1234", "-5", "@SUM(A1)", "\tcmd", "\rcmd", "#N/A", " #DIV/0! ", "=", "-"],
)
def test_formula_and_error_lookalikes_need_a_guard(text: str) -> None:
    assert needs_text_guard(text)


@pytest.mark.parametrize(
    "text", ["Ana", "a=b", "1+1", "email@example.com", "#coffee", "", " =x", "ünïcödé ☕"]
)
def test_ordinary_text_needs_no_guard(text: str) -> None:
    assert not needs_text_guard(text)


def test_clean_text_removes_what_xml_cannot_carry_and_cuts_long_text() -> None:
    assert clean_text("a\x00b\x07c\x1fd\ud800e\uffff") == "abcde"
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    long = clean_text("x" * (MAX_CELL_TEXT + 10))
    assert len(long) == MAX_CELL_TEXT and long.endswith("…")
    assert clean_text("ünïcödé ☕ <&>") == "ünïcödé ☕ <&>"


def test_slack_markup_becomes_plain_text_without_ids() -> None:
    text = (
        "<@U1> and <@U2|evil> met <@U9>; see <#C1|general> or <#C2>, "
        "<https://x.example/a?b=1&amp;c=2|the guide>, <https://y.example> "
        "<!here> <!subteam^S1|@devs> 1 &lt; 2 &amp;&amp; 3 &gt; 2"
    )
    assert plain_from_slack(text, NAMES.get) == (
        "@Ana and @=Evil met @someone; see #general or #C2, "
        "the guide (https://x.example/a?b=1&c=2), https://y.example "
        "@here @devs 1 < 2 && 3 > 2"
    )
    assert plain_from_slack("", NAMES.get) == ""
    assert plain_from_slack("no markup", NAMES.get) == "no markup"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://acme.slack.com/archives/C1/p1", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ('https://x.example/"onmouseover', False),
        ("https://x.example/" + "a" * 2100, False),
        ("", False),
    ],
)
def test_only_web_links_are_clickable(url: str, ok: bool) -> None:
    assert is_web_link(url) is ok


COLUMNS = (
    Column("Text", 10),
    Column("Int", 10, "int"),
    Column("Float", 10, "float"),
    Column("Rate", 10, "percent"),
    Column("Date", 10, "date"),
    Column("When", 10, "datetime"),
    Column("Other when", 10, "datetime"),
)
BERLIN = dt.timezone(dt.timedelta(hours=1))
ROWS: list[list[Any]] = [
    [
        "plain",
        1,
        1.5,
        0.25,
        dt.date(2026, 1, 5),
        dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 6, 11, 0, tzinfo=dt.UTC),
    ],
    [
        "=1+1",
        0,
        -2.0,
        1.0,
        dt.datetime(2026, 2, 1, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 5, 11, 30, tzinfo=BERLIN),
        None,
    ],
    ["  spaced <&> ", None, None, None, None, None, None],
    ["@x", 10**12, 0.1, 0.0, None, None, None],
    ["\x07bell", 3, None, None, None, None, None],
    ["", None, None, None, None, None, dt.datetime(2026, 3, 1, tzinfo=dt.UTC)],
    ["ünïcödé ☕ " + "x" * 40_000, 7, None, None, None, None, None],
]


def write(tmp_path: Path, fast: bool) -> Any:
    book = Workbook(write_only=True)
    rows_dir = tmp_path / ("fast" if fast else "slow")
    rows_dir.mkdir()
    table = TableSheet(book, "T", COLUMNS, str(rows_dir) if fast else None)
    for row in ROWS:
        table.append(row)
    table.finish()
    path = tmp_path / f"{'fast' if fast else 'slow'}.xlsx"
    book.save(str(path))
    if table.fast is not None:
        splice_rows(path, {"T": table.fast.path})
    return openpyxl.load_workbook(path)["T"]


def test_fast_rows_read_back_exactly_like_openpyxl_cells(tmp_path: Path) -> None:
    fast, slow = write(tmp_path, True), write(tmp_path, False)
    assert fast.max_row == slow.max_row == len(ROWS) + 1
    for fast_row, slow_row in zip(fast.iter_rows(), slow.iter_rows(), strict=True):
        for a, b in zip(fast_row, slow_row, strict=True):
            assert (a.value, a.data_type, a.number_format, a.quotePrefix) == (
                b.value,
                b.data_type,
                b.number_format,
                b.quotePrefix,
            ), a.coordinate
    values = [tuple(r) for r in fast.iter_rows(min_row=2, values_only=True)]
    assert values[0][:4] == ("plain", 1, 1.5, 0.25)
    assert values[0][4] == dt.datetime(2026, 1, 5)
    assert values[1][4] == dt.datetime(2026, 2, 1)  # a date column keeps only the date
    assert values[1][5] == dt.datetime(2026, 1, 5, 10, 30)  # converted to UTC
    assert values[2][0] == "  spaced <&> "
    assert values[3][1] == 10**12
    assert values[4][0] == "bell"
    assert values[5][0] is None
    assert len(values[6][0]) == MAX_CELL_TEXT
    assert fast["A3"].quotePrefix and fast["A3"].data_type == "s"
    assert fast["D2"].number_format == "0%" and fast["E2"].number_format == "yyyy-mm-dd"


def test_sheet_rows_refuse_link_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="links"):
        SheetRows(["text", "link"], {}, str(tmp_path))


def test_splice_finds_sheets_through_the_workbook_relationships(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    for title in ("One", "Two & Three"):
        book.create_sheet(title).append([title])
    path = tmp_path / "b.xlsx"
    book.save(str(path))
    with zipfile.ZipFile(path) as archive:
        assert sheet_parts(archive) == {
            "One": "xl/worksheets/sheet1.xml",
            "Two & Three": "xl/worksheets/sheet2.xml",
        }
    rows = SheetRows(["text"], {"guarded": 0}, str(tmp_path))
    rows.append(["second row"])
    rows.close()
    splice_rows(path, {"Two & Three": rows.path})
    loaded = openpyxl.load_workbook(path)
    assert [c.value for c in loaded["Two & Three"]["A"]] == ["Two & Three", "second row"]
    assert [c.value for c in loaded["One"]["A"]] == ["One"]
