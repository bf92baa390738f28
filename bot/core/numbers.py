"""Numbers people type or buttons carry: each has a range, and text outside it is refused.

An ID Mingle stores fits a signed 32-bit integer column (PostgreSQL's `integer`), so a
number beyond that names nothing and must never reach a query (it would fail there, not
with a clear message).
"""

from __future__ import annotations

import re

from bot.errors import InvalidInputError

#: The largest stored ID (PostgreSQL `integer`).
MAX_ID = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,12}")


def read_number(text: str, low: int, high: int) -> int | None:
    """`text` as a whole number from `low` to `high`, or None (not a plain number, or out of
    range). Only ASCII digits count; a leading `#` is allowed (`#12`)."""
    digits = text.strip().removeprefix("#")
    if not _DIGITS.fullmatch(digits):
        return None
    number = int(digits)
    return number if low <= number <= high else None


def read_id(text: str) -> int | None:
    """`text` as a stored ID (1 to `MAX_ID`), or None."""
    return read_number(text, 1, MAX_ID)


def button_id(value: str) -> int:
    """The stored ID a button's value carries; anything else is an old or made-up button,
    refused in plain words (the record it names is still to be checked by the caller)."""
    found = read_id(value)
    if found is None:
        raise InvalidInputError("That button is out of date.")
    return found
