"""Turning people's text into spreadsheet-safe cell text.

- Text a spreadsheet could take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return; OWASP's CSV-injection list) or for an error value (`#N/A`) must stay text.
  `needs_text_guard` says so; the workbook writer then stores the cell as a string with
  Excel's "quote prefix" flag, which is what typing a leading apostrophe does in Excel and
  LibreOffice: the cell shows the text, and editing it does not turn it into a formula.
- Characters XML 1.0 cannot carry (control characters, lone surrogates) are removed, and
  text is cut to Excel's 32,767 characters per cell.
- Slack markup (`<@U123>`, `<#C123|name>`, `<https://x|label>`, `&amp;`) becomes plain text;
  people are shown by the names Mingle holds, and anyone else as "someone".
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_CELL_TEXT = 32_767
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
SOMEONE = "someone"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def clean_text(text: str, limit: int = MAX_CELL_TEXT) -> str:
    """Remove characters a worksheet cannot hold and cut to `limit` characters."""
    text = _NOT_XML.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def needs_text_guard(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula or an error value."""
    return text.startswith(FORMULA_TRIGGERS) or text.strip() in ERROR_VALUES


def is_web_link(url: str) -> bool:
    """Only http(s) links become clickable (no `javascript:`, `file:` or DDE targets)."""
    return bool(re.match(r"^https?://[^\s\"<>]+$", url)) and len(url) <= 2000


def plain_from_slack(text: str, name_of: Callable[[str], str | None]) -> str:
    """Slack message markup as plain text; `name_of(user_id)` is None for strangers."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            name = name_of(target[1:])
            return "@" + (name or SOMEONE)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            shown = label or target[1:].split("^")[0]
            return shown if shown.startswith("@") else "@" + shown
        if label:
            return f"{label} ({target})"
        return target

    text = _SLACK_TOKEN.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
