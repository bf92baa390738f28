"""Connect's messages and modals stay within Block Kit limits, escape user text, have fallbacks."""

from __future__ import annotations

import datetime as dt
import json

from bot.core import ids
from bot.core.connect import CAN_HELP, INTEREST, MAX_REASON, Found, render_reason
from bot.core.messages import connect as views
from bot.testing.blockkit import validate_blocks, validate_view

NASTY = "<!channel> <script> & " * 60


def every_text(blocks: object) -> str:
    return json.dumps(blocks)


def test_intro_message_with_the_longest_nasty_reason_is_valid() -> None:
    reason = render_reason((NASTY + "\n")[:MAX_REASON])
    reply = views.intro_message(
        "U0", "U1", "U2", reason_mrkdwn=reason, ground=["You both like <b> & c"] * 10
    )
    assert validate_blocks(reply.blocks) == []
    assert reply.text
    dumped = every_text(reply.blocks)
    assert "<!channel>" not in dumped and "<script>" not in dumped
    assert "You both like &lt;b&gt; &amp; c" in dumped
    assert dumped.count("You both like") == views.MAX_GROUND


def test_intro_message_without_reason_or_ground_has_no_empty_sections() -> None:
    reply = views.intro_message("U0", "U1", "U2", reason_mrkdwn="", ground=[])
    assert validate_blocks(reply.blocks) == []
    assert "words" not in every_text(reply.blocks)
    assert "in common" not in every_text(reply.blocks)


def test_self_intro_message_names_who_asked() -> None:
    reply = views.intro_message("U1", "U1", "U2", reason_mrkdwn="hi", ground=[], self_intro=True)
    assert "<@U2>, meet <@U1>" in every_text(reply.blocks)


def test_modals_are_valid() -> None:
    assert validate_view(views.intro_modal(), expected_types=frozenset({"modal"})) == []
    modal = views.self_intro_modal("U2", "x" * 5000)
    assert validate_view(modal, expected_types=frozenset({"modal"})) == []
    assert modal["callback_id"] == ids.VIEW_INTRO
    assert json.loads(modal["private_metadata"]) == {"mode": "self", "b": "U2"}
    done = views.done_modal(views.intro_queued_reply("U1", "U2"))
    assert validate_view(done, expected_types=frozenset({"modal"})) == []


def test_find_results_with_many_long_rows_are_valid() -> None:
    found = tuple(Found(INTEREST, f"<t{i}>" * 10) for i in range(8)) + (Found(CAN_HELP, "k8s"),)
    rows = [
        views.PersonRow(f"U{i}", found, tuple(["You both like " + "x" * 900] * 5))
        for i in range(30)
    ]
    reply = views.find_results(NASTY, rows, viewer_joined=False)
    assert validate_blocks(reply.blocks) == []
    dumped = every_text(reply.blocks)
    assert "<!channel>" not in dumped and "<t1>" not in dumped
    assert f"*{views.MAX_RESULTS} people for" in dumped
    assert dumped.count(ids.ACTION_INTRODUCE_ME) == views.MAX_RESULTS
    assert "and 4 more" in dumped  # only four topics named per field
    assert "`/mingle join`" in dumped


def test_found_text_groups_by_field() -> None:
    text = views.found_text([Found(INTEREST, "ml"), Found(CAN_HELP, "k8s"), Found("bio", "K8s")])
    assert text == "likes *ml*; can help with *k8s*; bio mentions *K8s*"


def test_no_results_and_no_suggestions_say_what_to_do() -> None:
    reply = views.find_results("<zzz>", [], viewer_joined=True)
    assert validate_blocks(reply.blocks) == []
    assert "&lt;zzz&gt;" in every_text(reply.blocks)
    assert "/mingle find" in views.suggestions_reply([]).blocks[0]["text"]["text"]


def test_nudge_message_is_valid_and_carries_the_nudge_id() -> None:
    reply = views.nudge_message(
        "U2", met_on=dt.date(2026, 3, 2), ground=["<x>"] * 9, nudge_id=42, met=True
    )
    assert validate_blocks(reply.blocks) == []
    dumped = every_text(reply.blocks)
    assert '"value": "42"' in dumped and ids.ACTION_SAY_HI in dumped
    assert "2 March 2026" in dumped and "&lt;x&gt;" in dumped


def test_welcome_links_to_the_home_tab_when_the_app_is_known() -> None:
    reply = views.welcome_message("C1", team_id="T1", app_id="A1")
    assert validate_blocks(reply.blocks) == []
    assert "slack://app?team=T1&id=A1&tab=home" in every_text(reply.blocks)
    plain = views.welcome_message("C1", team_id="T1", app_id="")
    assert "slack://" not in every_text(plain.blocks)
    assert "Home" in every_text(plain.blocks)
