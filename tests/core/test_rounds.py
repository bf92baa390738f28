"""The pure parts of rounds: setup arguments, timing, button values, icebreakers, messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core import ids
from bot.core.messages import rounds as msg
from bot.core.numbers import button_id
from bot.core.rounds import (
    ICEBREAKERS,
    RoundSetup,
    SetupError,
    followup_time,
    heads_up_due,
    icebreaker_for,
    parse_setup,
    parse_skip_value,
    round_followup_time,
    skip_value,
    validate_setup_form,
)
from bot.core.schedule import Cadence
from bot.errors import InvalidInputError
from bot.testing.blockkit import readable_texts, validate_blocks

UTC = dt.UTC


def all_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(readable_texts(blocks))


# --- setup arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RoundSetup(tz="Asia/Tokyo")),
        (
            "weekly monday 10:00 Europe/Berlin size 3",
            RoundSetup("weekly", 0, dt.time(10), "Europe/Berlin", 3),
        ),
        (
            "size 4 3pm America/New_York fri biweekly",
            RoundSetup("biweekly", 4, dt.time(15), "America/New_York", 4),
        ),
        (
            "every 2 weeks on tuesdays at 9:30",
            RoundSetup("biweekly", 1, dt.time(9, 30), "Asia/Tokyo", 2),
        ),
        ("MONTHLY Wed groups of 3 UTC", RoundSetup("monthly", 2, dt.time(10), "UTC", 3)),
        ("fortnightly size=2 sun", RoundSetup("biweekly", 6, dt.time(10), "Asia/Tokyo", 2)),
        ("every month pairs", RoundSetup("monthly", 0, dt.time(10), "Asia/Tokyo", 2)),
    ],
)
def test_setup_parts_in_any_order(text: str, expected: RoundSetup) -> None:
    assert parse_setup(text.split(), "Asia/Tokyo") == expected


def test_an_unusable_default_timezone_falls_back_to_utc() -> None:
    assert parse_setup([], "Not/AZone").tz == "UTC"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("weekly funday", "`funday`"),
        ("size 5", "Group size `5`"),
        ("size", "after `size`"),
        ("Mars/Phobos", "`Mars/Phobos` is not a timezone"),
        ("24:30", "`24:30` is not a time"),
        ("13pm", "`13pm` is not a time"),
        ("monday tuesday", "two weekdays"),
        ("10:00 11:00", "two times"),
        ("every year", "After `every`"),
        ("<!channel> & <@U1>", "`<!channel>`"),
        ("é" * 100, "`" + "é" * 40 + "`"),
    ],
)
def test_setup_errors_name_the_bad_part(text: str, needle: str) -> None:
    with pytest.raises(SetupError) as caught:
        parse_setup(text.split(), "UTC")
    assert needle in caught.value.message
    assert "/mingle admin setup" in caught.value.message


def test_setup_describes_itself() -> None:
    setup = RoundSetup("biweekly", 2, dt.time(9, 5), "Europe/Berlin", 3)
    assert setup.describe() == "every 2 weeks, Wednesdays at 09:05 (Europe/Berlin), in groups of 3"
    assert RoundSetup().describe().endswith("in pairs")


def test_setup_form_validation_reports_by_block() -> None:
    setup, errors = validate_setup_form("monthly", "friday", "08:15", "Asia/Kolkata", "4")
    assert errors == {} and setup == RoundSetup(
        "monthly", 4, dt.time(8, 15), "Asia/Kolkata", 4, across_teams=None
    )
    setup, errors = validate_setup_form("hourly", None, "", "Nowhere", "7")
    assert setup is None
    assert set(errors) == {"cadence", "weekday", "time", "timezone", "group_size"}
    assert all(len(e) <= 150 for e in errors.values())


# --- timing ---------------------------------------------------------------------------------


def test_followup_is_halfway_to_the_next_round_across_dst() -> None:
    berlin = Cadence("weekly", 0, dt.time(10), "Europe/Berlin")
    slot = dt.datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 CET; DST starts on the 29th
    assert round_followup_time(berlin, slot) == slot + dt.timedelta(days=3, hours=11, minutes=30)
    monthly = Cadence("monthly", 0, dt.time(10), "UTC")
    start = dt.datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert round_followup_time(monthly, start) == dt.datetime(2026, 1, 19, 10, tzinfo=UTC)
    assert followup_time(start, start + dt.timedelta(days=2)) == start + dt.timedelta(days=1)


def test_a_round_run_by_hand_is_followed_up_half_a_cycle_later() -> None:
    weekly = Cadence("weekly", 0, dt.time(10), "UTC")
    sunday = dt.datetime(2026, 1, 4, 12, tzinfo=UTC)  # the next slot is 22 hours away
    assert round_followup_time(weekly, sunday) == sunday + dt.timedelta(days=3, hours=12)


def test_heads_up_is_due_within_the_day_before() -> None:
    slot = dt.datetime(2026, 5, 4, 8, tzinfo=UTC)
    assert not heads_up_due(slot, slot - dt.timedelta(days=1, minutes=5, seconds=1))
    assert heads_up_due(slot, slot - dt.timedelta(days=1, minutes=4))  # the job fired early
    assert heads_up_due(slot, slot - dt.timedelta(days=1))
    assert heads_up_due(slot, slot - dt.timedelta(minutes=1))
    assert not heads_up_due(slot, slot)


# --- button values --------------------------------------------------------------------------


def test_button_values_round_trip_and_reject_garbage() -> None:
    slot = dt.datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
    assert parse_skip_value(skip_value("C0COFFEE", slot)) == ("C0COFFEE", slot)
    for bad in ("", "C1", "nope|20260504T0830Z", "C1|yesterday", "<!channel>|x"):
        with pytest.raises(InvalidInputError):
            parse_skip_value(bad)
    assert button_id("42") == 42
    for bad in ("", "-1", "4 2", "x"):
        with pytest.raises(InvalidInputError):
            button_id(bad)


# --- icebreakers ----------------------------------------------------------------------------


def test_icebreakers_are_many_distinct_and_picked_deterministically() -> None:
    assert len(set(ICEBREAKERS)) == len(ICEBREAKERS) >= 20
    assert all(q.endswith("?") for q in ICEBREAKERS)
    assert icebreaker_for("T1:C1:20260504T0830Z:7") == icebreaker_for("T1:C1:20260504T0830Z:7")
    picked = {icebreaker_for(f"key-{i}") for i in range(200)}
    assert len(picked) >= 15  # spread over the list


# --- messages -------------------------------------------------------------------------------

NASTY = "<!channel> & <b>bold</b>"


def test_intro_names_everyone_and_escapes_reasons() -> None:
    reply = msg.intro_message(
        ["U1", "U2", "U3"], "C1", [f"You all like {NASTY}", "Never met"], "What's up?"
    )
    text = all_text(reply.blocks)
    assert "<@U1>, <@U2> and <@U3>" in text and "<#C1>" in text
    assert "&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "<!channel>" not in text and "<!channel>" not in reply.text
    assert "Icebreaker" in reply.text and "Never met" in reply.text
    assert validate_blocks(reply.blocks) == []


def test_intro_without_reasons_still_says_why() -> None:
    reply = msg.intro_message(["U1", "U2"], "C1", [], "Why?")
    assert msg.NO_REASONS in all_text(reply.blocks)


def test_preview_fits_in_one_message_for_a_big_round() -> None:
    groups = [
        msg.GroupView((f"U{i}A", f"U{i}B"), (f"You both like {NASTY} " * 5, "Overlap 3h"))
        for i in range(1000)
    ]
    reply = msg.preview_reply("C1", groups, ["UALONE"], 2001, group_size=2)
    assert len(reply.blocks) <= 50
    assert validate_blocks(reply.blocks) == []
    assert "1000 pairs" in all_text(reply.blocks)
    assert "<!channel>" not in all_text(reply.blocks)


def test_preview_of_nobody() -> None:
    reply = msg.preview_reply("C1", [], [], 0, group_size=3)
    assert "Nobody" in all_text(reply.blocks)


def test_heads_up_carries_the_skip_button() -> None:
    slot = dt.datetime(2026, 5, 4, 8, tzinfo=UTC)
    reply = msg.heads_up_message("C1", slot, "Europe/Berlin")
    button = reply.blocks[1]["elements"][0]
    assert button["action_id"] == ids.ACTION_SKIP_ROUND
    assert parse_skip_value(button["value"]) == ("C1", slot)
    assert "Monday 4 May, 10:00 (Europe/Berlin)" in all_text(reply.blocks)
    assert validate_blocks(reply.blocks) == []


def test_followup_buttons_carry_the_match() -> None:
    reply = msg.followup_message(17, ["U1", "U2"])
    buttons = reply.blocks[1]["elements"]
    assert [b["action_id"] for b in buttons] == [
        ids.ACTION_MET,
        ids.ACTION_NOT_YET,
        ids.ACTION_COULD_NOT,
    ]
    assert {b["value"] for b in buttons} == {"17"}
    assert "once more" in msg.followup_message(17, ["U1", "U2"], again=True).text
    for outcome in ("met", "not_yet", "could_not"):
        answered = msg.outcome_message(outcome, "U1")
        assert "<@U1>" in all_text(answered.blocks) and answered.text
        assert validate_blocks(answered.blocks) == []


def test_setup_modal_is_valid_and_prefilled() -> None:
    view = msg.setup_modal("C1", RoundSetup("biweekly", 3, dt.time(16, 45), "Asia/Kolkata", 4))
    assert view["callback_id"] == ids.VIEW_ADMIN_SETUP and view["private_metadata"] == "C1"
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["cadence"]["element"]["initial_option"]["value"] == "biweekly"
    assert by_id["weekday"]["element"]["initial_option"]["value"] == "thursday"
    assert by_id["time"]["element"]["initial_time"] == "16:45"
    assert by_id["timezone"]["element"]["initial_value"] == "Asia/Kolkata"
    assert by_id["group_size"]["element"]["initial_option"]["value"] == "4"
    assert validate_blocks(view["blocks"]) == []


def test_summary_and_problem_messages() -> None:
    assert msg.summary_message(14, 29).text == "14 groups this round!"
    assert msg.summary_message(1, 2).text == "1 group this round!"
    problem = msg.problem_message("C1", "I can't see <it> & more")
    assert "<#C1>" in problem.text and "&lt;it&gt; &amp; more" in problem.text


def test_across_teams_is_read_in_any_position() -> None:
    from bot.core.rounds import parse_setup

    assert parse_setup(["across-teams", "weekly", "size", "3"], "UTC").across_teams
    assert parse_setup(["weekly"], "UTC").across_teams is False
    assert "across teams" in parse_setup(["cross-team"], "UTC").describe()
