"""Tests for bot.core.matching_io: the offline JSON format of `mingle match`."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.core.matching import Group, MatchOptions, MatchResult, Reason
from bot.core.matching_io import (
    MatchInputError,
    format_match_output,
    match_input,
    parse_match_input,
)
from bot.errors import MingleError


def test_parse_minimal_and_full_people():
    people, history = parse_match_input(
        {
            "people": [
                {"id": "U1"},
                {
                    "id": "U2",
                    "name": "Bo",
                    "interests": ["  Machine   LEARNING ", "Rust"],
                    "can_help": ["Go"],
                    "wants_to_learn": ["K8s"],
                    "team": "infra",
                    "tz": "Europe/Berlin",
                    "work_start": "08:30",
                    "work_end": "16:30",
                    "boost": 1,
                },
            ],
            "history": [{"members": ["U1", "U2", "someone-gone"], "at": "2026-03-02"}],
        }
    )
    first, second = people
    assert first.id == "U1" and first.tz == "UTC" and first.interests == frozenset()
    assert first.work_start == dt.time(9) and first.work_end == dt.time(17)
    assert second.interests == frozenset({"machine learning", "rust"})
    assert second.can_help == frozenset({"go"}) and second.wants_to_learn == frozenset({"k8s"})
    assert second.display_name == "Bo" and second.team == "infra" and second.boost == 1.0
    assert second.work_start == dt.time(8, 30)
    assert history[0].at == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert "someone-gone" in history[0].members  # kept here, ignored by matching


def test_hours_days_and_avoid():
    people, _ = parse_match_input(
        {
            "people": [
                {
                    "id": "a",
                    "hours": {"start": "08:30", "end": "16:30", "days": ["mon", "Tue", " wed "]},
                    "avoid": ["b", " c ", "a"],
                },
                {"id": "b", "hours": {"days": ["fri"]}},
                {"id": "c", "hours": None, "avoid": None},
            ]
        }
    )
    a, b, c = people
    assert (a.work_start, a.work_end, a.work_days) == (
        dt.time(8, 30),
        dt.time(16, 30),
        frozenset({0, 1, 2}),
    )
    assert a.avoid == frozenset({"b", "c"})  # oneself dropped
    assert (b.work_start, b.work_end, b.work_days) == (dt.time(9), dt.time(17), frozenset({4}))
    assert c.work_days == frozenset(range(5)) and c.avoid == frozenset()


def test_hours_and_avoid_shape_the_groups():
    data = {
        "people": [
            {"id": "a", "interests": ["go"], "hours": {"days": ["mon", "tue"]}, "avoid": ["b"]},
            {"id": "b", "interests": ["go"]},
            {"id": "c", "hours": {"days": ["fri"]}},
            {"id": "d", "hours": {"days": ["fri"]}},
        ]
    }
    out = match_input(data, MatchOptions(now=dt.datetime(2026, 4, 6, tzinfo=dt.UTC)))
    # a can only meet b, whom a avoids: avoid wins, and a's group is flagged
    by_member = {m: g for g in out["groups"] for m in g["members"]}
    assert "b" not in by_member["a"]["members"] and len(out["groups"]) == 2
    assert not by_member["a"]["can_meet"] and by_member["a"]["shared_minutes"] == 0
    assert by_member["b"]["can_meet"] and by_member["b"]["shared_minutes"] == 480
    assert "Working hours overlap 8 h on Fri, 09:00–17:00 UTC" in by_member["b"]["reasons"]


def test_history_is_optional_and_datetimes_are_utc():
    _, history = parse_match_input(
        {"people": [], "history": [{"members": ["a"], "at": "2026-03-02T10:00:00+01:00"}]}
    )
    assert history[0].at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert parse_match_input({"people": [{"id": "a"}]})[1] == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'input: expected an object with "people"'),
        ({}, 'input: missing "people"'),
        ({"people": {}}, "people: expected a list"),
        ({"people": [{"id": "a"}], "extra": 1}, 'input: unknown field "extra"'),
        ({"people": ["a"]}, "people[0]: expected an object"),
        ({"people": [{"id": "a"}, {"id": "b"}, {"tz": "UTC"}]}, 'people[2]: missing "id"'),
        ({"people": [{"id": ""}]}, "people[0].id: expected a non-empty string"),
        ({"people": [{"id": 7}]}, "people[0].id: expected a non-empty string"),
        (
            {"people": [{"id": "a"}, {"id": "b"}, {"id": "a"}]},
            'people[2].id: duplicate id "a" (also people[0])',
        ),
        ({"people": [{"id": "a", "interest": []}]}, 'people[0]: unknown field "interest"'),
        (
            {"people": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d", "tz": "Mars/Base"}]},
            'people[3].tz: unknown timezone "Mars/Base"',
        ),
        ({"people": [{"id": "a", "tz": 5}]}, "people[0].tz: expected a timezone name"),
        ({"people": [{"id": "a", "interests": "rust"}]}, "people[0].interests: expected a list"),
        ({"people": [{"id": "a", "can_help": [1]}]}, "people[0].can_help: expected a list"),
        ({"people": [{"id": "a", "team": 3}]}, "people[0].team: expected a string"),
        ({"people": [{"id": "a", "name": []}]}, "people[0].name: expected a string"),
        ({"people": [{"id": "a", "boost": -1}]}, "people[0].boost: expected a number >= 0"),
        ({"people": [{"id": "a", "boost": True}]}, "people[0].boost: expected a number >= 0"),
        (
            {"people": [{"id": "a", "work_start": "9am"}]},
            'people[0].work_start: expected a time like "09:00"',
        ),
        (
            {"people": [{"id": "a", "hours": "9-5"}]},
            'people[0].hours: expected an object like {"start": "09:00"',
        ),
        (
            {"people": [{"id": "a", "hours": {"from": "09:00"}}]},
            'people[0].hours: unknown field "from" (expected start, end, days)',
        ),
        (
            {"people": [{"id": "a", "hours": {"start": "25:00"}}]},
            'people[0].hours.start: expected a time like "09:00"',
        ),
        (
            {"people": [{"id": "a", "hours": {"end": 17}}]},
            'people[0].hours.end: expected a time like "09:00"',
        ),
        (
            {
                "people": [
                    {"id": "a"},
                    {"id": "b"},
                    {"id": "c"},
                    {"id": "d", "hours": {"days": ["mon", "fri2"]}},
                ]
            },
            'people[3].hours.days[1]: "fri2" is not a weekday (mon..sun)',
        ),
        (
            {"people": [{"id": "a", "hours": {"days": [1]}}]},
            "people[0].hours.days[0]: 1 is not a weekday (mon..sun)",
        ),
        (
            {"people": [{"id": "a", "hours": {"days": "mon-thu"}}]},
            'people[0].hours.days: expected a list of weekdays like ["mon", "tue"]',
        ),
        (
            {"people": [{"id": "a", "hours": {"days": []}}]},
            "people[0].hours.days: expected at least one weekday",
        ),
        (
            {"people": [{"id": "a", "hours": {}, "work_start": "08:00"}]},
            'people[0]: give "hours" or "work_start"/"work_end", not both',
        ),
        ({"people": [{"id": "a", "avoid": "b"}]}, "people[0].avoid: expected a list of ids"),
        (
            {"people": [{"id": "a", "avoid": ["b", ""]}]},
            "people[0].avoid[1]: expected an id (a non-empty string)",
        ),
        ({"people": [], "history": {}}, "history: expected a list"),
        ({"people": [], "history": [[]]}, "history[0]: expected an object"),
        ({"people": [], "history": [{"at": "2026-03-02"}]}, 'history[0]: missing "members"'),
        ({"people": [], "history": [{"members": "ab", "at": "2026-03-02"}]}, "history[0].members"),
        ({"people": [], "history": [{"members": []}]}, 'history[0]: missing "at"'),
        (
            {"people": [], "history": [{"members": [], "at": "last week"}]},
            "history[0].at: not an ISO date",
        ),
        ({"people": [], "history": [{"members": [], "at": 20260302}]}, "history[0].at: not an"),
    ],
)
def test_errors_name_the_place_and_the_problem(data, message):
    with pytest.raises(MatchInputError) as caught:
        parse_match_input(data)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, MingleError)


def test_format_output():
    result = MatchResult(
        groups=[
            Group(
                ("a", "b"),
                12.34567,
                [Reason("shared_interests", ("a", "b"), ("Ana", "Bo"), topics=("rust",))],
            )
        ],
        total_score=12.34567,
        upper_bound=12.5,
    )
    assert format_match_output(result) == {
        "groups": [
            {
                "members": ["a", "b"],
                "score": 12.346,
                "reasons": ["You both like rust"],
                "shared_minutes": 0,
                "can_meet": True,
            }
        ],
        "total_score": 12.346,
        "upper_bound": 12.5,
    }
    alone = format_match_output(MatchResult([], 0.0, 0.0, ["a"]))
    assert alone["unmatched"] == ["a"] and alone["groups"] == []


def test_match_input_end_to_end_is_json_ready():
    data = {
        "people": [
            {"id": "a", "name": "Ana", "interests": ["Bouldering"], "tz": "Europe/Berlin"},
            {"id": "b", "name": "Bo", "interests": ["bouldering"], "tz": "America/New_York"},
            {"id": "c", "interests": ["jazz"]},
            {"id": "d", "interests": ["jazz"]},
            {"id": "e", "interests": ["jazz"]},
        ],
        "history": [{"members": ["a", "c"], "at": "2026-04-01"}],
    }
    out = match_input(data, MatchOptions(now=dt.datetime(2026, 4, 6, tzinfo=dt.UTC)))
    json.dumps(out)
    groups = {tuple(g["members"]): g for g in out["groups"]}
    assert set(groups) == {("a", "b"), ("c", "d", "e")}
    assert groups[("a", "b")]["reasons"][:2] == [
        "You both like bouldering",
        "Working hours overlap 2 h on Mon–Fri, 13:00–15:00 UTC",
    ]
    assert out["total_score"] <= out["upper_bound"]
    assert "unmatched" not in out
    one = match_input({"people": [{"id": "solo"}]}, MatchOptions())
    assert one == {"groups": [], "total_score": 0.0, "upper_bound": 0.0, "unmatched": ["solo"]}
