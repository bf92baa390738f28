"""Connect's pure rules: fuzzy search of people by topic, intro checks, reconnect choice.

Search: a query is split on commas into phrases ("ml, kubernetes"). Each phrase is compared
with a person's interests, can-help-with topics and bio, forgiving case, plurals
("board game" finds "board games"), punctuation ("sci-fi" / "sci fi"), well-known aliases
("ML" finds "machine learning" and back, "k8s" <-> "kubernetes", "js" -> "javascript") and
words inside longer topics ("learning" finds "machine learning"). A phrase of several words
that matches no topic as a whole is scored word by word, so "rust kubernetes" ranks people
who have both above people who have one.

Introductions: `check_intro` refuses self-introductions, the same person twice and over-long
reasons; `render_reason` turns the introducer's words into mrkdwn that can mention people
but never pings a channel (`<!channel>`, `<!here>`, user groups).

Suggestions: `rank_suggestions` orders people by the matching core's affinity with the asker.

Reconnect nudges: `choose_reconnect` picks whom to remind a member of, `nudge_due` says
whether it is time to nudge them again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.core.blocks import escape
from bot.core.matching import MatchOptions, Participant, affinity_matrix
from bot.core.text import (
    PERSON_WORDS,
    STOPWORDS,
    key_of,
    strip_controls,
    unescape_entities,
    words_with_originals,
)
from bot.errors import InvalidInputError

# --- aliases --------------------------------------------------------------------

#: Groups of spellings that mean the same topic. Matching is symmetric within a group.
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("machine learning", "ml"),
    ("artificial intelligence", "ai"),
    ("deep learning", "dl"),
    ("large language models", "llm", "llms"),
    ("natural language processing", "nlp"),
    ("kubernetes", "k8s", "kube"),
    ("javascript", "js", "ecmascript"),
    ("typescript", "ts"),
    ("python", "py"),
    ("golang", "go lang"),
    ("rust", "rustlang"),
    ("c++", "cpp"),
    ("c#", "csharp", "c sharp"),
    ("node.js", "nodejs", "node"),
    ("react", "reactjs", "react.js"),
    ("postgresql", "postgres", "psql"),
    ("database", "databases", "db"),
    ("amazon web services", "aws"),
    ("google cloud platform", "gcp", "google cloud"),
    ("continuous integration", "ci", "ci/cd"),
    ("site reliability engineering", "sre"),
    ("infrastructure as code", "iac"),
    ("devops", "dev ops"),
    ("user experience", "ux"),
    ("user interface", "ui"),
    ("search engine optimization", "seo", "search engine optimisation"),
    ("accessibility", "a11y"),
    ("internationalization", "i18n", "internationalisation"),
    ("localization", "l10n", "localisation"),
    ("product management", "pm"),
    ("science fiction", "sci-fi", "scifi"),
    ("board games", "boardgames", "tabletop games"),
    ("video games", "videogames", "gaming"),
    ("photography", "photo"),
    ("cycling", "biking", "bike"),
    ("mathematics", "math", "maths"),
    ("statistics", "stats"),
)


def _alias_index(groups: Iterable[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    index: dict[str, frozenset[str]] = {}
    for group in groups:
        keys = frozenset(key_of(spelling) for spelling in group)
        for key in keys:
            index[key] = index.get(key, frozenset()) | keys
    return index


ALIASES = _alias_index(ALIAS_GROUPS)


_CANONICAL = {key_of(spelling): group[0] for group in ALIAS_GROUPS for spelling in group}


def canonical_topic(name: str) -> str:
    """The usual name of a topic that has aliases ("ML" -> "machine learning"), else `name`.

    Used before computing common ground, so "ml" and "machine learning" count as shared.
    """
    return _CANONICAL.get(key_of(name), name)


def expand(key: str) -> frozenset[str]:
    """`key` and every alias of it."""
    return ALIASES.get(key, frozenset()) | {key}


# --- matching a phrase against a topic or a bio -------------------------------------------

EXACT = 1.0  # the same topic, or an alias of it
WORDS_INSIDE = 0.8  # whole words inside a longer topic: "learning" in "machine learning"
PART_OF_WORD = 0.5  # the start of a word: "garden" in "gardening"
MIN_PART = 4  # shorter starts ("js" of "json") never count


def topic_match(phrase: str, topic: str) -> float:
    """How well a searched phrase matches one topic (0 = not at all, 1 = the same topic)."""
    return _topic_match(expand(key_of(phrase)), _key_cached(topic))


@lru_cache(maxsize=16384)
def _key_cached(topic: str) -> str:
    return key_of(topic)


@lru_cache(maxsize=16384)
def _topic_info(topic_key: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """A topic's words, its own aliases, and the aliases of its proper pieces."""
    words = tuple(topic_key.split(" "))
    pieces: set[str] = set()
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            piece = " ".join(words[i:j])
            if piece != topic_key:
                pieces |= expand(piece)
    return words, expand(topic_key), frozenset(pieces)


