"""Tests for bot.core.matching: coverage of everyone, sizes, scoring rules, reasons, quality."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.matching import (
    MatchOptions,
    Participant,
    PastGroup,
    Weights,
    affinity_matrix,
    common_ground,
    group_common_ground,
    match,
)
from bot.core.matching.groups import plan

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
TOPICS = ["coffee", "rust", "bouldering", "chess", "go", "jazz", "yoga", "k8s"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]


def P(pid: str, *interests: str, **kw: object) -> Participant:
    return Participant(pid, interests=frozenset(interests), **kw)  # type: ignore[arg-type]


def opts(**kw: object) -> MatchOptions:
    kw.setdefault("now", NOW)
    return MatchOptions(**kw)  # type: ignore[arg-type]


def members_of(result) -> list[str]:
    return [m for g in result.groups for m in g.members]


def group_of(result, pid: str) -> tuple[str, ...]:
    return next(g.members for g in result.groups if pid in g.members)


people_st = st.lists(
    st.builds(
        lambda interests, tz, team, learn, helps: (interests, tz, team, learn, helps),
        st.frozensets(st.sampled_from(TOPICS), max_size=4),
        st.sampled_from(ZONES),
        st.sampled_from([None, "a", "b", "c"]),
        st.frozensets(st.sampled_from(TOPICS), max_size=2),
        st.frozensets(st.sampled_from(TOPICS), max_size=2),
    ),
    max_size=23,
)


def build_people(raw) -> list[Participant]:
    return [
        Participant(f"U{i}", interests=i_, tz=tz, team=team, wants_to_learn=learn, can_help=helps)
        for i, (i_, tz, team, learn, helps) in enumerate(raw)
    ]


def random_history(people, rng, rounds=3):
    history = []
    for r in range(rounds):
        order = rng.permutation(len(people))
        for a in range(0, len(order) - 1, 2):
            pair = frozenset({people[order[a]].id, people[order[a + 1]].id})
            history.append(PastGroup(pair, NOW - dt.timedelta(days=7 * (r + 1))))
    return history


# --- everyone is matched, sizes ----------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=people_st, size=st.sampled_from([2, 3, 4]), seed=st.integers(0, 5))
def test_everyone_matched_exactly_once_with_sizes_in_bounds(raw, size, seed):
    people = build_people(raw)
    rng = np.random.default_rng(seed)
    result = match(people, random_history(people, rng), opts(group_size=size, seed=seed))
    n = len(people)
    if n == 0:
        assert result.groups == [] and result.unmatched == []
        return
    if n == 1:
        assert result.groups == [] and result.unmatched == ["U0"]
        return
    assert sorted(members_of(result)) == sorted(p.id for p in people)
    assert result.unmatched == []
    sizes = sorted(len(g.members) for g in result.groups)
    layout = plan(n, size)
    assert len(sizes) == layout.count
    if n < size:
        assert sizes == [n]
    else:
        assert min(sizes) >= size - 1 and max(sizes) <= size + 1
        assert set(sizes) <= {size, size + 1} or n < size * size
    assert 1 not in sizes
    assert result.total_score == pytest.approx(sum(g.score for g in result.groups), abs=1e-3)
    assert result.total_score <= result.upper_bound + 1e-3


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13])
@pytest.mark.parametrize("size", [2, 3, 4])
def test_sizes_for_every_small_n(n, size):
    people = [P(f"U{i}", TOPICS[i % len(TOPICS)]) for i in range(n)]
    result = match(people, [], opts(group_size=size))
    assert sorted(members_of(result)) == sorted(p.id for p in people[: n if n > 1 else 0])
    sizes = sorted(len(g.members) for g in result.groups)
    if size == 2 and n >= 2:
        assert sizes == [2] * (n // 2 - 1) + [2 + n % 2]
    if n >= size and n % size <= n // size:
        assert set(sizes) <= {size, size + 1}
    assert sum(sizes) == (n if n > 1 else 0)


def test_plan():
    assert plan(7, 4).__dict__ == {"count": 2, "base": 3, "extra": 1}  # 4 + 3
    assert plan(6, 4).__dict__ == {"count": 2, "base": 3, "extra": 0}  # 3 + 3
    assert plan(9, 4).__dict__ == {"count": 2, "base": 4, "extra": 1}  # 5 + 4
    assert plan(3, 4).__dict__ == {"count": 1, "base": 3, "extra": 0}
    assert plan(7, 2).__dict__ == {"count": 3, "base": 2, "extra": 1}
    assert plan(1, 2).count == 0


def test_deterministic_for_a_seed():
    people = build_people(
        [
            (frozenset(TOPICS[i % 3 : i % 3 + 2]), ZONES[i % 5], None, frozenset(), frozenset())
            for i in range(31)
        ]
    )
    for size in (2, 3):
        a = match(people, [], opts(group_size=size, seed=7))
        b = match(people, [], opts(group_size=size, seed=7))
        assert a == b


def test_invalid_input():
    with pytest.raises(ValueError, match="duplicate"):
        match([P("a"), P("a")], [], opts())
    with pytest.raises(ValueError, match="unknown timezone"):
        match([P("a", tz="Mars/Base"), P("b")], [], opts())
    with pytest.raises(ValueError, match="group size"):
        MatchOptions(group_size=5)


# --- scoring rules -----------------------------------------------------------------------


def test_rare_shared_interest_beats_common_one():
    # Everyone likes coffee; only Ana and Bo also climb.
    people = [
        P("ana", "coffee", "bouldering"),
        P("cy", "coffee"),
        P("bo", "coffee", "bouldering"),
        P("di", "coffee"),
        P("ed", "coffee"),
        P("fi", "coffee"),
    ]
    result = match(people, [], opts())
    assert group_of(result, "ana") == ("ana", "bo")
    a = affinity_matrix(people, [], opts())
    assert a[0, 2] > a[0, 1]


def test_interest_weights_are_idf_cosine():
    people = [P("a", "x", "y"), P("b", "x"), P("c", "y"), P("d", "y")]
    a = affinity_matrix(people, [], opts(), Weights(hours_overlap=0, cross_team=0))
    idf_x, idf_y = math.log(5 / 2), math.log(5 / 3)
    norm_a = math.hypot(idf_x, idf_y)
    assert a[0, 1] == pytest.approx(10 * idf_x / norm_a, rel=1e-5)
    assert a[0, 2] == pytest.approx(10 * idf_y / norm_a, rel=1e-5)
    assert a[2, 3] == pytest.approx(10.0, rel=1e-5)


def test_learn_help_link_scores_and_shows_in_reasons():
    people = [
        Participant("ana", can_help=frozenset({"Kubernetes"}), display_name="Ana"),
        Participant("cy"),
        Participant("bo", wants_to_learn=frozenset({"kubernetes"}), display_name="Bo"),
        Participant("di"),
    ]
    result = match(people, [], opts())
    group = next(g for g in result.groups if "ana" in g.members)
    assert group.members == ("ana", "bo")
    texts = [r.text for r in group.reasons]
    assert "Ana can help Bo with kubernetes" in texts
    assert group.reasons[0].kind == "learn_help"
    a = affinity_matrix(people, [], opts(), Weights(hours_overlap=0))
    assert a[0, 2] == pytest.approx(6.0)


def test_affinity_matrix_matches_the_documented_formula():
    rng = np.random.default_rng(3)
    raw = [
        (
            frozenset(rng.choice(TOPICS, size=rng.integers(0, 4), replace=False).tolist()),
            ZONES[int(rng.integers(len(ZONES)))],
            [None, "a", "b"][int(rng.integers(3))],
            frozenset(rng.choice(TOPICS, size=rng.integers(0, 2), replace=False).tolist()),
            frozenset(rng.choice(TOPICS, size=rng.integers(0, 2), replace=False).tolist()),
        )
        for _ in range(25)
    ]
    people = build_people(raw)
    people[3] = Participant("U3", boost=1.0, interests=frozenset({"go"}), tz="Asia/Tokyo")
    history = random_history(people, rng, rounds=6)
    options = opts(recent_rounds=4)
    a = affinity_matrix(people, history, options)
    assert a.dtype == np.float32 and a.shape == (25, 25)
    assert np.allclose(a, a.T) and not np.diag(a).any()

    n = len(people)
    df = {t: sum(t in p.interests for p in people) for t in TOPICS}
    idf = {t: math.log((n + 1) / c) for t, c in df.items() if c}
    days = sorted({g.at.date() for g in history}, reverse=True)
    w = Weights()
    from bot.core.matching.hours import common, longest

    def vec(p):
        return {t: idf[t] for t in p.interests}

    for i, j in itertools.combinations(range(n), 2):
        pi, pj = people[i], people[j]
        vi, vj = vec(pi), vec(pj)
        dot = sum(vi[t] * vj[t] for t in vi.keys() & vj.keys())
        ni, nj = (
            math.sqrt(sum(v * v for v in vi.values())),
            math.sqrt(sum(v * v for v in vj.values())),
        )
        score = w.shared_interest * (dot / (ni * nj) if dot else 0.0)
        score += w.learn_help * (
            bool(pi.wants_to_learn & pj.can_help) + bool(pj.wants_to_learn & pi.can_help)
        )
        minutes = longest(common([pi.profile, pj.profile], NOW.date(), 7))
        score += w.hours_overlap * min(minutes, 240) / 240
        score += w.cross_team * (pi.team is not None and pj.team is not None and pi.team != pj.team)
        score *= 1 + pi.boost + pj.boost
        score -= w.cannot_meet * (minutes < 120)
        met = [days.index(g.at.date()) for g in history if {pi.id, pj.id} <= g.members]
        if met:
            r = min(met)
            score -= w.repeat_penalty * (4 - r) / 4 if r < 4 else w.met_before
        assert a[i, j] == pytest.approx(score, rel=1e-4, abs=1e-4), (i, j)


def test_hours_overlap_is_dst_aware():
    ana = Participant("ana", tz="Europe/Berlin", display_name="Ana")
    bo = Participant("bo", tz="America/New_York", display_name="Bo")
    march = common_ground(ana, bo, on=dt.date(2026, 3, 16))  # US on DST, EU not yet
    april = common_ground(ana, bo, on=dt.date(2026, 4, 5))  # both on DST
    hours_march = next(r for r in march if r.kind == "hours_overlap")
    hours_april = next(r for r in april if r.kind == "hours_overlap")
    assert hours_march.minutes == 180 and hours_april.minutes == 120
    assert hours_april.text == "Working hours overlap 2 h on Mon–Fri, 13:00–15:00 UTC"
    assert hours_march.text == "Working hours overlap 3 h on Mon–Fri, 13:00–16:00 UTC"
    ana_clock, bo_clock = hours_april.windows
    assert (ana_clock.start, ana_clock.end) == (dt.time(15), dt.time(17))
    assert (bo_clock.start, bo_clock.end, bo_clock.tz) == (dt.time(9), dt.time(11), bo.tz)
    # A cycle across Europe's change: the best day (Friday, still 3 h) counts.
    change = common_ground(ana, bo, on=dt.date(2026, 3, 27))
    assert "Working hours overlap 3 h on Fri, 13:00–16:00 UTC" in [r.text for r in change]
    w = Weights(shared_interest=0, cross_team=0)
    a_march = affinity_matrix([ana, bo], [], opts(now=dt.datetime(2026, 3, 20, tzinfo=dt.UTC)), w)
    a_april = affinity_matrix([ana, bo], [], opts(now=dt.datetime(2026, 4, 5, tzinfo=dt.UTC)), w)
    assert a_march[0, 1] == pytest.approx(1 * 3 / 4)
    assert a_april[0, 1] == pytest.approx(1 * 2 / 4)


def test_overnight_shift_overlaps_across_midnight():
    night = Participant("n", tz="UTC", work_start=dt.time(22), work_end=dt.time(6))
    early = Participant("e", tz="UTC", work_start=dt.time(4), work_end=dt.time(12))
    reasons = common_ground(night, early, on=NOW)
    overlap = next(r for r in reasons if r.kind == "hours_overlap")
    assert overlap.minutes == 120
    assert overlap.windows[0].start == dt.time(4) and overlap.windows[0].end == dt.time(6)
    # Monday 04:00 follows Sunday night, which is off: Tuesday to Friday.
    assert overlap.text == "Working hours overlap 2 h on Tue–Fri, 04:00–06:00 UTC"


def test_recent_repeat_is_avoided_when_an_alternative_exists():
    # Ana and Bo are perfect for each other but met last round.
    people = [P("ana", "rust", "chess"), P("bo", "rust", "chess"), P("cy", "jazz"), P("di", "yoga")]
    history = [PastGroup(frozenset({"ana", "bo"}), NOW - dt.timedelta(days=7))]
    result = match(people, history, opts())
    assert group_of(result, "ana") != ("ana", "bo")
    without = match(people, [], opts())
    assert group_of(without, "ana") == ("ana", "bo")
    # With nobody else, a repeat is still better than nothing, and it says so.
    pair = match(people[:2], history, opts())
    assert [r.text for r in pair.groups[0].reasons][-1] == "You last met on 9 March 2026"


def test_repeat_penalty_fades_with_age():
    rounds = [NOW - dt.timedelta(days=7 * (r + 1)) for r in range(6)]
    x, a, b, y = P("x"), P("a"), P("b"), P("y")
    history = [
        PastGroup(frozenset({"x", "a"}), rounds[0]),  # last round
        PastGroup(frozenset({"x", "b"}), rounds[2]),  # three rounds ago
        PastGroup(frozenset({"x", "y"}), rounds[0]),
        PastGroup(frozenset({"a", "b"}), rounds[1]),
        PastGroup(frozenset({"y", "q"}), rounds[5]),  # makes six distinct round dates
    ]
    m = affinity_matrix([x, a, b, y], history, opts())
    assert m[0, 1] < m[0, 2] < 0 < m[2, 3] + 1
    assert m[0, 1] == pytest.approx(m[0, 3])
    result = match([x, a, b, y], history, opts())
    assert group_of(result, "x") == ("x", "b")  # the older repeat is the lesser evil
    # Past the recent rounds, a meeting costs only a little.
    old = [PastGroup(frozenset({"x", "a"}), rounds[5])]
    old += [PastGroup(frozenset({"p", "q"}), at) for at in rounds[:5]]  # later rounds
    m_old = affinity_matrix([x, a], old, opts(recent_rounds=4))
    m_new = affinity_matrix([x, a], [], opts(recent_rounds=4))
    assert m_old[0, 1] == pytest.approx(m_new[0, 1] - Weights().met_before)


def test_boosted_participant_gets_the_better_match():
    # star suits ana and bo equally; ana and bo have nothing in common, nor has plain.
    people = [P("ana", "rust"), P("bo", "chess"), P("star", "rust", "chess"), P("plain")]
    for boosted in ("ana", "bo"):
        boosted_people = [
            Participant(p.id, interests=p.interests, boost=1.0 if p.id == boosted else 0.0)
            for p in people
        ]
        for seed in range(4):
            result = match(boosted_people, [], opts(seed=seed))
            assert "star" in group_of(result, boosted)


def test_odd_one_out_joins_where_they_add_most():
    people = [
        P("a", "rust"),
        P("b", "rust"),
        P("c", "jazz"),
        P("d", "jazz"),
        P("e", "jazz", "yoga"),
    ]
    result = match(people, [], opts())
    assert sorted(len(g.members) for g in result.groups) == [2, 3]
    assert group_of(result, "e") == ("c", "d", "e")


# --- quality -----------------------------------------------------------------------------


def _partitions(items: list[int], sizes: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for size in sorted(set(sizes)):
        remaining = list(sizes)
        remaining.remove(size)
        for others in itertools.combinations(rest, size - 1):
            left = [x for x in rest if x not in others]
            for tail in _partitions(left, remaining):
                yield [(first, *others), *tail]


def brute_force(matrix: np.ndarray, sizes: list[int]) -> float:
    best = -math.inf
    for part in _partitions(list(range(matrix.shape[0])), sizes):
        value = sum(matrix[np.ix_(g, g)].astype(np.float64).sum() / 2 for g in part)
        best = max(best, value)
    return best


def synthetic(n: int, seed: int):
    rng = np.random.default_rng(seed)
    raw = [
        (
            frozenset(rng.choice(TOPICS, size=rng.integers(1, 4), replace=False).tolist()),
            ZONES[int(rng.integers(len(ZONES)))],
            ["a", "b", "c"][int(rng.integers(3))],
            frozenset(rng.choice(TOPICS, size=rng.integers(0, 2), replace=False).tolist()),
            frozenset(rng.choice(TOPICS, size=rng.integers(0, 2), replace=False).tolist()),
        )
        for _ in range(n)
    ]
    people = build_people(raw)
    return people, random_history(people, rng, rounds=2)


@pytest.mark.parametrize(
    ("n", "size", "floor"),
    [(8, 2, 0.99), (9, 2, 0.99), (10, 2, 0.99), (9, 3, 0.95), (10, 3, 0.95), (9, 4, 0.95)],
)
def test_near_optimal_against_brute_force(n, size, floor):
    layout = plan(n, size)
    sizes = [layout.base + 1] * layout.extra + [layout.base] * (layout.count - layout.extra)
    for seed in range(6):
        people, history = synthetic(n, seed)
        options = opts(group_size=size, seed=seed)
        result = match(people, history, options)
        best = brute_force(affinity_matrix(people, history, options), sizes)
        # Scores go negative with penalties (cannot meet, repeats): compare the gap.
        assert result.total_score >= best - (1 - floor) * abs(best) - 1e-3, seed
        assert result.upper_bound >= best - 1e-3, seed  # the bound is a bound


def test_pairs_near_exact_optimum_with_rustworkx():
    rustworkx = pytest.importorskip("rustworkx")
    for seed, n in [(1, 40), (2, 60), (3, 90)]:
        people, history = synthetic(n, seed)
        options = opts(seed=seed)
        a = affinity_matrix(people, history, options).astype(np.float64)
        graph = rustworkx.PyGraph()
        graph.add_nodes_from(range(n))
        offset = -a.min() + 1
        for i, j in itertools.combinations(range(n), 2):
            graph.add_edge(i, j, round((a[i, j] + offset) * 1e4))
        exact = rustworkx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
        optimum = sum(a[i, j] for i, j in exact)
        result = match(people, history, options)
        assert result.total_score >= optimum - 0.01 * abs(optimum)
        assert result.upper_bound >= optimum - 1e-3
        if all(g.can_meet for g in result.groups):
            # (with an unavoidable cannot-meet pair, the relaxation dodges it in odd cycles)
            assert result.total_score >= result.upper_bound * 0.98


def test_sparse_assignment_path_and_its_bound(monkeypatch):
    from bot.core.matching import pairs

    people, history = synthetic(120, 5)
    options = opts(seed=1)
    dense = match(people, history, options)
    monkeypatch.setattr(pairs, "DENSE_MAX", 10)
    sparse = match(people, history, options)
    assert sorted(members_of(sparse)) == sorted(p.id for p in people)
    assert sparse.upper_bound >= dense.upper_bound - 1e-2  # both bound the same optimum
    assert sparse.upper_bound <= dense.upper_bound * 1.001
    assert sparse.total_score >= dense.total_score - 0.005 * abs(dense.total_score)
    odd = match(people[:-1], history, options)  # sparse with the odd-one-out node
    assert sorted(members_of(odd)) == sorted(p.id for p in people[:-1])


def test_sparse_assignment_falls_back_when_candidates_have_no_perfect_assignment():
    from bot.core.matching import pairs

    rng = np.random.default_rng(0)
    m = rng.random((30, 30)).astype(np.float32)
    m = m + m.T
    np.fill_diagonal(m, 0)
    star = np.zeros((30, 1), dtype=np.intp)  # everyone's only candidate is node 0
    star[0, 0] = 1
    assert pairs._sparse_assignment(m, star) is None
    matched, bound = pairs.perfect_matching(m)
    assert sorted(matched.ravel().tolist()) == list(range(30))
    assert bound >= m[matched[:, 0], matched[:, 1]].sum() - 1e-4


# --- reasons -----------------------------------------------------------------------------


def test_reasons_for_a_pair():
    ana = Participant(
        "ana",
        interests=frozenset({"bouldering", "rust", "coffee"}),
        team="infra",
        display_name="Ana",
    )
    bo = Participant("bo", interests=frozenset({"bouldering", "rust"}), team="web")
    texts = [r.text for r in common_ground(ana, bo, on=NOW)]
    assert texts == [
        "You both like bouldering and rust",
        "Working hours overlap 8 h on Mon–Fri, 09:00–17:00 UTC",
        "You are on different teams",
        "You have never been matched before",
    ]


def test_reasons_for_a_group_name_who_shares_what():
    people = [
        Participant("a", interests=frozenset({"coffee", "rust"}), display_name="Ana", team="x"),
        Participant("b", interests=frozenset({"coffee", "rust"}), display_name="Bo", team="y"),
        Participant("c", interests=frozenset({"coffee", "go"}), display_name="Cy", team="y"),
        Participant(
            "d", interests=frozenset({"go", "jazz", "chess", "k8s", "yoga"}), display_name="Di"
        ),
    ]
    history = [PastGroup(frozenset({"a", "c"}), dt.datetime(2026, 1, 12, tzinfo=dt.UTC))]
    reasons = group_common_ground(people, history, on=NOW)
    texts = [r.text for r in reasons]
    assert "Ana, Bo and Cy all like coffee" in texts
    assert "Ana and Bo both like rust" in texts
    assert "Cy and Di both like go" in texts
    assert "You come from 2 different teams" in texts
    assert "Ana and Cy last met on 12 January 2026" in texts
    everyone = group_common_ground(people[:3], on=NOW)
    assert "You all like coffee" in [r.text for r in everyone]
    assert everyone[-1].text == "None of you have been matched together before"
    shared = next(r for r in reasons if r.kind == "shared_interests" and "rust" in r.topics)
    assert shared.members == ("a", "b") and not shared.everyone


def test_many_topics_are_summarised():
    many = frozenset({"a1", "a2", "a3", "a4", "a5"})
    texts = [r.text for r in common_ground(P("x", *many), P("y", *many), on=NOW)]
    assert texts[0] == "You both like a1, a2, a3 and 2 more"


def test_match_result_reasons_in_groups_of_three():
    people = [P(f"U{i}", "coffee", TOPICS[i % 4]) for i in range(9)]
    result = match(people, [], opts(group_size=3))
    for group in result.groups:
        kinds = {r.kind for r in group.reasons}
        assert "shared_interests" in kinds and "first_meeting" in kinds
        assert all(r.text for r in group.reasons)


def test_rare_interests_are_named_first_in_reasons():
    people = [P("a", "coffee", "bouldering"), P("b", "coffee", "bouldering")]
    people += [P(f"c{i}", "coffee") for i in range(6)]
    result = match(people, [], opts())
    group = next(g for g in result.groups if "a" in g.members)
    assert group.reasons[0].text == "You both like bouldering and coffee"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=people_st, size=st.sampled_from([2, 3, 4]), seed=st.integers(0, 5))
def test_never_far_below_the_upper_bound(raw, size, seed):
    people = build_people(raw)
    # Without history or the cannot-meet penalty every affinity is >= 0 (and, with hours
    # worth 3 points as before issue 11, rarely 0: the floors below were set for that).
    weights = Weights(cannot_meet=0.0, hours_overlap=3.0, full_overlap_hours=8.0)
    result = match(people, [], opts(group_size=size, seed=seed), weights)
    if len(people) < 2:
        return
    # Pairs have the assignment bound, which odd
    # cycles loosen on tiny rounds (on real-sized ones see the rustworkx test: >= 98%);
    # groups have the looser "best partners" bound.
    floor = 0.7 if size == 2 else 0.5
    assert result.total_score >= floor * result.upper_bound - 1e-3
