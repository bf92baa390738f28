"""Answer search, the pure part: terms, stemming, weights, ranking, pruning, excerpts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import search
from bot.core.search import (
    MAX_REACTION_BONUS,
    MAX_TERM_WEIGHT,
    Candidate,
    TopicFinder,
    certified,
    excerpt,
    idf,
    plain_excerpt,
    query_terms,
    rank,
    reaction_bonus,
    search_passes,
    term_weights,
)
from bot.core.text import analyze


def test_query_terms_are_distinct_and_capped() -> None:
    assert query_terms("Kubernetes kubernetes upgrades") == ["kubernet", "upgrad"]
    many = " ".join(f"word{i}" for i in range(30))
    assert len(query_terms(many)) == search.MAX_QUERY_TERMS


def test_term_weights_saturate_and_favour_short_answers_and_topics() -> None:
    once = term_weights("kubernetes tips")["kubernet"]
    thrice = term_weights("kubernetes kubernetes kubernetes tips")["kubernet"]
    assert once < thrice < search.K1 + 1  # repeated words count, but less and less
    long = term_weights("kubernetes " + " ".join(f"filler{i}" for i in range(80)))["kubernet"]
    assert long < once  # one mention in a long answer weighs less than in a short one
    with_topic = term_weights("kubernetes tips", "Kubernetes")["kubernet"]
    assert with_topic == pytest.approx(once + search.TOPIC_BOOST, abs=1e-3)
    assert term_weights("", "ops") == {"ops": search.TOPIC_BOOST}


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=600), st.text(max_size=60))
def test_weights_never_exceed_the_bound_pruning_relies_on(text: str, topic: str) -> None:
    weights = term_weights(text, topic)
    assert len(weights) <= search.MAX_TERMS_PER_ANSWER
    for term, weight in weights.items():
        assert 0 < weight <= MAX_TERM_WEIGHT
        assert 2 <= len(term) <= 40


def test_idf_favours_rare_terms_and_is_never_negative() -> None:
    assert idf(1000, 1) > idf(1000, 100) > idf(1000, 1000) > 0
    assert idf(1, 1) > 0


def test_rank_adds_a_small_reaction_bonus_and_breaks_ties_by_recency() -> None:
    a = Candidate(1, 2.0, 0, 100.0)
    b = Candidate(2, 1.9, 5, 50.0)  # fewer words matched, but well liked
    c = Candidate(3, 2.0, 0, 200.0)  # as good as a, but newer
    assert [x.answer_id for x in rank([a, b, c], 3)] == [2, 3, 1]
    assert rank([a, b, c], 1) == [b]
    assert reaction_bonus(0) == 0 and reaction_bonus(-3) == 0
    assert reaction_bonus(10**9) == MAX_REACTION_BONUS
    assert reaction_bonus(3) == pytest.approx(search.REACTION_WEIGHT * math.log(4))


def test_search_passes_read_rare_terms_first_when_it_pays() -> None:
    frequencies = {"common": 40_000, "rare": 12, "mid": 9_000}
    assert search_passes(frequencies) == [["rare"], ["rare", "mid", "common"]]
    assert search_passes({"a": 3, "b": 5}) == [["a", "b"]]  # all rare: one pass
    # Reading the rare term's answers would cost as much as everything: go straight there.
    assert search_passes({"x": 4_000, "y": 6_000}) == [["x", "y"]]
    assert search_passes({"x": 9_000, "y": 60_000}) == [["x"], ["x", "y"]]


def test_certified_only_when_no_skipped_answer_can_reach_the_top() -> None:
    strong = [Candidate(i, 20.0, 0, 0.0) for i in range(5)]
    weak = [Candidate(i, 1.0, 0, 0.0) for i in range(5)]
    assert certified(strong, 5, [0.5, 0.4])
    assert not certified(weak, 5, [0.5, 0.4])
    assert not certified(strong[:3], 5, [0.5])  # too few candidates to fill the page
    assert certified(weak[:1], 5, [])  # nothing was skipped


def test_excerpt_centres_on_the_matched_words_and_bolds_them() -> None:
    text = (
        "Intro words. " * 30
        + "To upgrade Kubernetes, drain the nodes <first> & wait."
        + " Outro." * 40
    )
    shown = excerpt(text, query_terms("kubernetes upgrades"), width=120)
    assert "*upgrade* *Kubernetes*" in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert "&lt;first&gt; &amp;" in shown and "<first>" not in shown
    assert len(shown) < 200
    assert excerpt("short one", ["nothing"]) == "short one"


def test_plain_excerpt_cuts_on_a_word_and_escapes() -> None:
    assert plain_excerpt("a <b> & c") == "a &lt;b&gt; &amp; c"
    cut = plain_excerpt("word " * 100, 40)
    assert cut.endswith("…") and len(cut) <= 41 and "  " not in cut


def test_topic_finder_matches_whole_topic_names() -> None:
    finder = TopicFinder(["python", "board games", "machine learning", "the"])
    terms = set(analyze("I love board games, and I code Python for machine-learning jobs"))
    assert finder.topics_in(terms) == {"python", "board games", "machine learning"}
    assert finder.topics_in(set(analyze("a board meeting"))) == set()
    assert finder.topics_in(set()) == set()
