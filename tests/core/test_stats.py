"""Headline figures, report options and the stats messages (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.messages.reports import (
    export_sent_reply,
    export_started_reply,
    home_stats_blocks,
    stats_reply,
    summary_line,
    upload_comment,
)
from bot.core.stats import (
    Headline,
    MemberCounts,
    ReportOptions,
    RoundFigures,
    check_channel_id,
    count_statuses,
    headline,
    met_rate,
    parse_report_options,
    percent,
    teams_ranked,
)
from bot.errors import InvalidInputError
from bot.testing.blockkit import validate_blocks

TODAY = dt.date(2026, 2, 1)


def rnd(day: int, groups: int, met: int, not_met: int, people: int = 0) -> RoundFigures:
    when = dt.datetime(2026, 1, day, 10, tzinfo=dt.UTC)
    return RoundFigures(day, "C1", when, "planned", people or groups * 2, groups, met, not_met)


def test_met_rate_counts_only_groups_that_answered() -> None:
    assert met_rate(0, 0) is None
    assert met_rate(3, 1) == 0.75
    assert met_rate(0, 4) == 0.0
    figures = rnd(5, groups=10, met=3, not_met=1)
    assert figures.no_answer == 6 and figures.met_rate == 0.75 and figures.ran


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_met_rate_is_a_share(met: int, not_met: int) -> None:
    rate = met_rate(met, not_met)
    if met + not_met == 0:
        assert rate is None
    else:
        assert rate is not None and 0.0 <= rate <= 1.0


def test_count_statuses_ignores_unknown_states() -> None:
    counts = count_statuses(["active", "active", "paused", "left", "weird"])
    assert counts == MemberCounts(active=2, paused=1, left=1)
    assert counts.opted_in == 3 and counts.total == 4


def test_headline_sums_rounds_that_ran() -> None:
    rounds = [rnd(5, 4, 2, 1), rnd(12, 0, 0, 0), rnd(19, 6, 3, 3)]
    figures = headline(
        members=MemberCounts(5, 1, 2),
        rounds=rounds,
        prompts_posted=2,
        answers_shared=9,
        intros_made=1,
        since=None,
        today=TODAY,
    )
    assert (figures.rounds_run, figures.groups_made) == (2, 10)
    assert (figures.groups_met, figures.groups_not_met) == (5, 4)
    assert figures.met_rate == pytest.approx(5 / 9)
    assert figures.period == "2026-01-05 to 2026-02-01"
    empty = headline(
        members=MemberCounts(),
        rounds=[],
        prompts_posted=0,
        answers_shared=0,
        intros_made=0,
        since=None,
        today=TODAY,
    )
    assert empty.period == "all time to 2026-02-01" and empty.met_rate is None
    since = headline(
        members=MemberCounts(),
        rounds=rounds,
        prompts_posted=0,
        answers_shared=0,
        intros_made=0,
        since=dt.date(2026, 1, 1),
        today=TODAY,
    )
    assert since.period == "2026-01-01 to 2026-02-01"


def test_teams_ranked_biggest_first_blank_is_no_team() -> None:
    assert teams_ranked(["b", "A", "b", "", "  ", "a"]) == [
        ("(no team)", 2),
        ("b", 2),
        ("A", 1),
        ("a", 1),
    ]


def test_percent() -> None:
    assert percent(None) == "n/a" and percent(0.666) == "67%" and percent(1.0) == "100%"


# --- options --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ReportOptions()),
        (["<#C0COFFEE|coffee-chats>"], ReportOptions("C0COFFEE")),
        (["<#C0COFFEE>"], ReportOptions("C0COFFEE")),
        (["since", "2026-01-10"], ReportOptions(None, dt.date(2026, 1, 10))),
        (
            ["SINCE", "2026-01-10", "<#G01ABC|private>"],
            ReportOptions("G01ABC", dt.date(2026, 1, 10)),
        ),
        (["since", "2026-02-01"], ReportOptions(None, TODAY)),
    ],
)
def test_report_options(args: list[str], expected: ReportOptions) -> None:
    assert parse_report_options(args, TODAY) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["since"], "Give a date after `since`"),
        (["since", "yesterday"], "is not a date like"),
        (["since", "2026-13-01"], "is not a date like"),
        (["since", "2026-02-02"], "in the future"),
        (["since", "2026-01-01", "since", "2026-01-02"], "Give `since` once"),
        (["#coffee"], "I can't tell which channel `#coffee` is"),
        (["<#C1AB|a>", "<#C2AB|b>"], "one channel at most"),
        (["<@U123|ana>"], "per channel, not per person"),
        (["<!channel>"], "per channel, not per person"),
        (["<script>"], "I don't understand `<script>`"),
        (["&amp;"], "I don't understand"),
        (["☕"], "I don't understand `☕`"),
        (["x" * 500], "…`"),
    ],
)
def test_bad_report_options_say_what_is_wrong(args: list[str], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_report_options(args, TODAY)
    assert message in caught.value.message
    assert len(caught.value.message) < 300


def test_stats_takes_no_since() -> None:
    with pytest.raises(InvalidInputError, match="don't understand `since`") as caught:
        parse_report_options(["since", "2026-01-01"], TODAY, allow_since=False)
    assert "admin stats" in caught.value.message


@pytest.mark.parametrize("value", ["C0COFFEE", " c0coffee ", "G0PRIV"])
def test_channel_ids_from_the_command_line(value: str) -> None:
    assert check_channel_id(value) == value.strip().upper()


@pytest.mark.parametrize("value", ["", "#coffee", "U0ABC", "C", "C0 COFFEE", "<#C0COFFEE>", "C0☕"])
def test_bad_channel_ids(value: str) -> None:
    with pytest.raises(InvalidInputError, match="not a channel ID"):
        check_channel_id(value)


# --- messages -------------------------------------------------------------------------------


def sample_headline(channel: str | None = None) -> Headline:
    return Headline(
        period_start=dt.date(2026, 1, 5),
        period_end=TODAY,
        channel_id=channel,
        members=MemberCounts(1234, 5, 6),
        rounds_run=3,
        groups_made=600,
        groups_met=300,
        groups_not_met=100,
        prompts_posted=2,
        answers_shared=40,
        intros_made=7,
    )


def test_stats_reply_shows_every_figure_within_block_kit_limits() -> None:
    reply = stats_reply(sample_headline())
    assert validate_blocks(reply.blocks) == []
    text = str(reply.blocks)
    for figure in ("1,239", "1,234 / 5 / 6", "600", "300", "75%", "40", "7"):
        assert figure in text, figure
    assert "all channels" in text and "2026-01-05 to 2026-02-01" in text
    assert reply.text.startswith("Mingle in all channels: 1,239 members opted in")
    channel = stats_reply(sample_headline("C0COFFEE"))
    assert "<#C0COFFEE>" in str(channel.blocks) and "this channel" in channel.text


def test_home_blocks_and_export_notices_are_valid() -> None:
    assert validate_blocks(home_stats_blocks(sample_headline())) == []
    for reply in (
        export_started_reply(None),
        export_started_reply("C0COFFEE"),
        export_sent_reply("mingle-report-T1-2026-02-01.xlsx", 123_456),
    ):
        assert reply.text and validate_blocks(reply.blocks) == []
    assert "121 KB" in str(export_sent_reply("r.xlsx", 123_456).blocks)
    comment = upload_comment(sample_headline())
    assert "75%" in comment and len(comment) < 1000


def test_summary_line_counts_in_words() -> None:
    assert summary_line(sample_headline()) == (
        "1,239 members opted in (1,234 active, 5 paused, 6 left), 3 rounds, 600 groups, "
        "met rate 75%, 2 prompts, 40 answers"
    )
    one = Headline(
        period_start=None,
        period_end=TODAY,
        channel_id=None,
        members=MemberCounts(1, 0, 0),
        rounds_run=1,
        groups_made=1,
        groups_met=0,
        groups_not_met=0,
        prompts_posted=1,
        answers_shared=1,
        intros_made=0,
    )
    assert summary_line(one) == (
        "1 member opted in (1 active, 0 paused, 0 left), 1 round, 1 group, met rate n/a, "
        "1 prompt, 1 answer"
    )
