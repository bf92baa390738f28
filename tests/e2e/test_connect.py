"""Connect over HTTP: introductions, find, suggestions, the intro shortcut and modal.

Arrangement (who joined, with which profile) goes through the profile service; every action
under test is a signed request to the running app, and every check is on what people see in
the emulator after the delivery worker has sent the outbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core import ids
from bot.core.messages import connect as views
from bot.core.profile import validate_profile
from bot.services.delivery import deliver_pending
from bot.services.profiles import ProfileService
from bot.testing.driver import text_input
from storage.models import Introduction, OutboundMessage
from tests import seed
from tests.e2e.conftest import Stack, assert_valid_message, reply_text

TEAM = "T0001"
ANA, BO, CY, DEE, EVE = "U0S001", "U0S003", "U0S004", "U0S005", "U0S006"
ME = "U0S007"
GONE, ROBOT = "UGONE", "UROBOT"


def setup_profile(
    stack: Stack,
    user_id: str,
    interests: list[str],
    *,
    can_help: list[str] | None = None,
    learn: list[str] | None = None,
    bio: str = "",
    team: str = "",
) -> None:
    profiles = ProfileService(stack.app.deps)
    profiles.join(TEAM, user_id)
    edit = validate_profile(
        {"interest": interests, "can_help": can_help or [], "learn": learn or []},
        bio=bio,
        links="",
        team=team,
    )
    profiles.save_profile(TEAM, user_id, edit)


@pytest.fixture
def people(stack: Stack) -> Stack:
    stack.emu.add_user(GONE, name="gone", real_name="Gone Person", deleted=True)
    stack.emu.add_user(ROBOT, name="robot", real_name="Robot", is_bot=True)
    setup_profile(
        stack, ANA, ["machine learning", "climbing"], can_help=["kubernetes"], team="Platform"
    )
    setup_profile(stack, BO, ["ml", "climbing", "board games"], learn=["kubernetes"], team="Data")
    setup_profile(stack, CY, ["cooking"], bio="I run k8s clusters & bake bread.", team="Data")
    setup_profile(stack, EVE, ["chess"], team="People")
    setup_profile(stack, ME, ["climbing", "chess"], learn=["kubernetes"], team="Product")
    return stack


def deliver(stack: Stack) -> None:
    deliver_pending(stack.app.deps)


def group_dm(stack: Stack, *users: str) -> list[dict[str, Any]]:
    channel = stack.emu.dm_channel(*users)
    assert channel is not None, f"no conversation with {users}"
    return stack.emu.messages(channel)


def intro_count(stack: Stack) -> int:
    with stack.app.deps.sessions() as session:
        return int(session.scalar(select(func.count(Introduction.id))) or 0)


def outbox_count(stack: Stack) -> int:
    with stack.app.deps.sessions() as session:
        return int(session.scalar(select(func.count(OutboundMessage.id))) or 0)


def everything(message: dict[str, Any]) -> str:
    return reply_text(message)


# --- /mingle intro ------------------------------------------------------------------------


def test_intro_opens_a_group_dm_with_the_reason_and_common_ground(people: Stack) -> None:
    stack = people
    reply = stack.command(
        ME, f"intro <@{ANA}|ana> <@{BO}|bo> You both love <b>climbing</b> & ML <!channel>"
    )
    assert "on its way" in reply_text(reply)
    assert_valid_message(reply)
    assert intro_count(stack) == 1
    deliver(stack)
    messages = group_dm(stack, ME, ANA, BO)
    assert len(messages) == 1
    message = messages[0]
    assert message["has_text_fallback"]
    text = everything(message)
    assert f"<@{ANA}>" in text and f"<@{BO}>" in text and f"<@{ME}>" in text
    assert "&lt;b&gt;climbing&lt;/b&gt; &amp; ML" in text
    assert "<!channel>" not in text and "@channel" in text
    assert "You both like climbing" in text
    assert "What you have in common" in text


def test_intro_with_someone_who_has_not_joined_shows_no_profile_data(people: Stack) -> None:
    stack = people
    reply = stack.command(ME, f"intro <@{ANA}|ana> <@{DEE}|dee> Ask her about GPUs")
    assert "on its way" in reply_text(reply)
    deliver(stack)
    text = everything(group_dm(stack, ME, ANA, DEE)[0])
    assert "Ask her about GPUs" in text
    assert "in common" not in text
    assert "machine learning" not in text and "climbing" not in text


def test_intro_without_a_reason_still_introduces(people: Stack) -> None:
    stack = people
    stack.command(ME, f"intro <@{ANA}> <@{BO}>")
    deliver(stack)
    text = everything(group_dm(stack, ME, ANA, BO)[0])
    assert "meet" in text and "in their words" not in text


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f"intro <@{ME}|me> <@{ANA}|ana> hi", "don't need an introduction"),
        (f"intro <@{ANA}|ana> <@{ME}|me> hi", "don't need an introduction"),
        (f"intro <@{ANA}|ana> <@{ANA}|ana> hi", "same person twice"),
        (f"intro <@{ME}> <@{ME}>", "named yourself twice"),
        (f"intro <@{ANA}> <@UNOBODY1>", "can't find that person"),
        (f"intro <@{ROBOT}> <@{ANA}>", "is a bot"),
        (f"intro <@{ANA}> <@UBOT>", "is a bot"),
        (f"intro <@{GONE}> <@{ANA}>", "deactivated"),
        (f"intro <@{ANA}> <#C0COFFEE|coffee-chats>", "people, not channels"),
        (f"intro <@{ANA}> <!channel>", "people, not channels"),
        (f"intro <@{ANA}>", "Name two people"),
        ("intro", "Name two people"),
        (f"intro <@{ANA}> <@{BO}> " + "é" * 1001, "keep it to 1000"),
    ],
)
def test_bad_intros_are_refused_clearly_and_nothing_is_sent(
    people: Stack, text: str, needle: str
) -> None:
    stack = people
    reply = stack.command(ME, text)
    assert needle in reply_text(reply)
    assert_valid_message(reply)
    assert intro_count(stack) == 0
    assert outbox_count(stack) == 0


def test_a_reason_of_exactly_1000_characters_is_fine(people: Stack) -> None:
    stack = people
    reply = people.command(ME, f"intro <@{ANA}> <@{BO}> " + "x" * 1000)
    assert "on its way" in reply_text(reply)
    deliver(stack)
    assert group_dm(stack, ME, ANA, BO)


def test_intros_are_counted_for_stats(people: Stack) -> None:
    from storage.repositories.connect import count_introductions

    people.command(ME, f"intro <@{ANA}> <@{BO}>")
    people.command(EVE, f"intro <@{ANA}> <@{CY}>")
    with people.app.deps.sessions() as session:
        assert count_introductions(session, TEAM) == 2


# --- /mingle find -------------------------------------------------------------------------


def result_users(reply: dict[str, Any]) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in reply.get("blocks") or []
        if block.get("accessory", {}).get("action_id") == ids.ACTION_INTRODUCE_ME
    ]


def test_find_matches_aliases_in_both_directions(people: Stack) -> None:
    stack = people
    reply = stack.command(ME, "find ML")
    assert sorted(result_users(reply)) == sorted([ANA, BO])
    assert_valid_message(reply)
    reply = stack.command(ME, "find machine learning")
    assert result_users(reply)[:2] == [ANA, BO] or result_users(reply)[:2] == [BO, ANA]


def test_find_kubernetes_finds_can_help_and_k8s_in_a_bio(people: Stack) -> None:
    stack = people
    reply = stack.command(ME, "find kubernetes")
    found = result_users(reply)
    assert found[0] == ANA  # a topic beats a bio mention
    assert CY in found
    text = reply_text(reply)
    assert "can help with *kubernetes*" in text
    assert "bio mentions *k8s*" in text
    assert ME not in found


def test_find_is_case_and_plural_insensitive_and_shows_common_ground(people: Stack) -> None:
    stack = people
    reply = stack.command(ME, "find Board Game")
    assert result_users(reply) == [BO]
    assert "You both like climbing" in reply_text(reply)


def test_find_lists_only_active_members(people: Stack) -> None:
    stack = people
    ProfileService(stack.app.deps).leave(TEAM, BO)
    ProfileService(stack.app.deps).pause(TEAM, ANA, dt.date(2099, 1, 1))
    assert result_users(stack.command(ME, "find ml")) == []


def test_find_hides_deactivated_accounts(people: Stack) -> None:
    stack = people
    stack.emu.update_user(BO, deleted=True)
    stack.app.deps.slack._users.clear()  # the gateway caches users for a few minutes
    assert result_users(stack.command(ME, "find ml")) == [ANA]


@pytest.mark.parametrize("words", ["zzz-unknown", "<script>&", "<!channel>", "日本語"])
def test_find_with_no_match_says_so_safely(people: Stack, words: str) -> None:
    reply = people.command(ME, "find " + words)
    assert "Nobody" in reply_text(reply)
    assert "<!channel>" not in str(reply.get("blocks"))
    assert "<script>" not in str(reply.get("blocks"))
    assert_valid_message(reply)


def test_find_by_someone_who_has_not_joined_lists_people_without_common_ground(
    people: Stack,
) -> None:
    reply = people.command(DEE, "find climbing")
    assert sorted(result_users(reply)) == sorted([ANA, BO, ME])
    assert "Join Mingle" in reply_text(reply)
    assert "You both like" not in reply_text(reply)


def test_find_without_words_suggests_three_people_never_met(people: Stack) -> None:
    stack = people
    with stack.app.deps.sessions.begin() as session:
        seed.add_match(
            session, TEAM, "C0COFFEE", dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC), [ME, BO]
        )
    reply = stack.command(ME, "find")
    suggested = result_users(reply)
    assert len(suggested) == 3
    assert BO not in suggested  # already matched (and the best affinity otherwise)
    assert ME not in suggested
    assert suggested[0] == ANA  # shares climbing, can help with what ME wants to learn
    assert "haven't met" in reply_text(reply)
    assert_valid_message(reply)


def test_find_without_words_asks_people_to_join_first(people: Stack) -> None:
    reply = people.command(DEE, "find")
    assert "join" in reply_text(reply).lower()
    assert result_users(reply) == []


# --- "Introduce me" -----------------------------------------------------------------------


def click_introduce_me(stack: Stack, user_id: str, target: str) -> dict[str, Any]:
    before = len(stack.emu.open_views())
    stack.driver.block_action(
        user_id,
        ids.ACTION_INTRODUCE_ME,
        target,
        channel_id="C0COFFEE",
        message={"ts": "1.000001", "text": "results"},
    )
    return stack.emu.wait_for(lambda: stack.emu.open_views()[before:], timeout=10)[-1]


def test_introduce_me_opens_a_prefilled_note_and_sends_it(people: Stack) -> None:
    stack = people
    modal = click_introduce_me(stack, ME, ANA)
    assert modal["callback_id"] == ids.VIEW_INTRO
    note = modal["blocks"][1]["element"]["initial_value"]
    assert note == views.DEFAULT_SELF_INTRO
    values = {views.INTRO_REASON: {views.INTRO_REASON: text_input("Can you teach me k8s?")}}
    result = stack.driver.view_submission(ME, modal, values)
    assert result.status == 200
    assert result.json()["response_action"] == "update"
    assert "On its way" in reply_text(result.json()["view"])
    deliver(stack)
    text = everything(group_dm(stack, ME, ANA)[0])
    assert "Can you teach me k8s?" in text
    assert "can help" in text  # Ana can help with kubernetes, which ME wants to learn
    with stack.app.deps.sessions() as session:
        intro = session.scalars(select(Introduction)).one()
        assert (intro.introducer_id, intro.a_user_id, intro.b_user_id) == (ME, ME, ANA)


def test_introduce_me_with_an_over_long_note_is_refused_in_the_modal(people: Stack) -> None:
    stack = people
    modal = click_introduce_me(stack, ME, ANA)
    values = {views.INTRO_REASON: {views.INTRO_REASON: text_input("x" * 1001)}}
    result = stack.driver.view_submission(ME, modal, values)
    body = result.json()
    assert body["response_action"] == "errors"
    assert "1000" in body["errors"][views.INTRO_REASON]
    assert intro_count(stack) == 0


def test_introduce_me_for_a_deactivated_person_answers_on_the_message(people: Stack) -> None:
    stack = people
    _, key = stack.driver.block_action(
        ME,
        ids.ACTION_INTRODUCE_ME,
        GONE,
        channel_id="C0COFFEE",
        message={"ts": "1.000001", "text": "results"},
    )
    reply = stack.emu.wait_for(lambda: stack.emu.responses(key), timeout=10)[-1]
    assert "deactivated" in reply_text(reply)


# --- the global shortcut ------------------------------------------------------------------


def open_shortcut(stack: Stack, user_id: str) -> dict[str, Any]:
    before = len(stack.emu.open_views())
    assert stack.driver.global_shortcut(user_id, ids.SHORTCUT_INTRO).status == 200
    return stack.emu.wait_for(lambda: stack.emu.open_views()[before:], timeout=10)[-1]


def pick(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def shortcut_values(a: str | None, b: str | None, reason: str) -> dict[str, Any]:
    return {
        views.INTRO_A: {views.INTRO_A: pick(a)},
        views.INTRO_B: {views.INTRO_B: pick(b)},
        views.INTRO_REASON: {views.INTRO_REASON: text_input(reason)},
    }


def test_shortcut_modal_introduces_two_people(people: Stack) -> None:
    stack = people
    modal = open_shortcut(stack, ME)
    kinds = [b.get("element", {}).get("type") for b in modal["blocks"]]
    assert kinds.count("users_select") == 2
    result = stack.driver.view_submission(ME, modal, shortcut_values(ANA, BO, "Both climb <3"))
    assert result.json()["response_action"] == "update"
    deliver(stack)
    text = everything(group_dm(stack, ME, ANA, BO)[0])
    assert "Both climb &lt;3" in text


@pytest.mark.parametrize(
    ("a", "b", "reason", "field", "needle"),
    [
        (ME, ANA, "", views.INTRO_A, "don't need an introduction"),
        (ANA, ME, "", views.INTRO_B, "don't need an introduction"),
        (ANA, ANA, "", views.INTRO_B, "same person twice"),
        (ANA, ROBOT, "", views.INTRO_B, "is a bot"),
        (GONE, ANA, "", views.INTRO_A, "deactivated"),
        (ANA, "UNOBODY1", "", views.INTRO_B, "can't find"),
        (ANA, BO, "y" * 1001, views.INTRO_REASON, "1000"),
        (None, BO, "", views.INTRO_A, "Pick someone"),
    ],
)
def test_shortcut_modal_shows_errors_next_to_the_field(
    people: Stack, a: str | None, b: str | None, reason: str, field: str, needle: str
) -> None:
    stack = people
    modal = open_shortcut(stack, ME)
    result = stack.driver.view_submission(ME, modal, shortcut_values(a, b, reason))
    body = result.json()
    assert body["response_action"] == "errors"
    assert needle in body["errors"][field]
    assert intro_count(stack) == 0
