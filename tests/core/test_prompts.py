"""The prompt bank, rotation without repeats, text checks and the prompt schedule (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.prompts import (
    BUILTIN_PROMPTS,
    MAX_ANSWER_CHARS,
    MAX_PROMPT_CHARS,
    BankEntry,
    PromptSchedule,
    answer_problem,
    bank_for,
    builtin_bank,
    clean_topic,
    next_prompt,
    parse_prompt_schedule,
    validate_prompt_text,
)
from bot.core.text import defuse
from bot.errors import InvalidInputError


def test_the_builtin_bank_has_at_least_30_distinct_good_prompts() -> None:
    assert len(BUILTIN_PROMPTS) >= 30
    assert len(set(BUILTIN_PROMPTS)) == len(BUILTIN_PROMPTS)
    for text in BUILTIN_PROMPTS:
        assert validate_prompt_text(text) == text  # each fits the rules admins follow
        assert text.endswith(("?", "."))
    assert "What question did you answer this week that others could use?" in BUILTIN_PROMPTS
    assert "What's a tool you'd teach a new teammate in 10 minutes?" in BUILTIN_PROMPTS


def test_bank_keys_are_stable() -> None:
    bank = bank_for([(7, "Ours?"), (9, "Also ours?")])
    assert [e.key for e in bank[:3]] == ["custom:7", "custom:9", "builtin:0"]
    assert bank[0].custom_id == 7 and bank[2].custom_id is None
    assert builtin_bank()[5] == BankEntry("builtin:5", BUILTIN_PROMPTS[5])


def rotate(bank: list[BankEntry], times: int, seed: str = "C1") -> list[str]:
    used: list[str] = []
    for _ in range(times):
        used.append(next_prompt(bank, used, seed=seed).key)
    return used


def test_no_prompt_repeats_until_the_bank_is_used_up() -> None:
    bank = bank_for([(1, "Ours?")])
    used = rotate(bank, 3 * len(bank))
    size = len(bank)
    for start in range(0, len(used), size):
        assert sorted(used[start : start + size]) == sorted(e.key for e in bank)
    assert used[0] == "custom:1"  # the channel's own prompts come first in each pass
    assert used[size] == "custom:1"
    assert all(used[i] != used[i + 1] for i in range(len(used) - 1))


def test_channels_get_different_orders_but_each_is_deterministic() -> None:
    bank = builtin_bank()
    assert rotate(bank, 10, "C1") == rotate(bank, 10, "C1")
    assert rotate(bank, 10, "C1") != rotate(bank, 10, "C2")


def test_a_prompt_added_mid_cycle_comes_next_and_removed_ones_stop() -> None:
    bank = builtin_bank()
    used = rotate(bank, 5)
    grown = bank_for([(3, "Fresh?")])
    assert next_prompt(grown, used, seed="C1").key == "custom:3"
    used.append("custom:3")
    # custom:3 removed again: rotation just continues with the unused built-ins.
    following = next_prompt(bank, used, seed="C1")
    assert following.key not in used


def test_the_last_prompt_is_not_repeated_straight_away_at_a_new_pass() -> None:
    bank = [BankEntry("builtin:0", "A?"), BankEntry("builtin:1", "B?")]
    used = ["builtin:0", "builtin:1"]
    assert next_prompt(bank, used).key == "builtin:0"
    used = ["builtin:1", "builtin:0"]
    assert next_prompt(bank, used).key == "builtin:1"
    assert next_prompt(bank[:1], ["builtin:0"]).key == "builtin:0"  # no other choice


def test_an_empty_bank_is_an_error() -> None:
    with pytest.raises(ValueError):
        next_prompt([], [])


@settings(max_examples=60, deadline=None)
@given(
    own=st.lists(st.integers(min_value=1, max_value=50), unique=True, max_size=6),
    history=st.lists(st.integers(min_value=0, max_value=40), max_size=30),
)
def test_rotation_always_picks_among_the_least_used(own: list[int], history: list[int]) -> None:
    bank = bank_for([(i, f"Prompt {i}?") for i in own])
    keys = [e.key for e in bank]
    used = [keys[h % len(keys)] for h in history]
    chosen = next_prompt(bank, used, seed="C9")
    counts = {key: used.count(key) for key in keys}
    assert counts[chosen.key] == min(counts.values())


# --- text --------------------------------------------------------------------------------------


def test_defuse_turns_markup_into_words_that_never_ping() -> None:
    text = (
        "<!channel> <!here> <!everyone> <@U1|ana> <@U2> <#C1|general> <!subteam^S1|@devs> "
        "<https://x.test|docs> <https://y.test> <!date^1700000000^{date}|Nov 14> &lt;b&gt; &amp;"
    )
    assert defuse(text, {"U2": "Bo"}) == (
        "@channel @here @everyone @ana @Bo #general @devs docs https://y.test Nov 14 <b> &"
    )
    assert defuse("<@U9>") == "@U9"
    assert "<!" not in defuse("<!channel|channel>")


def test_validate_prompt_text_trims_collapses_and_defuses() -> None:
    assert validate_prompt_text("  What   did you\nlearn? ") == "What did you learn?"
    assert validate_prompt_text("Hi <!channel>, why?") == "Hi @channel, why?"
    assert validate_prompt_text("x" * MAX_PROMPT_CHARS) == "x" * MAX_PROMPT_CHARS
    assert validate_prompt_text("Ünïcode? 日本語？") == "Ünïcode? 日本語？"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "<!channel|>"])
def test_empty_prompts_are_refused(text: str) -> None:
    if text == "<!channel|>":  # becomes "@channel": not empty, but never pings
        assert validate_prompt_text(text) == "@channel"
        return
    with pytest.raises(InvalidInputError, match="Say what the prompt should ask"):
        validate_prompt_text(text)


def test_over_long_prompts_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="301 characters long; keep it to 300"):
        validate_prompt_text("y" * (MAX_PROMPT_CHARS + 1))


def test_answer_problems() -> None:
    assert answer_problem("fine") is None
    assert answer_problem("z" * MAX_ANSWER_CHARS) is None
    assert "empty" in (answer_problem("  \n ") or "")
    assert "4,001 characters" in (answer_problem("z" * (MAX_ANSWER_CHARS + 1)) or "")


def test_topics() -> None:
    assert clean_topic("  Incident   response ") == "Incident response"
    assert clean_topic("") == ""
    assert clean_topic("<!here> ops") == "@here ops"
    with pytest.raises(InvalidInputError):
        clean_topic("t" * 81)


# --- schedule -----------------------------------------------------------------------------------


def test_schedule_defaults_are_weekly_wednesday_ten_in_the_admins_timezone() -> None:
    assert parse_prompt_schedule([], "Asia/Kolkata") == PromptSchedule(
        "weekly", 2, dt.time(10, 0), "Asia/Kolkata"
    )
    assert parse_prompt_schedule([], "Not/AZone").tz == "UTC"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "monthly monday 9:30 Europe/Berlin",
            PromptSchedule("monthly", 0, dt.time(9, 30), "Europe/Berlin"),
        ),
        (
            "Europe/Berlin 15:00 fri biweekly",
            PromptSchedule("biweekly", 4, dt.time(15, 0), "Europe/Berlin"),
        ),
        (
            "every 2 weeks on thursday at 3pm utc",
            PromptSchedule("biweekly", 3, dt.time(15, 0), "UTC"),
        ),
        ("every month", PromptSchedule("monthly", 2, dt.time(10, 0), "UTC")),
        ("fortnightly", PromptSchedule("biweekly", 2, dt.time(10, 0), "UTC")),
    ],
)
def test_schedule_arguments_in_any_order(words: str, expected: PromptSchedule) -> None:
    assert parse_prompt_schedule(words.split(), "UTC") == expected


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("blursday", "not a weekday"),
        ("monday friday", "two weekdays"),
        ("weekly monthly", "two cadences"),
        ("24:30", "not a time"),
        ("Mars/Olympus", "not a timezone"),
    ],
)
def test_bad_schedule_arguments(words: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_prompt_schedule(words.split(), "UTC")


def test_the_schedule_becomes_a_cadence() -> None:
    cadence = PromptSchedule("biweekly", 4, dt.time(15, 0), "Europe/Berlin").as_cadence(
        dt.date(2026, 1, 2)
    )
    assert cadence.describe() == "every 2 weeks, Fridays at 15:00 (Europe/Berlin)"
    assert cadence.anchor == dt.date(2026, 1, 2)
