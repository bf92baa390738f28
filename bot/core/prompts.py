"""Answer-sharing prompts: the built-in bank, rotation without repeats, and text checks.

A channel's bank is the built-in prompts plus the channel's own (added by its admins). Each
entry has a stable key ("builtin:<n>" or "custom:<id>") that a posted prompt remembers, so
rotation needs nothing but the keys already posted in the channel: the next prompt is one of
the entries used the fewest times, so no prompt repeats until every prompt in the bank has
been used. The built-in keys are positions in `BUILTIN_PROMPTS`: only ever append to it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.numbers import read_id
from bot.core.schedule import Cadence, ScheduleError, parse_schedule_words
from bot.core.text import defuse, one_line
from bot.errors import InvalidInputError

MAX_PROMPT_CHARS = 300
MAX_ANSWER_CHARS = 4000
MAX_TOPIC_CHARS = 80

BUILTIN_PROMPTS: tuple[str, ...] = (
    "What question did you answer this week that others could use?",
    "What's a tool you'd teach a new teammate in 10 minutes?",
    "What's one thing you wish you had known in your first month here?",
    "Which doc, page or link do you send people most often, and why?",
    "What's a small shortcut or setting that saves you time every day?",
    "What problem did you get stuck on recently, and what finally unblocked you?",
    "What's a question people ask you a lot? Share your best answer here.",
    "What did you learn this week that surprised you?",
    "What's a mistake you made once and now know how to avoid?",
    "Who helped you recently, and what did they teach you?",
    "What's your go-to way to debug something you don't understand yet?",
    "What's one thing about your team's work that other teams often get wrong?",
    "If you could write one page of onboarding docs, what would it say?",
    "What's a command, query or snippet you keep coming back to?",
    "What's the best explanation you've heard of something hard in your field?",
    "What's a process here that is easier than people think? How does it work?",
    "What book, talk or article changed how you work, and what was the idea?",
    "What do you check before you ship, send or publish something?",
    "What's a customer or user question you answered recently that taught you something?",
    "What's a term or acronym from your team that everyone should know? Define it.",
    "How do you run a good meeting, review or handover? Share one habit.",
    "What's something you automated, and how could someone else do the same?",
    "What's a 'how do I…' you figured out recently? Write down the steps.",
    "What would you tell someone taking over your work for a week?",
    "What's a trade-off your team made on purpose that looks odd from outside?",
    "What's your favourite way to give or ask for feedback?",
    "What's a tool or template you built that others could reuse?",
    "What question would you like someone else here to answer? Ask it in the thread.",
    "What did an incident, outage or escalation teach you recently?",
    "What's one tip for working well across timezones?",
    "How do you keep track of what you learn? Share your system.",
    "What's a number or metric you look at often, and what does it tell you?",
    "What's something you explained twice this month? Write it down once here.",
    "What's the most useful thing you learned from another team?",
    "What's a good first task for someone new to your area, and why?",
)


@dataclass(frozen=True)
class BankEntry:
    """One prompt in a channel's bank: `key` is what a posted prompt records."""

    key: str
    text: str

    @property
    def custom_id(self) -> int | None:
        kind, _, value = self.key.partition(":")
        return read_id(value) if kind == "custom" else None


def builtin_bank() -> list[BankEntry]:
    return [BankEntry(f"builtin:{index}", text) for index, text in enumerate(BUILTIN_PROMPTS)]


def custom_key(template_id: int) -> str:
    return f"custom:{template_id}"


def bank_for(custom: Sequence[tuple[int, str]]) -> list[BankEntry]:
    """The channel's bank: its own prompts (`(id, text)`, oldest first), then the built-ins."""
    return [BankEntry(custom_key(i), text) for i, text in custom] + builtin_bank()


