"""`make demo` runs `mingle demo`: it must keep working end to end."""

from __future__ import annotations

import pytest

from bot import cli
from bot.demo import run_demo


def test_the_demo_runs_every_step_and_sums_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(quiet=True) == 0
    out = capsys.readouterr().out
    assert "Demo finished" in out
    assert "30 people joined Mingle" in out
    assert "groups in #coffee-chats" in out
    assert "3 thread answers kept and searchable" in out
    assert "an introduction opened a group DM" in out
    assert "6 sheets" in out
    # issue 11: working hours shown, an avoid list honoured, a time agreed with its .ics
    assert "Working hours: 08:30–16:30 Mon–Thu" in out
    assert "kept apart by an avoid list" in out and "NOT honoured" not in out
    assert "a group agreed on a time and got coffee-chat-" in out and ".ics (DTSTART" in out
    assert "Traceback" not in out


def test_the_two_workspace_demo_installs_both_through_the_pages_and_uninstalls_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_demo(quiet=False, workspaces=2) == 0
    out = capsys.readouterr().out
    assert "/slack/install" in out and "Mingle is installed in Acme" in out
    assert "Mingle is installed in Globex" in out
    assert "invite @Mingle to a channel and run /mingle admin setup" in out
    assert "Acme: 12 people joined and a round ran." in out
    assert "Globex: 12 people joined and a round ran." in out
    assert "all with Acme's own token" in out and "all with Globex's own token" in out
    assert "Every Web API call used its own workspace's token; none crossed." in out
    assert "Globex's request got no answer" in out
    assert "Traceback" not in out


def test_the_demo_stays_single_workspace_without_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["demo"]).workspaces == 1
    assert parser.parse_args(["demo", "--workspaces", "2"]).workspaces == 2
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["demo", "--workspaces", "3"])
    assert exited.value.code == 2
    assert "invalid choice: 3" in capsys.readouterr().err
