"""bot.core.text: the one place text is cleaned, normalised and split into words."""

from __future__ import annotations

import pytest

from bot.core.connect import parse_query
from bot.core.text import (
    PERSON_WORDS,
    STOPWORDS,
    analyze,
    defuse,
    fold,
    key_of,
    normalize_interest,
    one_line,
    stem,
    strip_controls,
    unescape_entities,
    words_with_originals,
)

# --- free text -----------------------------------------------------------------------------


def test_strip_controls_keeps_tabs_and_new_lines() -> None:
    assert strip_controls("  a\x00b\x07c\td\ne\x7f  ") == "abc\td\ne"


def test_one_line_and_entities() -> None:
    assert one_line("  What   did you\nlearn? ") == "What did you learn?"
    assert unescape_entities("R&amp;D &lt;b&gt;") == "R&D <b>"
    assert defuse("<!here> &amp; <@U1|ana>") == "@here & @ana"


# --- topic names (stored: these must never change) -----------------------------------------


def test_normalize_interest_nfc() -> None:
    assert normalize_interest("Cafe\u0301") == normalize_interest("Café")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Machine   LEARNING ", "machine learning"),
        ("Board-Games", "board-games"),
        ("Café ☕", "café ☕"),
        ("C++", "c++"),
        ("R&D", "r&d"),
        ("STRASSE", "strasse"),
    ],
)
def test_topic_names_are_stored_as_always(typed: str, stored: str) -> None:
    assert normalize_interest(typed) == stored


# --- comparable words (people search) ------------------------------------------------------


def test_key_of_normalises_case_punctuation_and_plurals() -> None:
    assert key_of("Board-Games!") == "board game"
    assert key_of("Node.js") == "node.js"
    assert key_of("C++ & C#") == "c++ c#"
    assert key_of("glasses") == "glass"
    assert key_of("chess") == "chess"
    assert key_of("Ana's books") == "ana book"


def test_words_keep_how_they_were_written() -> None:
    assert words_with_originals("Board-Games, (Rust)!") == [
        ("board", "Board-Games"),
        ("game", "Board-Games"),
        ("rust", "Rust"),
    ]


def test_people_search_ignores_stop_words_and_person_words() -> None:
    (phrase,) = parse_query("someone who knows kubernetes")
    assert [sorted(w)[0] for w in phrase.words] == ["know", "k8s"]
    assert {"someone", "people"} <= PERSON_WORDS and not PERSON_WORDS & STOPWORDS


# --- search terms (stored in answer_term) --------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("upgrades", "upgrad"),
        ("upgrading", "upgrad"),
        ("upgraded", "upgrad"),
        ("upgrade", "upgrad"),
        ("queries", "query"),
        ("query", "query"),
        ("running", "run"),
        ("debugging", "debug"),
        ("installing", "install"),
        ("boxes", "box"),
        ("class", "class"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("go", "go"),
        ("k8s", "k8s"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_analyze_drops_markup_stopwords_and_accents_and_splits_compounds() -> None:
    text = (
        "How do I upgrade <https://k8s.io|Kubernetes> clusters? <@U123> <!channel> said: "
        "use node.js & C++ for the follow-up. Café RÉSUMÉ don't"
    )
    terms = analyze(text)
    assert terms[:3] == ["upgrad", "kubernet", "cluster"]
    assert "u123" not in terms and "channel" not in terms  # mentions are not words
    assert {"node.js", "nod", "js", "c++", "follow-up", "follow", "caf", "resum"} <= set(terms)
    assert not {"how", "do", "the", "for", "dont", "up"} & set(terms)
    assert analyze("") == [] and analyze("the and of a") == []


def test_terms_fit_the_index_column() -> None:
    long_word = "x" * 41
    assert analyze(long_word) == []
    assert all(2 <= len(t) <= 40 for t in analyze("a bb " + "y" * 40))


def test_fold_removes_accents_and_case() -> None:
    assert fold("Café RÉSUMÉ") == "cafe resume"


def test_search_keeps_person_words_as_terms() -> None:
    assert analyze("people management") == ["peopl", "management"]
