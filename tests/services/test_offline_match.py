"""`mingle match` end to end through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_match_file_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    people = [
        {"id": "U1", "interests": ["bouldering", "rust"], "team": "A", "tz": "Europe/Berlin"},
        {"id": "U2", "interests": ["bouldering"], "team": "B", "tz": "Europe/Paris"},
        {"id": "U3", "interests": ["gardening"], "can_help": ["kubernetes"], "team": "A"},
        {"id": "U4", "wants_to_learn": ["kubernetes"], "team": "C", "tz": "America/New_York"},
        {"id": "U5", "interests": ["rust"]},
    ]
    source = write(
        tmp_path, {"people": people, "history": [{"members": ["U1", "U2"], "at": "2026-11-20"}]}
    )
    out = tmp_path / "groups.json"
    assert main(["match", "--input", str(source), "--output", str(out), "--seed", "3"]) == 0
    result = json.loads(out.read_text())
    members = sorted(m for g in result["groups"] for m in g["members"])
    assert members == ["U1", "U2", "U3", "U4", "U5"]  # nobody dropped, nobody twice
    assert all(2 <= len(g["members"]) <= 3 for g in result["groups"])
    assert not any(
        set(g["members"]) == {"U1", "U2"} for g in result["groups"]
    )  # recent repeat avoided
    together = next(g for g in result["groups"] if "U4" in g["members"])
    assert "U3" in together["members"]
    assert any("kubernetes" in r for r in together["reasons"])
    assert result["total_score"] <= result["upper_bound"] + 1e-6
    assert "5 people" in capsys.readouterr().out
    again = tmp_path / "again.json"
    main(["match", "--input", str(source), "--output", str(again), "--seed", "3"])
    assert json.loads(again.read_text())["groups"] == result["groups"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ({"people": [{"id": "U1", "tz": "Mars/Base"}]}, "Mars/Base"),
        ({"people": [{"interests": []}]}, "people[0]"),
        ({"people": [{"id": "U1"}, {"id": "U1"}]}, "U1"),
        ({"people": "everyone"}, "people"),
        (
            {"people": [{"id": "U1"}], "history": [{"members": ["U1"], "at": "yesterday"}]},
            "history[0]",
        ),
    ],
)
def test_bad_input_files_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: object, needle: str
) -> None:
    source = write(tmp_path, content)
    assert main(["match", "--input", str(source), "--output", str(tmp_path / "o.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mingle: ") and needle in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.json").exists()


def test_match_file_hours_and_avoid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    people = [
        {"id": "a", "hours": {"days": ["mon"]}, "avoid": ["b"]},
        {"id": "b", "hours": {"days": ["mon"]}},
        {"id": "c", "hours": {"days": ["fri"]}},
    ]
    source = write(tmp_path, {"people": people})
    out = tmp_path / "groups.json"
    assert main(["match", "--input", str(source), "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    # a avoids b, so one of them is left out rather than grouped with the other
    (group,) = result["groups"]
    assert len(result["unmatched"]) == 1 and set(group["members"]) | set(result["unmatched"]) == {
        "a",
        "b",
        "c",
    }
    assert "c" in group["members"] and not group["can_meet"]  # Monday and Friday
    said = capsys.readouterr().out
    assert "1 without 2 h of shared working time, 1 unmatched" in said
    bad = write(tmp_path, {"people": [{"id": "a", "hours": {"days": ["mon", "fri2"]}}]})
    assert main(["match", "--input", str(bad), "--output", str(out)]) != 0
    err = capsys.readouterr().err
    assert 'people[0].hours.days[1]: "fri2" is not a weekday (mon..sun)' in err
    assert "Traceback" not in err


def test_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["match", "--input", str(tmp_path / "nope.json"), "--output", str(tmp_path / "o.json")]
        )
        == 1
    )
    assert "no such file" in capsys.readouterr().err