@lru_cache(maxsize=65536)
def _topic_match(variants: frozenset[str], topic_key: str) -> float:
    if not topic_key:
        return 0.0
    topic_words, topic_variants, piece_variants = _topic_info(topic_key)
    if variants & topic_variants:
        return EXACT
    if variants & piece_variants:
        # Words inside the topic, or an alias of them: "ml" for "ml ops" or "machine
        # learning ops".
        return WORDS_INSIDE
    for variant in variants:
        if len(variant) >= MIN_PART and " " not in variant:
            if any(word.startswith(variant) for word in topic_words):
                return PART_OF_WORD
    return 0.0


def _text_match(
    variants: frozenset[str], text_words: Sequence[tuple[str, str]]
) -> tuple[float, str]:
    """How well a phrase matches free text (a bio), and the words there that matched."""
    words = [word for word, _ in text_words]
    best, spelling = 0.0, ""
    for variant in sorted(variants):
        if not variant:
            continue
        parts = variant.split(" ")
        n = len(parts)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == parts:
                return EXACT, " ".join(dict.fromkeys(o for _, o in text_words[i : i + n]))
        if n == 1 and len(variant) >= 5 and not best:
            for word, original in text_words:
                if word.startswith(variant):
                    best, spelling = PART_OF_WORD, original
                    break
    return best, spelling


# --- searching people ---------------------------------------------------------------------

INTEREST = "interest"
CAN_HELP = "can_help"
BIO = "bio"
FIELD_WEIGHTS = {INTEREST: 1.0, CAN_HELP: 1.0, BIO: 0.6}
#: Below this a person is not shown (e.g. only a piece of a word in their bio).
MIN_SCORE = 0.25
#: When a phrase is scored word by word, each word counts this much of its share.
WORD_BY_WORD = 0.9
MAX_PHRASES = 10


@dataclass(frozen=True)
class Searchable:
    """What search looks at for one person."""

    user_id: str
    interests: tuple[str, ...] = ()
    can_help: tuple[str, ...] = ()
    bio: str = ""
    name: str = ""


@dataclass(frozen=True)
class Found:
    """Where a phrase matched: `field` is interest, can_help or bio; `topic` what matched
    (a topic as the person wrote it, or the searched words for a bio)."""

    field: str
    topic: str


@dataclass(frozen=True)
class Hit:
    user_id: str
    score: float
    found: tuple[Found, ...]


@dataclass(frozen=True)
class Phrase:
    text: str
    variants: frozenset[str]
    words: tuple[frozenset[str], ...]  # per-word variants, when the phrase has several words


#: Words of a phrase that are not scored on their own ("someone who knows rust").
_NOT_TOPICS = STOPWORDS | PERSON_WORDS


def parse_query(text: str) -> tuple[Phrase, ...]:
    """Split a search into phrases (commas, semicolons or new lines separate them)."""
    phrases: list[Phrase] = []
    seen: set[str] = set()
    for part in re.split(r"[,;\n]", text):
        key = key_of(part)
        if not key or key in seen:
            continue
        seen.add(key)
        parts = key.split(" ")
        words: tuple[frozenset[str], ...] = ()
        if len(parts) > 1:
            words = tuple(expand(w) for w in parts if w not in _NOT_TOPICS)
        phrases.append(Phrase(part.strip(), expand(key), words))
    return tuple(phrases[:MAX_PHRASES])


