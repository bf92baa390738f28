"""The workbook opens in LibreOffice: it converts to PDF with its three charts, and text that
looks like a formula stays text (checked against a real formula, which LibreOffice computes)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from bot.services.export import build_report
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.repositories.reports import Scope
from tests.services.test_export_data import EVIL_NAME, NOW, TEAM, seed

OFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    OFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)"
)
CHART_TITLES = (
    "Participants and met rate per round",
    "Answers per prompt",
    "Opted-in members by team",
)


def convert(path: Path, target: str, outdir: Path) -> None:
    assert OFFICE is not None
    profile = outdir / "profile"  # a profile of its own: parallel runs don't share a lock
    subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("libreoffice")
    engine = make_engine(f"sqlite:///{folder / 'mingle.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed(sessions)
    build_report(sessions, Scope(TEAM), folder / "report.xlsx", now=NOW)
    engine.dispose()
    # a control: a real formula, which LibreOffice must compute
    control = openpyxl.Workbook()
    control.active.title = "Control"
    control.active["A1"] = "=1+1"
    control.save(folder / "control.xlsx")
    for name in ("report.xlsx", "control.xlsx"):
        convert(folder / name, "pdf", folder)
        convert(
            folder / name,
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            folder,
        )
    return folder


def test_libreoffice_converts_the_workbook_to_pdf_with_its_charts(converted: Path) -> None:
    pdf = converted / "report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed to read the PDF")
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for title in CHART_TITLES:
        assert title in first_page, title
    assert "Members opted in" in first_page


def test_libreoffice_keeps_formula_lookalikes_as_text(converted: Path) -> None:
    with (converted / "control-Control.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["2"]  # a real formula is computed
    with (converted / "report-Members.csv").open(encoding="utf-8") as f:
        members = {row[0]: row for row in csv.reader(f)}
    assert EVIL_NAME in members
    assert members["@Dee"][5] == "=1+1"
    assert members[EVIL_NAME][1] == "+Sales"
    with (converted / "report-Answers.csv").open(encoding="utf-8") as f:
        answers = [row[5] for row in csv.reader(f)]
    assert "=SUM(A1:A9)" in answers
