"""Tests for issue 11 in bot.core.matching: working days and hours, "can meet" first, avoid lists."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.hours import Availability
from bot.core.matching import (
    MatchOptions,
    Participant,
    PastGroup,
    Weights,
    affinity_matrix,
    common_ground,
    match,
)
from bot.core.matching.affinity import Hours
from bot.core.matching.hours import common, longest

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)  # a Monday
MON_THU = frozenset({0, 1, 2, 3})
FRI = frozenset({4})
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def opts(**kw: object) -> MatchOptions:
    kw.setdefault("now", NOW)
    return MatchOptions(**kw)  # type: ignore[arg-type]


def group_of(result, pid: str) -> tuple[str, ...]:
    return next(g.members for g in result.groups if pid in g.members)


def best_day(a: Participant, b: Participant, on: dt.datetime = NOW) -> int:
    work = Hours.of([a, b], on.date(), 7)
    return int(work.pair(0, 1))


# --- can they meet ------------------------------------------------------------------------


def test_monday_to_thursday_and_friday_only_cannot_meet():
    early_week = Participant("a", work_days=MON_THU)
    friday = Participant("b", work_days=FRI)
    assert best_day(early_week, friday) == 0
    a = affinity_matrix([early_week, friday], [], opts())
    assert a[0, 1] == pytest.approx(-Weights().cannot_meet)
    result = match([early_week, friday], [], opts())
    assert not result.groups[0].can_meet and result.groups[0].shared_minutes == 0
    kinds = [r.kind for r in result.groups[0].reasons]
    assert "hours_overlap" not in kinds


def test_chicago_and_kolkata_default_hours_cannot_meet():
    chicago = Participant("c", tz="America/Chicago")
    kolkata = Participant("k", tz="Asia/Kolkata")
    assert best_day(chicago, kolkata) == 0
    # 2026-03-16: Chicago is on DST (14:00-22:00 UTC), Berlin not yet (08:00-16:00 UTC)
    assert best_day(chicago, Participant("b", tz="Europe/Berlin")) == 120


def test_a_tokyo_friday_morning_is_a_us_thursday():
    tokyo_friday = Participant("t", tz="Asia/Tokyo", work_days=FRI)  # Fri 00:00-08:00 UTC
    la_evening = dict(tz="America/Los_Angeles", work_start=dt.time(16), work_end=dt.time(0))
    la_thursday = Participant("l", work_days=frozenset({3}), **la_evening)  # type: ignore[arg-type]
    la_friday = Participant("f", work_days=FRI, **la_evening)  # type: ignore[arg-type]
    assert best_day(tokyo_friday, la_thursday) == 7 * 60  # Thu 16:00-23:00 in LA
    assert best_day(tokyo_friday, la_friday) == 0
    overlap = next(r for r in common_ground(tokyo_friday, la_thursday, on=NOW) if r.minutes)
    assert overlap.text == "Working hours overlap 7 h on Fri, 00:00–07:00 UTC"
    clocks = {w.member: (w.start, w.end) for w in overlap.windows}
    assert clocks == {"t": (dt.time(9), dt.time(16)), "l": (dt.time(17), dt.time(0))}


def test_the_cycle_wraps_a_week():
    # The cycle starts on Monday 00:00 UTC; Sydney's Monday begins on Sunday UTC, so it
    # wraps to the cycle's end.
    sydney = Participant("s", tz="Australia/Sydney", work_start=dt.time(7), work_end=dt.time(15))
    utc_late = Participant("u", work_start=dt.time(18), work_end=dt.time(23), work_days=FRI)
    # Sydney Saturday is off, so Friday 18:00-23:00 UTC (Saturday 05:00-10:00 in Sydney) is not
    # shared; Sunday 20:00 UTC onwards is Monday in Sydney but Sunday is off for u.
    assert best_day(sydney, utc_late) == 0
    utc_sun = Participant("v", work_start=dt.time(18), work_end=dt.time(23), work_days={6})  # type: ignore[arg-type]
    # Sunday 20:00-23:00 UTC is Monday 07:00-10:00 in Sydney (AEDT, UTC+11): wraps round.
    assert best_day(sydney, utc_sun) == 180


profile_st = st.builds(
    Availability,
    st.sampled_from(ZONES),
    st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 20, 30])),
    st.frozensets(st.integers(0, 6), max_size=7),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profiles=st.lists(profile_st, min_size=2, max_size=6),
    day=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
    cycle=st.sampled_from([1, 3, 7, 14]),
)
def test_vectorised_overlap_table_equals_interval_intersection(profiles, day, cycle):
    people = [
        Participant(f"p{i}", tz=p.tz, work_start=p.start, work_end=p.end, work_days=p.days)
        for i, p in enumerate(profiles)
    ]
    work = Hours.of(people, day, cycle)
    table = work.overlap_rows(np.arange(len(people)))
    for i, j in itertools.combinations(range(len(people)), 2):
        expected = longest(common([profiles[i], profiles[j]], day, cycle))
        assert table[i, j] == expected == table[j, i], (i, j)


# --- priorities ---------------------------------------------------------------------------


def test_being_able_to_meet_beats_a_rare_shared_interest():
    people = [
        Participant("chi1", interests=frozenset({"bouldering"}), tz="America/Chicago"),
        Participant("kol1", interests=frozenset({"bouldering"}), tz="Asia/Kolkata"),
        Participant("chi2", interests=frozenset({"coffee"}), tz="America/Chicago"),
        Participant("kol2", interests=frozenset({"tea"}), tz="Asia/Kolkata"),
    ]
    result = match(people, [], opts())
    assert {g.members for g in result.groups} == {("chi1", "chi2"), ("kol1", "kol2")}
    assert all(g.can_meet for g in result.groups)


def test_being_able_to_meet_beats_avoiding_a_recent_repeat():
    people = [
        Participant("chi1", tz="America/Chicago"),
        Participant("kol1", tz="Asia/Kolkata"),
        Participant("chi2", tz="America/Chicago"),
        Participant("kol2", tz="Asia/Kolkata"),
    ]
    last = NOW - dt.timedelta(days=7)
    history = [
        PastGroup(frozenset({"chi1", "chi2"}), last),
        PastGroup(frozenset({"kol1", "kol2"}), last),
    ]
    result = match(people, history, opts())
    assert {g.members for g in result.groups} == {("chi1", "chi2"), ("kol1", "kol2")}


def test_a_group_of_three_needs_one_stretch_shared_by_all():
    # a, b, c each share a day pairwise (Mon, Tue, Wed) but no day all three; they also
    # share a rare interest, which would otherwise put them together.
    rare = frozenset({"bouldering", "go"})
    people = [
        Participant("a", interests=rare, work_days={0, 2}),  # type: ignore[arg-type]
        Participant("b", interests=rare, work_days={0, 1}),  # type: ignore[arg-type]
        Participant("c", interests=rare, work_days={1, 2}),  # type: ignore[arg-type]
        Participant("d"),
        Participant("e"),
        Participant("f"),
    ]
    a = affinity_matrix(people, [], opts())
    assert (a[:3, :3] + np.eye(3) > 0).all()  # every pair of a, b, c can meet
    result = match(people, [], opts(group_size=3))
    assert all(g.can_meet for g in result.groups)
    assert all(set(g.members) != {"a", "b", "c"} for g in result.groups)


# --- avoid lists --------------------------------------------------------------------------


def test_an_avoided_pair_is_never_grouped_even_when_perfect():
    people = [
        Participant("ana", interests=frozenset({"bouldering", "go"}), avoid=frozenset({"bo"})),
        Participant("bo", interests=frozenset({"bouldering", "go"})),
        Participant("cy"),
        Participant("di"),
    ]
    result = match(people, [], opts())
    assert "bo" not in group_of(result, "ana")
    assert result.unmatched == []
    # the list is private: nothing in the reasons mentions it
    assert all("avoid" not in r.text for g in result.groups for r in g.reasons)


def test_a_trio_is_better_than_a_pair_on_the_list():
    people = [
        Participant("new", avoid=frozenset({"a", "b"})),
        Participant("a"),
        Participant("b"),
        Participant("c", avoid=frozenset({"d"})),
        Participant("d"),
    ]
    result = match(people, [], opts())
    groups = {frozenset(g.members) for g in result.groups}
    assert frozenset({"c", "d"}) not in groups and not any({"new", "a"} <= g for g in groups)
    assert not any({"new", "b"} <= g for g in groups) and result.unmatched == []
    # new can only be with c or d, who avoid each other: new gets a pair, and the rest a trio
    assert sorted(len(g) for g in groups) == [2, 3]


def test_avoid_wins_over_nobody_dropped():
    two = [Participant("a", avoid=frozenset({"b"})), Participant("b")]
    result = match(two, [], opts())
    assert result.groups == [] and result.unmatched == ["a", "b"]
    loner = Participant("x", avoid=frozenset({"a", "b", "c"}))
    result = match([loner, *(Participant(p) for p in "abc")], [], opts())
    assert result.unmatched == ["x"] and [g.members for g in result.groups] == [("a", "b", "c")]


def test_unknown_ids_and_oneself_on_the_list_are_ignored():
    me = Participant("me", avoid=frozenset({"me", "ghost"}))
    assert me.avoid == frozenset({"ghost"})
    result = match([me, Participant("you")], [], opts())
    assert [g.members for g in result.groups] == [("me", "you")]


people_st = st.lists(
    st.tuples(
        st.sampled_from(ZONES[:4]),
        st.frozensets(st.sampled_from(["coffee", "rust", "go", "chess"]), max_size=2),
        st.frozensets(st.integers(0, 15), max_size=4),
        st.sampled_from([frozenset(range(5)), MON_THU, FRI, frozenset({1, 2, 3})]),
    ),
    max_size=16,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=people_st, size=st.sampled_from([2, 3, 4]), seed=st.integers(0, 3))
def test_avoid_lists_are_never_violated(raw, size, seed):
    people = [
        Participant(
            f"U{i}",
            tz=tz,
            interests=likes,
            avoid=frozenset(f"U{j}" for j in avoid),
            work_days=days,
        )
        for i, (tz, likes, avoid, days) in enumerate(raw)
    ]
    rng = np.random.default_rng(seed)
    history = []
    for r in range(2):
        order = rng.permutation(len(people))
        for a in range(0, len(order) - 1, 2):
            pair = frozenset({people[order[a]].id, people[order[a + 1]].id})
            history.append(PastGroup(pair, NOW - dt.timedelta(days=7 * (r + 1))))
    result = match(people, history, opts(group_size=size, seed=seed))
    clash = {frozenset({p.id, q}) for p in people for q in p.avoid if q in {x.id for x in people}}
    placed = [m for g in result.groups for m in g.members]
    assert sorted(placed + result.unmatched) == sorted(p.id for p in people)  # each once
    for group in result.groups:
        assert 2 <= len(group.members) <= size + 1
        for m1, m2 in itertools.combinations(group.members, 2):
            assert frozenset({m1, m2}) not in clash, (m1, m2)
    if len(people) >= 2:
        for x in result.unmatched:
            # left out only when no group could take them without a clash
            for group in result.groups:
                if len(group.members) <= size:
                    assert any(frozenset({x, m}) in clash for m in group.members)
        for u1, u2 in itertools.combinations(result.unmatched, 2):
            assert frozenset({u1, u2}) in clash


def test_participant_and_option_validation():
    with pytest.raises(ValueError, match="working days"):
        Participant("a", work_days=frozenset({7}))
    with pytest.raises(ValueError, match="cycle_days"):
        MatchOptions(cycle_days=0)
    with pytest.raises(ValueError, match="min_meeting_minutes"):
        MatchOptions(min_meeting_minutes=-1)


def test_min_meeting_minutes_is_configurable():
    berlin = Participant("b", tz="Europe/Berlin")
    new_york = Participant("n", tz="America/New_York")  # 3 h on 2026-03-16
    strict = affinity_matrix([berlin, new_york], [], opts(min_meeting_minutes=240))
    assert strict[0, 1] < -1000
    assert affinity_matrix([berlin, new_york], [], opts())[0, 1] > 0