def _best_in(
    variants: frozenset[str], person: Searchable, bio_words: Sequence[tuple[str, str]]
) -> tuple[float, list[Found]]:
    best = 0.0
    found: list[Found] = []
    for field, topics in ((INTEREST, person.interests), (CAN_HELP, person.can_help)):
        for topic in topics:
            score = _topic_match(variants, _key_cached(topic)) * FIELD_WEIGHTS[field]
            if score > 0:
                found.append(Found(field, topic))
                best = max(best, score)
    if bio_words:
        match, spelling = _text_match(variants, bio_words)
        score = match * FIELD_WEIGHTS[BIO]
        if score > 0:
            found.append(Found(BIO, spelling))
            best = max(best, score)
    return best, found


def score_person(phrases: Sequence[Phrase], person: Searchable) -> Hit:
    """How well one person matches the search, and where."""
    bio_words = words_with_originals(person.bio) if person.bio else []
    total = 0.0
    found: list[Found] = []
    for phrase in phrases:
        whole, where = _best_in(phrase.variants, person, bio_words)
        if phrase.words and whole < EXACT:
            word_scores = []
            word_found: list[Found] = []
            for variants in phrase.words:
                score, at = _best_in(variants, person, bio_words)
                word_scores.append(score)
                word_found.extend(at)
            by_word = WORD_BY_WORD * sum(word_scores) / len(word_scores)
            if by_word > whole:
                whole, where = by_word, word_found
        total += whole
        found.extend(where)
    unique = tuple(dict.fromkeys(found))
    return Hit(person.user_id, round(total, 6), unique)


def search_people(query: str, people: Sequence[Searchable], limit: int = 10) -> list[Hit]:
    """People matching `query`, best first (ties: more places matched, then name)."""
    phrases = parse_query(query)
    if not phrases:
        return []
    names = {p.user_id: (p.name or p.user_id).casefold() for p in people}
    hits = [score_person(phrases, person) for person in people]
    hits = [h for h in hits if h.score >= MIN_SCORE]
    hits.sort(key=lambda h: (-h.score, -len(h.found), names[h.user_id], h.user_id))
    return hits[:limit]


# --- suggestions --------------------------------------------------------------------------

#: Suggestions score at most this many candidates with the affinity matrix (the ones with
#: the most topics in common with the asker), so a huge workspace stays quick.
MAX_SUGGESTION_POOL = 1500


def topics_in_common(me: Participant, other: Participant) -> int:
    """Shared interests, plus what one wants to learn that the other can help with."""
    return (
        len(me.interests & other.interests)
        + len(me.wants_to_learn & other.can_help)
        + len(me.can_help & other.wants_to_learn)
    )


def rank_suggestions(
    me: Participant,
    others: Sequence[Participant],
    now: dt.datetime,
) -> list[Participant]:
    """`others` by the matching core's affinity with `me`, best first (ties keep their order).

    Nobody on either's avoid list (`Participant.avoid`) is suggested. Beyond
    `MAX_SUGGESTION_POOL` people, only that many with the most topics in common with `me`
    (ties: by id) are scored; the rest are left out.
    """
    pool = [p for p in others if p.id not in me.avoid and me.id not in p.avoid]
    if len(pool) > MAX_SUGGESTION_POOL:
        pool.sort(key=lambda p: (-topics_in_common(me, p), p.id))
        pool = pool[:MAX_SUGGESTION_POOL]
    if not pool:
        return []
    scores = affinity_matrix([me, *pool], [], MatchOptions(now=now))[0, 1:]
    return [pool[int(index)] for index in np.argsort(-scores, kind="stable")]


# --- introductions ------------------------------------------------------------------------

MAX_REASON = 1000
_ANGLE = re.compile(r"<([^<>\n]*)>")
_USER = re.compile(r"^@([UW][A-Z0-9]+)(?:\|[^>]*)?$")
_CHANNEL = re.compile(r"^#([CG][A-Z0-9]+)(?:\|([^>]*))?$")
_LINK = re.compile(r"^((?:https?|mailto):[^|\s]+)(?:\|(.*))?$", re.IGNORECASE)


def check_intro(introducer: str, a: str, b: str, reason: str) -> str:
    """Refuse intros that make no sense; return the reason trimmed of control characters."""
    if a == b:
        if a == introducer:
            raise InvalidInputError(
                "You named yourself twice. To introduce two colleagues: "
                "`/mingle intro @ana @bo why they should meet`."
            )
        raise InvalidInputError(
            "You named the same person twice: an introduction needs two different people. "
            "Try `/mingle intro @ana @bo why they should meet`."
        )
    if introducer in (a, b):
        raise InvalidInputError(
            "You don't need an introduction to meet someone yourself: just send them a "
            "message, or use the *Introduce me* button next to them in `/mingle find`. "
            "`/mingle intro` is for introducing two other people."
        )
    return clean_reason(reason)


