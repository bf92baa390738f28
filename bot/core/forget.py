"""Forget-me's text rule: a mention of a forgotten person reads as "a former member".

When someone asks Mingle to forget them, what other people wrote keeps its words, but every
way the text can point at that person is replaced: a Slack mention (`<@U123>`,
`<@U123|rania>`), their user ID on its own (`U123`, `@U123`), and their names (display
name, real name, Slack handle, and each word of those names of three letters or more), as
whole words, in any case, with or without a leading `@`.

`Redactor` applies the rule to a string (`text`), to JSON-like values (`value`: lists and
dicts of strings, such as stored Block Kit or a group's reasons), and says whether a value
mentions the person at all (`mentions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMER_MEMBER = "a former member"

#: Words of a name shorter than this are not replaced on their own (the whole name still
#: is): "Li" or "Jo" would also hit ordinary words.
MIN_NAME_PART = 3
#: A whole name shorter than this is not looked for in free text.
MIN_NAME = 2

_SPLIT = re.compile(r"[\W_]+")


def name_variants(names: Iterable[str]) -> list[str]:
    """The strings a person may be called by in text, longest first: each name, and each
    word of a name of `MIN_NAME_PART` letters or more."""
    found: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if len(name) >= MIN_NAME:
            found.add(name)
        for part in _SPLIT.split(name):
            if len(part) >= MIN_NAME_PART:
                found.add(part)
    return sorted(found, key=lambda n: (-len(n), n.casefold()))


class Redactor:
    """Replaces every mention of one person (`user_id`, known by `names`) in text."""

    def __init__(self, user_id: str, names: Iterable[str] = ()) -> None:
        self.user_id = user_id
        self.names = name_variants(names)
        ident = re.escape(user_id)
        patterns = [rf"<@{ident}(?:\|[^>]*)?>", rf"@?(?<![\w]){ident}(?![\w])"]
        patterns += [rf"@?(?<![\w]){re.escape(name)}(?![\w])" for name in self.names]
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE)

    def mentions(self, value: Any) -> bool:
        """True when `value` (a string, or lists and dicts of them) mentions the person."""
        if isinstance(value, str):
            return self._pattern.search(value) is not None
        if isinstance(value, dict):
            return any(self.mentions(k) or self.mentions(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.mentions(item) for item in value)
        return False

    def text(self, text: str) -> str:
        """`text` with every mention of the person replaced by "a former member"."""

        def replace(match: re.Match[str]) -> str:
            start = match.start()
            before = text[:start].rstrip()
            sentence_start = not before or before.endswith((".", "!", "?", "\n", "*", "•"))
            return FORMER_MEMBER.capitalize() if sentence_start else FORMER_MEMBER

        return self._pattern.sub(replace, text)

    def value(self, value: Any) -> Any:
        """`value` with `text` applied to every string inside it (lists, dicts, tuples)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value
