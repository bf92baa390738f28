"""Answer search, the pure part: words to index terms, term weights, ranking, excerpts.

Text is turned into *terms* by `bot.core.text.analyze`: Slack markup is removed (mentions
dropped, links reduced to their label), words are case-folded and stripped of accents,
common English words are dropped, and a light stemmer maps "upgrades", "upgrading" and
"upgraded" to one term. Compound words such as `node.js` or `follow-up` are indexed whole
and by their parts.

Each answer stores one weight per term (BM25's saturated term frequency with a length
norm computed at index time), so a search is a sum over an inverted index:
score = Σ weight(term, answer) × idf(term), plus a small bonus for reactions; newer answers
win ties. The SQL that runs this lives in `storage/repositories/answers.py`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.blocks import escape
from bot.core.text import WORD, analyze, defuse, one_line

K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 30.0  # terms in a typical answer; the length norm is fixed at index time
TOPIC_BOOST = 1.5  # added to the weight of terms in an answer's topic
MAX_TERMS_PER_ANSWER = 300
MAX_TERM_WEIGHT = K1 + 1 + TOPIC_BOOST + 0.001  # no stored weight is larger (4 decimals kept)
RARE_POSTINGS = 5000  # terms this rare are always read first (see `search_passes`)
MAX_QUERY_TERMS = 12
REACTION_WEIGHT = 0.25
MAX_REACTION_BONUS = 1.0


def term_weights(text: str, topic: str = "") -> dict[str, float]:
    """Index weights of an answer's terms: BM25 term-frequency saturation, length-normed."""
    terms = analyze(text)
    counts = Counter(terms)
    norm = K1 * (1 - B + B * len(terms) / AVERAGE_LENGTH)
    weights = {term: count * (K1 + 1) / (count + norm) for term, count in counts.items()}
    for term in set(analyze(topic)):
        weights[term] = weights.get(term, 0.0) + TOPIC_BOOST
    if len(weights) > MAX_TERMS_PER_ANSWER:
        kept = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        weights = dict(kept[:MAX_TERMS_PER_ANSWER])
    return {term: round(weight, 4) for term, weight in weights.items()}


def query_terms(text: str) -> list[str]:
    """The distinct terms of a search, in the order typed (at most `MAX_QUERY_TERMS`)."""
    return list(dict.fromkeys(analyze(text)))[:MAX_QUERY_TERMS]


def idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency: rare terms count more; never negative."""
    return math.log(1.0 + (total - frequency + 0.5) / (frequency + 0.5))


def reaction_bonus(reactions: int) -> float:
    return min(MAX_REACTION_BONUS, REACTION_WEIGHT * math.log1p(max(0, reactions)))


@dataclass(frozen=True)
class Candidate:
    """An answer matched by words: its text score and what breaks ties."""

    answer_id: int
    text_score: float
    reactions: int
    created: float  # POSIX seconds

    @property
    def score(self) -> float:
        return self.text_score + reaction_bonus(self.reactions)


def rank(candidates: Iterable[Candidate], limit: int) -> list[Candidate]:
    """Best first: words plus the reaction bonus; newer first on equal scores."""
    ordered = sorted(candidates, key=lambda c: (-round(c.score, 9), -c.created, -c.answer_id))
    return ordered[:limit]


def search_passes(frequencies: Mapping[str, int], rare: int | None = None) -> list[list[str]]:
    """The *essential* terms to read answers from, pass after pass (MaxScore-style pruning).

    A pass reads only the answers that contain one of its terms and scores them on every
    query term (one primary-key lookup per answer and term); the last pass reads every
    term's postings. The first pass is the rarest term and every term with at most `rare`
    answers, and is tried only when it reads far fewer rows than the full pass would.
    Whether a pass can end the search is `certified`.
    """
    limit = RARE_POSTINGS if rare is None else rare
    everything = sorted(frequencies, key=lambda term: (frequencies[term], term))
    first = [t for t in everything if frequencies[t] <= limit] or everything[:1]
    if len(first) == len(everything):
        return [everything]
    lookups = sum(frequencies[t] for t in first) * len(everything)
    if 2 * lookups >= sum(frequencies.values()):
        return [everything]
    return [first, everything]


def certified(ranked: list[Candidate], limit: int, skipped_idfs: Iterable[float]) -> bool:
    """True when no answer outside a pass's candidates can enter the `ranked` top `limit`.

    An answer containing none of the pass's terms scores at most the sum over the other
    terms of idf × the largest possible weight, plus the largest reaction bonus.
    """
    bound = sum(value * MAX_TERM_WEIGHT for value in skipped_idfs)
    if bound == 0.0:
        return True
    return len(ranked) >= limit and ranked[limit - 1].score > bound + MAX_REACTION_BONUS


# --- excerpts ------------------------------------------------------------------------------


def excerpt(text: str, terms: Iterable[str], width: int = 240) -> str:
    """A mrkdwn excerpt of `text` around the words matching `terms`, those words in bold.

    `text` is plain (see `bot.core.text.defuse`); the excerpt is escaped here.
    """
    wanted = set(terms)
    flat = one_line(text)
    words = list(WORD.finditer(flat))
    hits = [w for w in words if wanted.intersection(analyze(w.group(0)))]
    start = 0
    if hits and len(flat) > width:
        best, best_count = hits[0].start(), 0
        for hit in hits:
            begin = max(0, hit.start() - width // 5)
            found = {h.group(0).casefold() for h in hits if begin <= h.start() < begin + width}
            if len(found) > best_count:
                best, best_count = begin, len(found)
        start = best
        if start > 0:
            space = flat.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    pieces: list[str] = []
    cursor = start
    for hit in hits:
        if hit.start() < start or hit.end() > end:
            continue
        pieces.append(escape(flat[cursor : hit.start()]))
        pieces.append(f"*{escape(hit.group(0))}*")
        cursor = hit.end()
    pieces.append(escape(flat[cursor:end]))
    body = "".join(pieces)
    return ("…" if start > 0 else "") + body + ("…" if end < len(flat) else "")


def plain_excerpt(text: str, width: int = 160) -> str:
    """The start of `text` on one line, escaped for mrkdwn."""
    flat = one_line(text)
    if len(flat) <= width:
        return escape(flat)
    cut = flat.rfind(" ", 0, width)
    return escape(flat[: cut if cut > width // 2 else width]) + "…"


def readable(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack message text as plain words for excerpts (never pings; see `defuse`)."""
    return defuse(text, names)


# --- topics for matching -------------------------------------------------------------------


class TopicFinder:
    """Finds known topic names (e.g. "python", "board games") among an answer's terms.

    A name is found when every one of its terms is among the answer's terms. Names are
    indexed by their rarest-looking (longest) term, so each answer costs one dictionary
    lookup per term, however many topics the workspace knows.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._by_term: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for name in names:
            needed = frozenset(analyze(name))
            if needed:
                key = max(needed, key=lambda t: (len(t), t))
                self._by_term.setdefault(key, []).append((name, needed))

    def topics_in(self, terms: set[str]) -> set[str]:
        found: set[str] = set()
        for term in terms:
            for name, needed in self._by_term.get(term, ()):
                if needed <= terms:
                    found.add(name)
        return found
