from __future__ import annotations

import datetime as dt

import pytest

from bot.core import commands as c
from bot.core.commands import CommandError, parse_command
from bot.core.messages.help import SUBCOMMANDS

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("help", c.Help()),
        ("help admin", c.Help("admin")),
        ("join", c.Join()),
        ("  JOIN ", c.Join()),
        ("leave", c.Leave()),
        ("leave --forget", c.Leave(forget=True)),
        ("pause 2 weeks", c.Pause(TODAY + dt.timedelta(weeks=2))),
        ("pause 1 week", c.Pause(TODAY + dt.timedelta(weeks=1))),
        ("pause 3w", c.Pause(TODAY + dt.timedelta(weeks=3))),
        ("pause until 2026-12-24", c.Pause(dt.date(2026, 12, 24))),
        ("resume", c.Resume()),
        ("interests", c.InterestsList()),
        (
            "interests add Rust, bouldering;  coffee",
            c.InterestsAdd(("Rust", "bouldering", "coffee")),
        ),
        ("interests remove rust", c.InterestsRemove(("rust",))),
        ("profile", c.ShowProfile()),
        ("profile <@U123ABC|ana>", c.ShowProfile("U123ABC")),
        ("reconnect on", c.Reconnect(True)),
        ("reconnect on 60", c.Reconnect(True, 60)),
        ("reconnect off", c.Reconnect(False)),
        ("answers kubernetes upgrade", c.Answers(words="kubernetes upgrade")),
        ("answers <@U42>", c.Answers(user_id="U42")),
        (
            "intro <@U1A|a> <@U2B|b> you both love  rust",
            c.Intro("U1A", "U2B", "you both love  rust"),
        ),
        ("find", c.Find("")),
        ("find machine learning", c.Find("machine learning")),
        ("admin setup weekly monday", c.Admin("setup", ("weekly", "monday"), "weekly monday")),
        (
            "admin prompts add What did you learn?",
            c.Admin("prompts", ("add", "What", "did", "you", "learn?"), "add What did you learn?"),
        ),
    ],
)
def test_parses_every_subcommand(text: str, expected: c.Command) -> None:
    assert parse_command(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("dance", "I don't know `dance`"),
        ("join now", "takes no arguments"),
        ("leave forever", "--forget"),
        ("pause", "For how long"),
        ("pause forever", "couldn't read"),
        ("pause 0 weeks", "1 to 52"),
        ("pause 99 weeks", "1 to 52"),
        ("pause until tomorrow", "not a date"),
        ("pause until 2020-01-01", "already passed"),
        ("pause until 2030-01-01", "at most a year"),
        ("interests add", "Say which interests"),
        ("interests shuffle", "Use `/mingle interests`"),
        ("profile bob", "Say whose profile"),
        ("answers", "Say what to look for"),
        ("intro <@U1>", "Name two people"),
        ("intro <#C1|general> <@U2>", "not channels"),
        ("intro <!channel> <@U2>", "not channels"),
        ("intro bob <@U2>", "not a person"),
        ("reconnect maybe", "reconnect on"),
        ("reconnect on 3", "14 to 365"),
        ("admin", "Which admin command"),
        ("admin explode", "admin explode"),
    ],
)
def test_malformed_input_explains_itself(text: str, needle: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(text, TODAY)
    assert needle in info.value.message


def test_every_subcommand_has_help_and_every_help_entry_parses() -> None:
    samples = {
        "help": "help",
        "join": "join",
        "leave": "leave",
        "pause": "pause 2 weeks",
        "resume": "resume",
        "interests": "interests",
        "profile": "profile",
        "find": "find x",
        "intro": "intro <@U1> <@U2>",
        "answers": "answers x",
        "reconnect": "reconnect off",
        "hours": "hours 9-17",
        "avoid": "avoid",
        "unavoid": "unavoid <@U1>",
    }
    assert set(samples) == set(SUBCOMMANDS)
    for name, sample in samples.items():
        assert SUBCOMMANDS[name][1], name
        parse_command(sample, TODAY)


def test_slacks_entities_for_typed_characters_are_undone() -> None:
    text = "interests add R&amp;D, a &lt;b&gt; tag"
    assert parse_command(text, TODAY) == c.InterestsAdd(("R&D", "a <b> tag"))
    intro = parse_command("intro <@U1A|a> <@U2B|b> Q&amp;A fans", TODAY)
    assert intro == c.Intro("U1A", "U2B", "Q&A fans")


def test_the_driver_escapes_typed_text_like_slack() -> None:
    from bot.testing.driver import slack_escape_typed

    typed = "intro <@U1|a> <#C1|general> <!channel> R&D <b> <https://x.io|x>"
    assert slack_escape_typed(typed) == (
        "intro <@U1|a> <#C1|general> <!channel> R&amp;D &lt;b&gt; <https://x.io|x>"
    )
