"""`mingle export`: the workbook from the command line, its errors, and its progress bar."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from bot.errors import InvalidInputError, NotFoundError
from bot.services.export import TerminalProgress, choose_team
from storage.db import make_engine, make_session_factory
from tests.services.test_export_data import COFFEE, EXPECTED_MEMBERS, seed

TOKEN = "xoxb-1234-5678-very-secret-token"
SECRET = "signing-secret-0123456789abcdef"


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MINGLE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-secret-app-token")
    return sqlite_url


@pytest.fixture
def seeded(database: str) -> str:
    engine = make_engine(database)
    seed(make_session_factory(engine))
    engine.dispose()
    return database


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_the_workbook_without_secrets(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.xlsx"
    code, stdout, stderr = run(capsys, "--out", str(out), "--team", "T1")
    assert code == 0, stderr
    assert stdout.startswith(f"Wrote {out} (") and "for T1, all channels" in stdout
    assert f"{EXPECTED_MEMBERS['opted_in']} members opted in" in stdout
    assert stderr == ""  # no progress bar when stderr is not a terminal
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Summary", "Members", "Rounds", "Groups", "Prompts", "Answers"]
    assert book["Members"].max_row == 6
    with zipfile.ZipFile(out) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (TOKEN, SECRET, "xoxb-", "xapp-", "secret"):
        assert secret.encode() not in blob, secret
    assert not list(tmp_path.glob("*.part"))


def test_export_of_one_channel_since_a_date(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coffee.xlsx"
    code, stdout, _ = run(
        capsys,
        "--out",
        str(out),
        "--team",
        "t1",
        "--channel",
        COFFEE.lower(),
        "--since",
        "2026-01-10",
    )
    assert code == 0
    assert f"for T1, {COFFEE}, 2026-01-10 to " in stdout
    book = openpyxl.load_workbook(out)
    assert book["Rounds"].max_row == 3  # R2 and the skipped R3


def test_the_only_workspace_is_used_without_team(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(database)
    seed(make_session_factory(engine), other_team=None)
    engine.dispose()
    code, stdout, _ = run(capsys, "--out", str(tmp_path / "r.xlsx"))
    assert code == 0 and "for T1," in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "several workspaces (T1, T2); choose one with --team"),
        (["--team", "T9"], "No workspace T9 in this database; it holds: T1, T2."),
        (["--team", "T1", "--since", "01/02/2026"], "is not a date like 2026-01-31"),
        (["--team", "T1", "--since", "2999-01-01"], "in the future"),
        (["--team", "T1", "--channel", "#coffee"], "is not a channel ID"),
        (["--team", "T1", "--channel", "C0NOWHERE"], "no rounds or prompts in C0NOWHERE"),
    ],
)
def test_bad_input_is_one_clear_line(
    seeded: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "r.xlsx"
    code, stdout, stderr = run(capsys, "--out", str(out), *args)
    assert code == 1 and stdout == ""
    assert stderr.startswith("mingle: ") and message in stderr and stderr.count("\n") == 1
    assert not out.exists()


def test_bad_output_paths(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "--out", str(tmp_path / "report.csv"), "--team", "T1")
    assert code == 1 and "must name an .xlsx file" in stderr
    code, _, stderr = run(capsys, "--out", str(tmp_path / "missing" / "r.xlsx"), "--team", "T1")
    assert code == 1 and "does not exist" in stderr


def test_an_empty_database_has_nothing_to_export(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = run(capsys, "--out", str(tmp_path / "r.xlsx"))
    assert code == 1 and "no Mingle data yet" in stderr


def test_choose_team() -> None:
    assert choose_team(None, ["T1"]) == "T1"
    assert choose_team(" t2 ", ["T1", "T2"]) == "T2"
    with pytest.raises(InvalidInputError, match="T1, T2"):
        choose_team(None, ["T1", "T2"])
    with pytest.raises(NotFoundError, match="no data yet"):
        choose_team("T1", [])


def test_progress_bar_draws_and_clears() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream, width=10, interval=0)
    bar("Groups", 5, 10)
    bar("Groups", 10, 10)
    bar("Saving", 0, 0)
    bar.close()
    text = stream.getvalue()
    assert "\rGroups   [#####-----] 5/10" in text
    assert "[##########] 10/10" in text and "Saving   [##########] 0/0" in text
    assert text.endswith("\r\x1b[K")


def test_progress_bar_is_throttled() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream, width=10, interval=3600)
    for done in range(1, 100):
        bar("Groups", done, 100)
    bar("Groups", 100, 100)  # the last step always shows
    assert stream.getvalue().count("\r") == 2
