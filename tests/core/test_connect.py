"""bot.core.connect: fuzzy topic matching, people search, intro checks, nudge choice."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import connect as rules
from bot.core.connect import (
    DEFAULT_AFTER_DAYS,
    EXACT,
    MAX_REASON,
    PART_OF_WORD,
    WORDS_INSIDE,
    Encounter,
    Searchable,
    canonical_topic,
    check_intro,
    choose_reconnect,
    nudge_due,
    parse_query,
    rank_suggestions,
    render_reason,
    search_people,
    topic_match,
)
from bot.core.matching import Participant
from bot.core.text import key_of
from bot.errors import InvalidInputError

# --- topic matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "topic"),
    [
        ("ML", "machine learning"),
        ("machine learning", "ML"),
        ("k8s", "Kubernetes"),
        ("kubernetes", "k8s"),
        ("KUBE", "kubernetes"),
        ("js", "JavaScript"),
        ("javascript", "JS"),
        ("ts", "typescript"),
        ("Board Game", "board games"),
        ("board games", "board game"),
        ("sci fi", "Sci-Fi"),
        ("science fiction", "scifi"),
        ("postgres", "PostgreSQL"),
        ("bike", "cycling"),
        ("  Machine   LEARNING ", "machine learning"),
        ("puppies", "puppy"),
        ("Café", "café"),
    ],
)
def test_same_topic_or_alias_is_an_exact_match(phrase: str, topic: str) -> None:
    assert topic_match(phrase, topic) == EXACT


@pytest.mark.parametrize(
    ("phrase", "topic"),
    [
        ("learning", "machine learning"),
        ("kubernetes", "kubernetes operators"),
        ("ml", "ML ops"),
        ("machine learning", "ml ops"),  # an alias of a word inside the topic
        ("k8s", "kubernetes upgrades"),
        ("game", "board games"),
    ],
)
def test_words_inside_a_longer_topic_match_strongly(phrase: str, topic: str) -> None:
    assert topic_match(phrase, topic) == WORDS_INSIDE


@pytest.mark.parametrize(
    ("phrase", "topic"),
    [("garden", "gardening"), ("photo", "photographers"), ("climb", "climbers")],
)
def test_the_start_of_a_word_matches_weakly(phrase: str, topic: str) -> None:
    assert topic_match(phrase, topic) == PART_OF_WORD


@pytest.mark.parametrize(
    ("phrase", "topic"),
    [
        ("ml", "html"),  # too short to count as part of a word
        ("js", "json"),
        ("rust", "trust issues"),  # only the start of a word counts
        ("java", "kotlin"),
        ("chess", "cooking"),
        ("", "anything"),
        ("go", "golang"),  # "go" is deliberately not an alias (the board game)
    ],
)
def test_unrelated_or_too_short_pieces_do_not_match(phrase: str, topic: str) -> None:
    assert topic_match(phrase, topic) == 0.0


def test_canonical_topic_uses_the_usual_name() -> None:
    assert canonical_topic("ML") == "machine learning"
    assert canonical_topic("k8s") == "kubernetes"
    assert canonical_topic("bouldering") == "bouldering"


@given(st.text(max_size=60), st.text(max_size=60))
def test_topic_match_is_bounded_and_total(phrase: str, topic: str) -> None:
    assert 0.0 <= topic_match(phrase, topic) <= 1.0


@given(st.text(min_size=1, max_size=40))
def test_a_topic_always_matches_itself(topic: str) -> None:
    if key_of(topic):
        assert topic_match(topic, topic) == EXACT


# --- search -------------------------------------------------------------------------------

PEOPLE = [
    Searchable("U1", ("machine learning", "rust"), ("kubernetes",), "I love K8s and hiking", "ana"),
    Searchable("U2", ("rust",), (), "", "bo"),
    Searchable("U3", ("cooking",), (), "Kubernetes operator by day, sci-fi reader", "cy"),
    Searchable("U4", ("ml",), (), "", "dee"),
    Searchable("U5", ("gardening",), (), "", "eve"),
]


def ids(hits: list) -> list[str]:
    return [h.user_id for h in hits]


def test_search_finds_aliases_and_ranks_topics_above_bios() -> None:
    assert ids(search_people("kubernetes", PEOPLE)) == ["U1", "U3"]
    assert ids(search_people("ML", PEOPLE)) == ["U1", "U4"]  # tie broken by name


def test_search_reports_where_it_matched() -> None:
    hit = search_people("kubernetes", PEOPLE)[0]
    assert {(f.field, f.topic) for f in hit.found} == {("can_help", "kubernetes"), ("bio", "K8s")}
    bio_hit = search_people("science fiction", PEOPLE)[0]
    assert bio_hit.user_id == "U3" and bio_hit.found[0].topic == "sci-fi"


def test_several_words_rank_people_with_more_of_them_first() -> None:
    hits = search_people("rust kubernetes", PEOPLE)
    assert ids(hits)[:2] == ["U1", "U2"]
    assert hits[0].score > hits[1].score


def test_comma_separated_phrases_add_up() -> None:
    hits = search_people("k8s, rust", PEOPLE)
    assert ids(hits) == ["U1", "U2", "U3"]
    assert hits[0].score == pytest.approx(2.0)


def test_multiword_phrase_prefers_the_whole_topic() -> None:
    people = [
        Searchable("A", ("machine vision",), name="a"),
        Searchable("B", ("machine learning",), name="b"),
    ]
    hits = search_people("machine learning", people)
    assert ids(hits) == ["B", "A"]
    assert hits[0].score == EXACT


def test_weak_matches_are_dropped_and_empty_queries_find_nobody() -> None:
    assert search_people("", PEOPLE) == []
    assert search_people(" , ; ", PEOPLE) == []
    assert search_people("zzz", PEOPLE) == []
    assert ids(search_people("garden", PEOPLE)) == ["U5"]


def test_stopwords_do_not_match_on_their_own() -> None:
    people = [Searchable("A", ("the office",), name="a"), Searchable("B", ("rust",), name="b")]
    assert ids(search_people("people for rust", people)) == ["B"]


def test_parse_query_dedupes_and_caps_phrases() -> None:
    assert [p.text for p in parse_query("Rust, rust ; Go")] == ["Rust", "Go"]
    assert len(parse_query(",".join(f"topic{i}" for i in range(30)))) == 10


def test_search_limit() -> None:
    many = [Searchable(f"U{i:03d}", ("rust",), name=f"n{i:03d}") for i in range(40)]
    hits = search_people("rust", many, limit=10)
    assert ids(hits) == [f"U{i:03d}" for i in range(10)]


# --- introductions ------------------------------------------------------------------------


def test_check_intro_accepts_two_other_people_and_trims_the_reason() -> None:
    assert check_intro("U0", "U1", "U2", "  both climb \x07 ") == "both climb"
    assert check_intro("U0", "U1", "U2", "") == ""
    assert check_intro("U0", "U1", "U2", "x" * MAX_REASON) == "x" * MAX_REASON


@pytest.mark.parametrize(
    ("introducer", "a", "b", "reason", "needle"),
    [
        ("U0", "U0", "U1", "", "don't need an introduction"),
        ("U0", "U1", "U0", "", "don't need an introduction"),
        ("U0", "U1", "U1", "", "same person twice"),
        ("U0", "U0", "U0", "", "named yourself twice"),
        ("U0", "U1", "U2", "x" * (MAX_REASON + 1), "1001 characters"),
    ],
)
def test_check_intro_refuses_with_a_friendly_correction(
    introducer: str, a: str, b: str, reason: str, needle: str
) -> None:
    with pytest.raises(InvalidInputError, match=needle):
        check_intro(introducer, a, b, reason)


@pytest.mark.parametrize(
    ("raw", "rendered"),
    [
        ("plain words", "plain words"),
        ("a <b> & c", "a &lt;b&gt; &amp; c"),
        ("a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"),  # Slack's own escaping, not doubled
        ("hey <!channel>", "hey @channel"),
        ("<!here> and <!everyone>", "@here and @everyone"),
        ("<!subteam^S123|@devs> look", "@devs look"),
        ("ask <@U123|ana>", "ask <@U123>"),
        ("in <#C123|general>", "in <#C123>"),
        ("<https://x.example/a?b=1&c=2>", "https://x.example/a?b=1&amp;c=2"),
        ("<https://x.example|site>", "site (https://x.example)"),
        ("<javascript:alert(1)|click>", "&lt;javascript:alert(1)|click&gt;"),
        ("<foo", "&lt;foo"),
        ("日本語 ✓", "日本語 ✓"),
    ],
)
def test_render_reason_never_pings_a_crowd_and_escapes_the_rest(raw: str, rendered: str) -> None:
    assert render_reason(raw) == rendered


@given(st.text(max_size=200))
def test_render_reason_leaves_no_special_mention(raw: str) -> None:
    rendered = render_reason(raw)
    assert "<!" not in rendered
    # Every remaining "<" opens a user mention or a channel link.
    for piece in rendered.split("<")[1:]:
        assert piece.startswith(("@U", "@W", "#C", "#G"))


# --- reconnect ----------------------------------------------------------------------------

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_nudge_due_after_the_gap() -> None:
    assert nudge_due(None, NOW)
    assert not nudge_due(ago(20), NOW)
    assert nudge_due(ago(21), NOW)


def test_choose_prefers_someone_they_met_over_a_mere_match() -> None:
    encounters = [Encounter("A", ago(200)), Encounter("B", ago(100), met=True)]
    assert choose_reconnect(encounters, now=NOW, after_days=DEFAULT_AFTER_DAYS) == "B"


def test_any_match_counts_when_none_was_met() -> None:
    encounters = [Encounter("A", ago(200)), Encounter("B", ago(120))]
    assert choose_reconnect(encounters, now=NOW, after_days=90) == "B"  # the more recent one


def test_only_people_last_seen_long_enough_ago() -> None:
    encounters = [Encounter("A", ago(200), met=True), Encounter("A", ago(10))]
    assert choose_reconnect(encounters, now=NOW, after_days=90) is None
    assert choose_reconnect([Encounter("B", ago(89))], now=NOW, after_days=90) is None
    assert choose_reconnect([Encounter("B", ago(90))], now=NOW, after_days=90) == "B"


def test_never_the_same_person_twice_in_a_row() -> None:
    encounters = [Encounter("A", ago(200), met=True), Encounter("B", ago(150), met=True)]
    assert choose_reconnect(encounters, now=NOW, after_days=90, last_nudged="B") == "A"
    only = [Encounter("A", ago(200), met=True)]
    assert choose_reconnect(only, now=NOW, after_days=90, last_nudged="A") is None


def test_never_someone_unavailable() -> None:
    encounters = [Encounter("A", ago(200), met=True), Encounter("B", ago(150))]
    assert choose_reconnect(encounters, now=NOW, after_days=90, unavailable={"A"}) == "B"
    assert choose_reconnect(encounters, now=NOW, after_days=90, unavailable={"A", "B"}) is None


def test_people_never_nudged_about_come_before_the_longest_ago() -> None:
    encounters = [Encounter(x, ago(200), met=True) for x in ("A", "B", "C")]
    nudged = {"A": ago(30), "B": ago(60)}
    assert choose_reconnect(encounters, now=NOW, after_days=90, nudged_at=nudged) == "C"
    nudged["C"] = ago(10)
    assert choose_reconnect(encounters, now=NOW, after_days=90, nudged_at=nudged) == "B"


@given(
    st.lists(st.tuples(st.sampled_from("ABCDE"), st.integers(0, 400), st.booleans()), max_size=12),
    st.sampled_from([None, "A", "B"]),
    st.sets(st.sampled_from("ABCDE")),
    st.integers(14, 365),
)
def test_choice_always_respects_the_rules(
    rows: list[tuple[str, int, bool]], last: str | None, unavailable: set[str], after: int
) -> None:
    encounters = [Encounter(o, ago(d), m) for o, d, m in rows]
    chosen = choose_reconnect(
        encounters, now=NOW, after_days=after, last_nudged=last, unavailable=unavailable
    )
    if chosen is None:
        return
    assert chosen != last and chosen not in unavailable
    latest = max(e.at for e in encounters if e.other == chosen)
    assert latest <= ago(after)


# --- suggestions --------------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def person(user_id: str, *interests: str, learn: tuple[str, ...] = ()) -> Participant:
    return Participant(id=user_id, interests=frozenset(interests), wants_to_learn=frozenset(learn))


def test_suggestions_rank_by_affinity_best_first() -> None:
    me = person("U1", "chess", "rust", learn=("go",))
    others = [person("U2", "knitting"), person("U3", "chess", "rust"), person("U4", "chess")]
    ranked = [p.id for p in rank_suggestions(me, others, NOW)]
    assert ranked == ["U3", "U4", "U2"]
    assert rank_suggestions(me, [], NOW) == []


def test_a_big_pool_keeps_the_people_with_most_topics_in_common(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "MAX_SUGGESTION_POOL", 2)
    me = person("U1", "chess", "rust")
    others = [person("U2", "knitting"), person("U3", "chess"), person("U4", "chess", "rust")]
    assert [p.id for p in rank_suggestions(me, others, NOW)] == ["U4", "U3"]