def next_prompt(bank: Sequence[BankEntry], used: Sequence[str], *, seed: str = "") -> BankEntry:
    """The next prompt for a channel that has already posted the keys in `used` (oldest first).

    Picks among the entries used the fewest times, so nothing repeats before the whole bank
    has been used; a channel's own prompts come first in each pass, the built-ins follow in
    an order shuffled per channel (`seed`), and the last prompt posted is never posted again
    straight away when there is any other choice.
    """
    if not bank:
        raise ValueError("the prompt bank is empty")
    counts = Counter(used)
    fewest = min(counts[entry.key] for entry in bank)
    candidates = [entry for entry in bank if counts[entry.key] == fewest]
    last = used[-1] if used else None
    if last is not None and len(candidates) > 1:
        candidates = [entry for entry in candidates if entry.key != last] or candidates
    return min(candidates, key=_order(bank, seed))


def _order(bank: Sequence[BankEntry], seed: str) -> Callable[[BankEntry], tuple[int, int]]:
    """Sort key: the channel's own prompts first (oldest first), then shuffled built-ins."""
    shuffled = [entry.key for entry in bank if entry.custom_id is None]
    random.Random(seed).shuffle(shuffled)
    rank = {key: (1, index) for index, key in enumerate(shuffled)}
    for index, entry in enumerate(bank):
        if entry.custom_id is not None:
            rank[entry.key] = (0, index)
    return lambda entry: rank[entry.key]


# --- text checks ------------------------------------------------------------------------------


def validate_prompt_text(text: str) -> str:
    """A channel's own prompt, trimmed and defused; raises `InvalidInputError` when unusable."""
    cleaned = one_line(defuse(text))
    if not cleaned:
        raise InvalidInputError(
            "Say what the prompt should ask: `/mingle admin prompts add What did you learn "
            "this week?`"
        )
    if len(cleaned) > MAX_PROMPT_CHARS:
        raise InvalidInputError(
            f"That prompt is {len(cleaned):,} characters long; keep it to "
            f"{MAX_PROMPT_CHARS} so it reads well in the channel."
        )
    return cleaned


def answer_problem(text: str) -> str | None:
    """Why `text` can't be kept as an answer (plain text), or None when it can."""
    stripped = text.strip()
    if not stripped:
        return "That answer is empty, so Mingle didn't keep it. Write a few words and try again."
    if len(stripped) > MAX_ANSWER_CHARS:
        return (
            f"That answer is {len(stripped):,} characters long; Mingle keeps answers up to "
            f"{MAX_ANSWER_CHARS:,} characters. Try a shorter version, or link to a doc."
        )
    return None


def clean_topic(text: str) -> str:
    """An optional answer topic: defused, whitespace collapsed, at most `MAX_TOPIC_CHARS`."""
    cleaned = one_line(defuse(text))
    if len(cleaned) > MAX_TOPIC_CHARS:
        raise InvalidInputError(f"Keep the topic to {MAX_TOPIC_CHARS} characters.")
    return cleaned


# --- the schedule ------------------------------------------------------------------------------

PROMPTS_USAGE = (
    "Try `/mingle admin prompts on` (weekly, Wednesdays at 10:00 in your timezone) or "
    "`/mingle admin prompts on biweekly friday 15:00 Europe/Berlin`."
)
DEFAULT_WEEKDAY = 2  # Wednesday
DEFAULT_TIME = dt.time(10, 0)


@dataclass(frozen=True)
class PromptSchedule:
    """When a channel's prompts are posted."""

    cadence: str = "weekly"
    weekday: int = DEFAULT_WEEKDAY
    at: dt.time = DEFAULT_TIME
    tz: str = "UTC"

    def as_cadence(self, anchor: dt.date | None = None) -> Cadence:
        return Cadence(self.cadence, self.weekday, self.at, self.tz, anchor)


def parse_prompt_schedule(args: Sequence[str], default_tz: str) -> PromptSchedule:
    """`[cadence] [weekday] [time] [timezone]` in any order (the grammar `admin setup` uses,
    `bot.core.schedule.parse_schedule_words`); missing parts take defaults.

    Raises `InvalidInputError` naming the word it could not read.
    """
    try:
        cadence = parse_schedule_words(args, weekday=DEFAULT_WEEKDAY, default_tz=default_tz)
    except ScheduleError as exc:
        raise InvalidInputError(f"{exc} {PROMPTS_USAGE}") from None
    return PromptSchedule(cadence.kind, cadence.weekday, cadence.at, cadence.tz)
