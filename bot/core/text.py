"""Text rules: every way Mingle cleans, normalises or splits what people type, in one place.

Four forms, each for one purpose (they differ on purpose; do not merge them):

- **Free text** (a bio, a reason, a prompt, an answer topic): `strip_controls`, `one_line`,
  `unescape_entities`, and `defuse` for Slack markup turned into plain words that never ping.
- **Topic names** (`normalize_interest`): how an interest, can-help-with or want-to-learn
  topic is *stored* and compared: NFC, case-folded, whitespace collapsed. Stored data
  depends on it: never change it.
- **Comparable words** (`words_of`, `key_of`): people search (`/mingle find`) and its
  aliases compare a typed phrase with topics and bios word by word: NFKC, case-folded,
  punctuation dropped, a crude singular. Accents stay ("café" is not "cafe"): topics are
  compared as people spelled them.
- **Search terms** (`analyze`, `stem`, `fold`): answer search indexes these in the
  `answer_term` table, so they are stored too: markup removed, accents folded, stop words
  dropped, a light stemmer ("upgrading" -> "upgrad"). Changing them needs a re-index.

`STOPWORDS` is the one list of common English words that carry no topic; people search
also ignores `PERSON_WORDS` ("someone who knows rust").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# --- free text ----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SLACK_TOKEN = re.compile(r"<([^<>]*)>")
_BROADCASTS = ("channel", "here", "everyone")


def strip_controls(text: str) -> str:
    """Control characters removed (tabs and new lines kept), outer whitespace trimmed."""
    return _CONTROL.sub("", text).strip()


def one_line(text: str) -> str:
    """Whitespace runs (new lines too) collapsed to one space, trimmed."""
    return " ".join(text.split())


def unescape_entities(text: str) -> str:
    """Slack sends typed `&`, `<`, `>` as entities; the characters typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def defuse(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack markup turned into plain words that never ping.

    `<!channel>`, `<!here>` and `<!everyone>` become `@channel`…, `<@U123|ana>` becomes
    `@ana` (`<@U123>` becomes `@` and the name `names` gives, else the ID), `<#C1|general>`
    becomes `#general`, `<!subteam^S1|@team>` becomes `@team`, and links keep their label
    (or URL). Slack's escapes (`&lt;`, `&gt;`, `&amp;`) become the characters they stand
    for: the result is plain text, and needs `blocks.escape` again before it goes into mrkdwn.
    """
    known = names or {}

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            if name == "date":
                return label
            if name in _BROADCASTS:
                return "@" + name
            if label:
                return label if label.startswith("@") else "@" + label
            return "@" + name
        if target.startswith("@"):
            return "@" + (label or known.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        return label or target

    return unescape_entities(_SLACK_TOKEN.sub(plain, text))


# --- topic names (stored) -----------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def normalize_interest(text: str) -> str:
    """The canonical key of a topic: NFC, case-folded, whitespace collapsed and trimmed.

    >>> normalize_interest("  Machine   LEARNING ")
    'machine learning'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


# --- stop words ---------------------------------------------------------------------------

#: Common English words that say nothing about a topic (search terms and people search).
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each else even ever every few for from further get gets got had
    hadn has hasn have haven having he her here hers herself him himself his how however i
    if in into is isn it its itself just let like ll me might more most much must mustn my
    myself no nor not now of off on once one only or other our ours ourselves out over own
    re same shan she should shouldn so some such than that the their theirs them themselves
    then there these they this those through to too under until up upon us very was wasn we
    were weren what when where which while who whom why will with won would wouldn yet you
    your yours yourself yourselves ve d s t m y also etc via http https www com org net
    really thing things way ways lot lots dont cant wont im ive youre thats isnt doesnt
    didnt arent wasnt
    """.split()
)

#: Words a people search uses to ask for a person ("someone who knows rust"): not topics
#: there, though an answer about "people management" is about people.
PERSON_WORDS = frozenset({"someone", "anyone", "people", "person"})


# --- comparable words (people search) -----------------------------------------------------

_PUNCT_TO_SPACE = re.compile(r"[-_/\\|]+")
_DROP = re.compile(r"[^\w\s+#.']")


def singular(word: str) -> str:
    """A crude English singular, applied the same way to both sides of every comparison."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def words_of(text: str) -> tuple[str, ...]:
    """The comparable words of `text`: case-folded, punctuation dropped, singular."""
    return tuple(word for word, _ in words_with_originals(text))


def words_with_originals(text: str) -> list[tuple[str, str]]:
    """(comparable word, the word as written) for each word of `text`."""
    pairs: list[tuple[str, str]] = []
    for original in _SPACE.split(unicodedata.normalize("NFKC", text)):
        cleaned = _DROP.sub(" ", _PUNCT_TO_SPACE.sub(" ", original.casefold()))
        for raw in cleaned.split():
            word = raw.strip(".'")
            if word.endswith("'s"):
                word = word[:-2]
            if word:
                pairs.append((singular(word), original.strip(".,;:!?()[]{}\"'")))
    return pairs


def key_of(text: str) -> str:
    """The comparable form of a topic or phrase ("Board-Games" -> "board game")."""
    return " ".join(words_of(text))


# --- search terms (stored in answer_term) -------------------------------------------------

MAX_TERM_CHARS = 40  # the answer_term.term column

_MARKUP = re.compile(r"<([^<>]*)>")
#: A word as search sees it: compounds such as `node.js`, `c++` or `follow-up` stay whole.
WORD = re.compile(r"[^\W_]+(?:[.+#'/-][^\W_]+)*[+#]*")
_PARTS = re.compile(r"[^\W_]+")
_DOUBLE_KEEP = frozenset("lsz")
_VOWELS = frozenset("aeiouy")


def fold(text: str) -> str:
    """Case-folded, accents removed (café -> cafe), compatibility forms unified."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_markup(text: str) -> str:
    """Slack markup out of the way of search: mentions dropped, links reduced to their label."""

    def replace(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target[:1] in ("@", "!", "#"):
            return " "  # mentions and broadcasts are not words of the answer
        return f" {label or target} "

    return _MARKUP.sub(replace, text)


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final -e; only on plain words."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith(("xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) >= 3 and any(ch in _VOWELS for ch in base):
                word = _undouble(base)
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in _VOWELS | _DOUBLE_KEEP:
        return word[:-1]
    return word


def _keep(term: str) -> bool:
    return 2 <= len(term) <= MAX_TERM_CHARS and term not in STOPWORDS


def analyze(text: str) -> list[str]:
    """The search terms of `text`, in order, with repeats (what gets indexed and searched)."""
    terms: list[str] = []
    for match in WORD.finditer(fold(strip_markup(text))):
        token = match.group(0).replace("'", "")
        parts = _PARTS.findall(token)
        if len(parts) > 1:
            if _keep(token):
                terms.append(token)
            terms.extend(stem(part) for part in parts if _keep(part))
        elif _keep(token):
            stemmed = stem(token)
            if _keep(stemmed):
                terms.append(stemmed)
    return terms
