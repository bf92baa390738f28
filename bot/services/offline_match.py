"""`mingle match`: match people from a JSON file, offline, to preview or simulate a round."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.core.matching import MatchOptions
from bot.core.matching_io import match_input
from bot.errors import InvalidInputError


def run_match_file(
    input_path: Path,
    output_path: Path,
    group_size: int = 2,
    seed: int = 0,
    now: dt.datetime | None = None,
) -> str:
    """Read `input_path`, match, write `output_path`; return a one-line summary."""
    try:
        data = json.loads(input_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{input_path}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{input_path}: not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{input_path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if group_size not in (2, 3, 4):
        raise InvalidInputError("--group-size must be 2, 3 or 4")
    options = MatchOptions(group_size=group_size, seed=seed, now=now or dt.datetime.now(dt.UTC))
    try:
        result = match_input(data, options)
    except ValueError as exc:
        raise InvalidInputError(f"{input_path}: {exc}") from None
    try:
        output_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InvalidInputError(f"cannot write {output_path}: {exc.strerror}") from None
    groups = result["groups"]
    people = sum(len(g["members"]) for g in groups)
    bound = result["upper_bound"]
    quality = (
        f"{100 * result['total_score'] / bound:.2f}% of the upper bound"
        if bound > 0
        else "no bound"
    )
    score = result["total_score"]
    notes = ""
    apart = sum(1 for g in groups if not g["can_meet"])
    if apart:
        notes += f", {apart} without {options.min_meeting_minutes // 60} h of shared working time"
    if result.get("unmatched"):
        notes += f", {len(result['unmatched'])} unmatched"
    return (
        f"{people} people in {len(groups)} groups{notes}, score {score} ({quality})"
        f" -> {output_path}"
    )