def clean_reason(reason: str) -> str:
    """The reason trimmed of control characters; refuses one over `MAX_REASON` characters."""
    cleaned = strip_controls(reason)
    if len(cleaned) > MAX_REASON:
        raise InvalidInputError(
            f"That reason is {len(cleaned)} characters long; please keep it to {MAX_REASON} "
            "(a sentence or two is perfect)."
        )
    return cleaned


def render_reason(reason: str) -> str:
    """The introducer's words as safe mrkdwn.

    People mentioned stay mentions (they are named, not pinged, when not in the DM); channel
    references become links; `<!channel>`, `<!here>`, `<!everyone>` and user-group mentions
    become plain text, so an introduction never pings a crowd; links stay readable; every
    other `&`, `<`, `>` is escaped.
    """
    out: list[str] = []
    position = 0
    for token in _ANGLE.finditer(reason):
        out.append(escape(unescape_entities(reason[position : token.start()])))
        out.append(_render_token(token.group(1)))
        position = token.end()
    out.append(escape(unescape_entities(reason[position:])))
    return "".join(out)


def _render_token(inner: str) -> str:
    if user := _USER.match(inner):
        return f"<@{user.group(1)}>"
    if channel := _CHANNEL.match(inner):
        return f"<#{channel.group(1)}>"
    if inner.startswith("!"):
        label = inner[1:].split("|", 1)
        name = label[1] if len(label) > 1 else label[0].split("^", 1)[0]
        return escape("@" + name.lstrip("@"))
    if link := _LINK.match(inner):
        url = escape(link.group(1))
        text = escape(unescape_entities(link.group(2) or ""))
        return f"{text} ({url})" if text and text != url else url
    return escape("<" + unescape_entities(inner) + ">")


# --- reconnect nudges ---------------------------------------------------------------------

#: A member is nudged at most once in this many days.
NUDGE_GAP_DAYS = 21
DEFAULT_AFTER_DAYS = 90


@dataclass(frozen=True)
class Encounter:
    """A time a member was matched with someone: when, and whether they said they met."""

    other: str
    at: dt.datetime
    met: bool = False


def nudge_due(
    last_nudge_at: dt.datetime | None, now: dt.datetime, gap_days: int = NUDGE_GAP_DAYS
) -> bool:
    """True when the member has not been nudged in the last `gap_days` days."""
    return last_nudge_at is None or now - last_nudge_at >= dt.timedelta(days=gap_days)


def choose_reconnect(
    encounters: Iterable[Encounter],
    *,
    now: dt.datetime,
    after_days: int,
    last_nudged: str | None = None,
    nudged_at: Mapping[str, dt.datetime] | None = None,
    unavailable: Set[str] = frozenset(),
) -> str | None:
    """Whom to remind a member of, or None.

    Candidates are people whose latest match with the member is at least `after_days` old,
    who are still around (not in `unavailable`) and who were not the last nudge (never the
    same person twice in a row). People they confirmed meeting come first, then anyone they
    were matched with; among those, someone never nudged about before, else the one nudged
    about longest ago; then the more recent match; then the id, for a stable choice.
    """
    nudged_at = nudged_at or {}
    latest: dict[str, dt.datetime] = {}
    met: set[str] = set()
    for encounter in encounters:
        if encounter.at > latest.get(encounter.other, dt.datetime.min.replace(tzinfo=dt.UTC)):
            latest[encounter.other] = encounter.at
        if encounter.met:
            met.add(encounter.other)
    cutoff = now - dt.timedelta(days=after_days)
    eligible = [
        other
        for other, at in latest.items()
        if at <= cutoff and other not in unavailable and other != last_nudged
    ]
    if not eligible:
        return None
    pool = [other for other in eligible if other in met] or eligible
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)

    def order(other: str) -> tuple[bool, dt.datetime, float, str]:
        previous = nudged_at.get(other)
        return (
            previous is not None,
            previous or oldest,
            -latest[other].timestamp(),
            other,
        )

    return min(pool, key=order)
