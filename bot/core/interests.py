"""Normalising topic names (interests, skills), shared by profiles, matching and search."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_interest(text: str) -> str:
    """The canonical key of a topic: NFC, case-folded, whitespace collapsed and trimmed.

    >>> normalize_interest("  Machine   LEARNING ")
    'machine learning'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()
