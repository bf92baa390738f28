"""The offline file format of `mingle match --input people.json --output groups.json`.

Input (only "id" is required; topics default to empty, "tz" to UTC, hours to 09:00-17:00
Monday to Friday):

    {"people": [{"id": "U1", "name": "Ana", "interests": ["rust"], "can_help": ["go"],
                 "wants_to_learn": ["kubernetes"], "team": "infra", "tz": "Europe/Berlin",
                 "hours": {"start": "08:30", "end": "16:30", "days": ["mon", "tue", "wed"]},
                 "avoid": ["U7"], "boost": 0}],
     "history": [{"members": ["U1", "U2"], "at": "2026-03-02"}]}

Topics are normalised (`normalize_interest`). "hours" are local times in "tz" (each key
optional; an end at or before the start ends the next day); the older "work_start" and
"work_end" keys are still read. "avoid" lists ids never to be grouped with. History
members and avoided ids who are not among the people are ignored. Any problem raises
`MatchInputError`, whose message names the place and the problem, e.g.
`people[3].tz: unknown timezone "Mars/Base"` or
`people[3].hours.days[1]: "fri2" is not a weekday (mon..sun)`.

Output (`format_match_output`): {"groups": [{"members": [...], "score": 12.5,
"reasons": ["You both like rust", ...], "shared_minutes": 180, "can_meet": true}],
"total_score": ..., "upper_bound": ...}, plus "unmatched": [...] when someone could not be
matched (a one-person round, or avoid lists that leave someone no group).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.core.matching import MatchOptions, MatchResult, Participant, PastGroup, match
from bot.core.matching.hours import WEEKDAYS, is_timezone
from bot.errors import InvalidInputError

PERSON_FIELDS = frozenset(
    {
        "id",
        "name",
        "interests",
        "can_help",
        "wants_to_learn",
        "team",
        "tz",
        "work_start",
        "work_end",
        "hours",
        "avoid",
        "boost",
    }
)
HOURS_FIELDS = ("start", "end", "days")
HOURS_SHAPE = '{"start": "09:00", "end": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"]}'
TOPIC_FIELDS = ("interests", "can_help", "wants_to_learn")


class MatchInputError(InvalidInputError, ValueError):
    """The match input file is not in the expected shape; the message says where."""


def parse_match_input(data: object) -> tuple[list[Participant], list[PastGroup]]:
    """Participants and history from decoded JSON; raises `MatchInputError`."""
    if not isinstance(data, Mapping):
        raise MatchInputError('input: expected an object with "people" (and "history")')
    unknown = sorted(set(data) - {"people", "history"})
    if unknown:
        raise MatchInputError(f'input: unknown field "{unknown[0]}"')
    if "people" not in data:
        raise MatchInputError('input: missing "people"')
    people_raw = data["people"]
    if not isinstance(people_raw, list):
        raise MatchInputError("people: expected a list")
    people: list[Participant] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(people_raw):
        person = _person(raw, f"people[{i}]")
        if person.id in first_seen:
            raise MatchInputError(
                f'people[{i}].id: duplicate id "{person.id}" (also people[{first_seen[person.id]}])'
            )
        first_seen[person.id] = i
        people.append(person)
    history_raw = data.get("history", [])
    if history_raw is None:
        history_raw = []
    if not isinstance(history_raw, list):
        raise MatchInputError("history: expected a list")
    history = [_past_group(raw, f"history[{i}]") for i, raw in enumerate(history_raw)]
    return people, history


def _person(raw: object, where: str) -> Participant:
    if not isinstance(raw, Mapping):
        raise MatchInputError(f"{where}: expected an object")
    unknown = sorted(set(raw) - PERSON_FIELDS)
    if unknown:
        raise MatchInputError(f'{where}: unknown field "{unknown[0]}"')
    if "id" not in raw:
        raise MatchInputError(f'{where}: missing "id"')
    pid = raw["id"]
    if not isinstance(pid, str) or not pid.strip():
        raise MatchInputError(f"{where}.id: expected a non-empty string")
    topics = {name: _strings(raw.get(name, []), f"{where}.{name}") for name in TOPIC_FIELDS}
    tz = raw.get("tz", "UTC")
    if tz is None:
        tz = "UTC"
    if not isinstance(tz, str):
        raise MatchInputError(f"{where}.tz: expected a timezone name")
    if not is_timezone(tz):
        raise MatchInputError(f'{where}.tz: unknown timezone "{tz}"')
    team = raw.get("team")
    if team is not None and not isinstance(team, str):
        raise MatchInputError(f"{where}.team: expected a string")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise MatchInputError(f"{where}.name: expected a string")
    boost = raw.get("boost", 0)
    if isinstance(boost, bool) or not isinstance(boost, int | float) or not boost >= 0:
        raise MatchInputError(f"{where}.boost: expected a number >= 0")
    start, end, days = _hours(raw, where)
    avoid = raw.get("avoid", [])
    if avoid is None:
        avoid = []
    if not isinstance(avoid, list):
        raise MatchInputError(f"{where}.avoid: expected a list of ids")
    for j, other in enumerate(avoid):
        if not isinstance(other, str) or not other.strip():
            raise MatchInputError(f"{where}.avoid[{j}]: expected an id (a non-empty string)")
    return Participant(
        id=pid.strip(),
        interests=topics["interests"],
        can_help=topics["can_help"],
        wants_to_learn=topics["wants_to_learn"],
        team=team,
        tz=tz,
        work_start=start,
        work_end=end,
        work_days=days,
        avoid=frozenset(other.strip() for other in avoid),
        boost=float(boost),
        display_name=name,
    )


def _hours(raw: Mapping[str, Any], where: str) -> tuple[dt.time, dt.time, frozenset[int]]:
    """Start, end and weekdays from "hours" (or the older "work_start"/"work_end")."""
    if "hours" not in raw or raw["hours"] is None:
        return (
            _time(raw.get("work_start", "09:00"), f"{where}.work_start"),
            _time(raw.get("work_end", "17:00"), f"{where}.work_end"),
            frozenset(range(5)),
        )
    if "work_start" in raw or "work_end" in raw:
        raise MatchInputError(f'{where}: give "hours" or "work_start"/"work_end", not both')
    hours = raw["hours"]
    place = f"{where}.hours"
    if not isinstance(hours, Mapping):
        raise MatchInputError(f"{place}: expected an object like {HOURS_SHAPE}")
    unknown = sorted(set(hours) - set(HOURS_FIELDS))
    if unknown:
        raise MatchInputError(f'{place}: unknown field "{unknown[0]}" (expected start, end, days)')
    start = _time(hours.get("start", "09:00"), f"{place}.start")
    end = _time(hours.get("end", "17:00"), f"{place}.end")
    days_raw = hours.get("days", list(WEEKDAYS[:5]))
    if not isinstance(days_raw, list):
        raise MatchInputError(f'{place}.days: expected a list of weekdays like ["mon", "tue"]')
    if not days_raw:
        raise MatchInputError(f"{place}.days: expected at least one weekday")
    days: set[int] = set()
    for j, day in enumerate(days_raw):
        name = day.strip().lower() if isinstance(day, str) else None
        if name not in WEEKDAYS:
            shown = f'"{day}"' if isinstance(day, str) else repr(day)
            raise MatchInputError(f"{place}.days[{j}]: {shown} is not a weekday (mon..sun)")
        days.add(WEEKDAYS.index(name))
    return start, end, frozenset(days)


def _strings(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MatchInputError(f"{where}: expected a list of strings")
    return frozenset(value)


def _time(value: object, where: str) -> dt.time:
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed.replace(second=0, microsecond=0, tzinfo=None)
    raise MatchInputError(f'{where}: expected a time like "09:00"')


def _past_group(raw: object, where: str) -> PastGroup:
    if not isinstance(raw, Mapping):
        raise MatchInputError(f"{where}: expected an object")
    if "members" not in raw:
        raise MatchInputError(f'{where}: missing "members"')
    members = raw["members"]
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise MatchInputError(f"{where}.members: expected a list of ids")
    if "at" not in raw:
        raise MatchInputError(f'{where}: missing "at"')
    return PastGroup(frozenset(m.strip() for m in members), _moment(raw["at"], f"{where}.at"))


def _moment(value: object, where: str) -> dt.datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                return moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(dt.UTC)
    raise MatchInputError(f'{where}: not an ISO date (like "2026-03-02")')


def format_match_output(result: MatchResult) -> dict[str, Any]:
    """The JSON-ready form of a result (see the module docstring)."""
    out: dict[str, Any] = {
        "groups": [
            {
                "members": list(group.members),
                "score": round(group.score, 3),
                "reasons": [reason.text for reason in group.reasons],
                "shared_minutes": group.shared_minutes,
                "can_meet": group.can_meet,
            }
            for group in result.groups
        ],
        "total_score": round(result.total_score, 3),
        "upper_bound": round(result.upper_bound, 3),
    }
    if result.unmatched:
        out["unmatched"] = list(result.unmatched)
    return out


def match_input(data: object, options: MatchOptions) -> dict[str, Any]:
    """Parse, match and format in one step (what `mingle match` does with a file)."""
    people, history = parse_match_input(data)
    return format_match_output(match(people, history, options))
