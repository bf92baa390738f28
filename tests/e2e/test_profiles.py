"""Profiles and membership, driven over HTTP as Slack would, checked in what users see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core import ids
from bot.testing.driver import multi_select, text_input
from storage.models import Member
from storage.repositories.members import topic_names
from tests.e2e.conftest import Stack, assert_valid_message, reply_text


def member(stack: Stack, user_id: str) -> Member | None:
    with stack.app.deps.sessions() as session:
        return session.scalar(select(Member).where(Member.user_id == user_id))


def test_join_stores_the_member_with_their_slack_timezone(stack: Stack) -> None:
    user = stack.sample.user_ids[3]
    reply = stack.command(user, "join")
    assert "Welcome to Mingle" in reply_text(reply)
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    stored = member(stack, user)
    assert stored is not None and stored.status == "active"
    assert stored.tz == stack.sample.person(user).tz
    assert "already in" in reply_text(stack.command(user, "join"))


def test_leave_pause_resume_cycle(stack: Stack) -> None:
    user = stack.sample.user_ids[0]
    assert "nothing to pause" in reply_text(stack.command(user, "pause 2 weeks"))
    stack.command(user, "join")
    assert "Paused" in reply_text(stack.command(user, "pause until 2027-01-15"))
    stored = member(stack, user)
    assert stored is not None and stored.status == "paused"
    assert str(stored.paused_until) == "2027-01-15"
    assert "Welcome back" in reply_text(stack.command(user, "resume"))
    assert "left Mingle" in reply_text(stack.command(user, "leave"))
    stored = member(stack, user)
    assert stored is not None and stored.status == "left"


def test_interests_add_list_remove(stack: Stack) -> None:
    user = stack.sample.user_ids[1]
    stack.command(user, "join")
    reply = stack.command(user, "interests add Rust,  BOULDERING ; rust")
    assert "bouldering" in reply_text(reply) and "rust" in reply_text(reply)
    assert "bouldering, rust" in reply_text(
        stack.command(user, "interests")
    ) or "rust, bouldering" in reply_text(stack.command(user, "interests"))
    assert "Removed" in reply_text(stack.command(user, "interests remove RUST"))
    stored = member(stack, user)
    assert stored is not None and topic_names(stored, "interest") == ["bouldering"]
    assert "don't have" in reply_text(stack.command(user, "interests remove chess"))


def test_too_many_or_too_long_interests_are_refused_and_nothing_is_lost(stack: Stack) -> None:
    user = stack.sample.user_ids[1]
    stack.command(user, "interests add chess")
    many = ", ".join(f"topic {i}" for i in range(25))
    assert "at most 20" in reply_text(stack.command(user, "interests add " + many))
    assert "40 characters" in reply_text(stack.command(user, "interests add " + "x" * 41))
    stored = member(stack, user)
    assert stored is not None and topic_names(stored, "interest") == ["chess"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [("dance", "I don't know"), ("pause forever", "couldn't read"), ("interests add", "Say which")],
)
def test_malformed_input_gets_ephemeral_help(stack: Stack, text: str, needle: str) -> None:
    reply = stack.command(stack.sample.user_ids[0], text)
    assert needle in reply_text(reply)
    assert "/mingle" in reply_text(reply)
    assert_valid_message(reply)


def test_profile_of_someone_else_and_of_unknown_people(stack: Stack) -> None:
    viewer, other = stack.sample.user_ids[:2]
    assert "hasn't joined" in reply_text(stack.command(viewer, f"profile <@{other}|x>"))
    stack.command(other, "join")
    stack.command(other, "interests add sailing")
    assert "sailing" in reply_text(stack.command(viewer, f"profile <@{other}|x>"))
    assert "can't find" in reply_text(stack.command(viewer, "profile <@U0NOBODY|ghost>"))


def test_bots_and_deactivated_accounts_cannot_join(stack: Stack) -> None:
    stack.emu.add_user("U0ROBOT", name="robot", is_bot=True)
    stack.emu.add_user("U0GONE", name="gone", deleted=True)
    for user in ("U0ROBOT", "U0GONE"):
        assert "for people" in reply_text(stack.command(user, "join"))
        assert member(stack, user) is None


def test_user_text_is_escaped_everywhere(stack: Stack) -> None:
    user = stack.sample.user_ids[2]
    stack.command(user, "join")
    reply = stack.command(user, "interests add <!channel> & <b>, <@U0S001>")
    text = reply_text(reply)
    assert "<!channel>" not in text and "<@U0S001>" not in text
    assert "&lt;!channel&gt; &amp; &lt;b&gt;" in text
    stack.home_event(user)
    view = stack.emu.wait_for(lambda: stack.emu.home_view(user))
    assert "<!channel>" not in reply_text(view) and "&lt;!channel&gt;" in reply_text(view)


def test_home_tab_shows_profile_and_status(stack: Stack) -> None:
    user = stack.sample.user_ids[4]
    stack.home_event(user)
    view = stack.emu.wait_for(lambda: stack.emu.home_view(user))
    assert "Not taking part yet" in reply_text(view)
    assert "Join Mingle" in reply_text(view)
    stack.command(user, "join")
    stack.command(user, "interests add pottery")
    view = stack.emu.wait_for(
        lambda: (v := stack.emu.home_view(user)) and "pottery" in reply_text(v) and v
    )
    assert "Active" in reply_text(view)
    assert stack.sample.person(user).tz in reply_text(view)


def _open_editor(stack: Stack, user: str) -> dict:
    before = len(stack.emu.open_views())
    stack.driver.block_action(user, ids.ACTION_EDIT_PROFILE)
    return stack.emu.wait_for(lambda: stack.emu.open_views()[before:])[-1]


def test_edit_profile_modal_validates_and_saves(stack: Stack) -> None:
    user = stack.sample.user_ids[5]
    stack.command(user, "interests add chess")
    modal = _open_editor(stack, user)
    assert modal["callback_id"] == ids.VIEW_EDIT_PROFILE
    initial = modal["blocks"][0]["element"]["initial_options"]
    assert [o["value"] for o in initial] == ["chess"]

    too_many = {
        "interest": {ids.ACTION_INTEREST_SELECT: multi_select([f"t{i}" for i in range(21)])},
        "learn": {ids.ACTION_LEARN_SELECT: multi_select(["y" * 41])},
    }
    result = stack.driver.view_submission(user, modal, too_many)
    assert result.status == 200
    errors = result.json()
    assert errors["response_action"] == "errors"
    assert "at most 20" in errors["errors"]["interest"]
    assert "40 characters" in errors["errors"]["learn"]
    stored = member(stack, user)
    assert stored is not None and topic_names(stored, "interest") == ["chess"]

    good = {
        "interest": {ids.ACTION_INTEREST_SELECT: multi_select(["Chess", "Go ", "chess"])},
        "can_help": {ids.ACTION_CAN_HELP_SELECT: multi_select(["Python"])},
        "learn": {ids.ACTION_LEARN_SELECT: multi_select(["Rust"])},
        "team": {"team": text_input("Platform")},
        "bio": {"bio": text_input("Hi <there> & hello")},
        "links": {"links": text_input("")},
    }
    result = stack.driver.view_submission(user, modal, good)
    assert result.status == 200 and not result.body

    def saved() -> Member | None:
        m = member(stack, user)
        return m if m is not None and m.team_name == "Platform" else None

    stored = stack.emu.wait_for(saved)
    assert topic_names(stored, "interest") == ["chess", "go"]
    assert topic_names(stored, "can_help") == ["python"]
    assert topic_names(stored, "learn") == ["rust"]
    view = stack.emu.wait_for(
        lambda: (v := stack.emu.home_view(user)) and "Platform" in reply_text(v) and v
    )
    assert "Hi &lt;there&gt; &amp; hello" in reply_text(view)


def test_interest_typeahead_offers_known_and_new_topics(stack: Stack) -> None:
    a, b = stack.sample.user_ids[:2]
    stack.command(a, "interests add machine learning, mountain biking")
    result = stack.driver.block_suggestion(b, ids.ACTION_INTEREST_SELECT, "MACHINE")
    values = [o["value"] for o in result.json()["options"]]
    assert "machine learning" in values
    assert values[0] == "machine"  # the typed text itself, to add as new
    result = stack.driver.block_suggestion(b, ids.ACTION_INTEREST_SELECT, "zzz")
    assert [o["value"] for o in result.json()["options"]] == ["zzz"]


def test_forget_me_deletes_personal_data(stack: Stack) -> None:
    user = stack.sample.user_ids[6]
    stack.command(user, "join")
    stack.command(user, "interests add knitting")
    stack.driver.block_action(user, ids.ACTION_FORGET_ME, "forget")
    stack.emu.wait_for(lambda: member(stack, user) is None)
    other = stack.sample.user_ids[7]
    assert "hasn't joined" in reply_text(stack.command(other, f"profile <@{user}|x>"))
    reply = stack.command(user, "join")
    assert "Welcome" in reply_text(reply)
    stored = member(stack, user)
    assert stored is not None and topic_names(stored, "interest") == []


def test_leave_forget_command(stack: Stack) -> None:
    user = stack.sample.user_ids[8]
    stack.command(user, "join")
    assert "deleted" in reply_text(stack.command(user, "leave --forget"))
    assert member(stack, user) is None


def test_every_reply_has_fallback_text_and_valid_blocks(stack: Stack) -> None:
    user = stack.sample.user_ids[9]
    for text in (
        "help",
        "help admin",
        "join",
        "interests add a, b",
        "interests",
        "profile",
        "pause 1 week",
        "resume",
        "nonsense",
        "leave",
    ):
        assert_valid_message(stack.command(user, text))
    for call in stack.emu.calls:
        assert call.ok or call.error in ("user_not_found",), (call.method, call.error)


def test_typed_ampersands_and_brackets_are_stored_as_typed(stack: Stack) -> None:
    user = stack.sample.user_ids[10]
    stack.command(user, "join")
    reply = stack.command(user, "interests add R&D, <html>")
    assert "r&amp;d" in reply_text(reply) and "&amp;amp;" not in reply_text(reply)
    stored = member(stack, user)
    assert stored is not None and topic_names(stored, "interest") == ["r&d", "<html>"]
