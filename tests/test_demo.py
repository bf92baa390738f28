"""`make demo` runs `mingle demo`: it must keep working end to end."""

from __future__ import annotations

import pytest

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
    assert "Traceback" not in out
