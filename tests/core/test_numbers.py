"""Numbers people type or buttons carry are read within their range."""

from __future__ import annotations

import pytest

from bot.core.numbers import MAX_ID, read_id, read_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" 7 ", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999999", None),
        ("0", None),
        ("-3", None),
        ("abc", None),
        ("", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() says yes, Mingle says no
        ("1e3", None),
    ],
)
def test_ids_are_whole_numbers_in_range(text: str, expected: int | None) -> None:
    assert read_id(text) == expected


def test_a_number_outside_its_range_is_refused() -> None:
    assert read_number("52", 1, 52) == 52
    assert read_number("53", 1, 52) is None
