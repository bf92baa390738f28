"""Working hours and the private avoid list, end to end: commands, Home, the profile modal,
rounds, find, "Introduce me", all over signed HTTP and checked in what people see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import ids
from bot.core.hours import FIELD_DAYS, FIELD_END, FIELD_START
from bot.core.messages.preferences import AVOID_FIELD
from bot.services.profiles import ProfileService
from bot.testing.driver import multi_select
from storage.models import Avoid, Match, Member
from tests.e2e.conftest import Stack, assert_valid_message, reply_text

pytestmark = pytest.mark.both_databases  # its promises hold on both databases

TEAM = "T0001"
COFFEE = "C0COFFEE"
# Four people in Singapore (so only hours and days tell them apart).
MON_THU, FRI_ONLY, SG1, SG2, SG3 = "U0S008", "U0S011", "U0S013", "U0S019", "U0S027"
ROBOT, GONE = "U0ROBOT", "U0GONE"


def member(stack: Stack, user_id: str) -> Member | None:
    with stack.app.deps.sessions() as session:
        return session.scalar(select(Member).where(Member.user_id == user_id))


def avoid_rows(stack: Stack) -> list[tuple[str, str]]:
    with stack.app.deps.sessions() as session:
        return [(a.user_id, a.other_user_id) for a in session.scalars(select(Avoid))]


def join(stack: Stack, *user_ids: str) -> None:
    profiles = ProfileService(stack.app.deps)
    for user_id in user_ids:
        profiles.join(TEAM, user_id)
        profiles.add_interests(TEAM, user_id, tuple(stack.sample.interests[user_id]))


def run_round(stack: Stack) -> list[set[str]]:
    assert "set up" in reply_text(
        stack.command(stack.sample.admin_id, "admin setup weekly monday 10:00 UTC size 2")
    )
    stack.command(stack.sample.admin_id, "admin run-now")
    stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    with stack.app.deps.sessions() as session:
        return [set(m.user_ids) for m in session.scalars(select(Match))]


# --- working hours ------------------------------------------------------------------------


def test_hours_are_set_shown_and_on_the_profile_and_home(stack: Stack) -> None:
    user = MON_THU
    stack.command(user, "join")
    shown = reply_text(stack.command(user, "hours"))
    assert "09:00–17:00 Mon–Fri (Asia/Singapore) (the default)" in shown
    reply = stack.command(user, "hours 08:30-16:30 mon-thu")
    assert "Saved: you work 08:30–16:30 Mon–Thu (Asia/Singapore)" in reply_text(reply)
    assert_valid_message(reply)
    assert "08:30–16:30 Mon–Thu (Asia/Singapore)" in reply_text(stack.command(user, "hours"))
    stored = member(stack, user)
    assert stored is not None
    assert (stored.work_start, stored.work_end) == (dt.time(8, 30), dt.time(16, 30))
    assert "08:30–16:30 Mon–Thu (Asia/Singapore)" in reply_text(stack.command(user, "profile"))
    other = stack.command(SG1, f"profile <@{user}|x>")
    assert "Works 08:30–16:30 Mon–Thu (Asia/Singapore)" in reply_text(other)
    stack.command(user, "hours fri")  # days only: the times stay
    view = stack.emu.wait_for(
        lambda: (v := stack.emu.home_view(user)) and "08:30–16:30 Fri" in reply_text(v) and v
    )
    assert "Asia/Singapore" in reply_text(view)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("hours 25:00-26:00", "is not a time"),
        ("hours mon-fry", "`fry` is not a weekday (mon…sun)"),
        ("hours 17:00-09:00", "The end must be after the start"),
        ("hours ,", "No working days given"),
        ("hours " + "9" * 200, "too long"),
        ("hours <b>&amp;</b>", "is not a weekday"),
        ("hours 9-17 ☕", "is not a weekday"),
    ],
)
def test_bad_hours_get_a_precise_private_answer_and_change_nothing(
    stack: Stack, text: str, needle: str
) -> None:
    stack.command(SG1, "join")
    stack.command(SG1, "hours 10:00-18:00")
    reply = stack.command(SG1, text)
    assert needle in reply_text(reply)
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    assert "<b>" not in reply_text(reply) and "Traceback" not in reply_text(reply)
    assert_valid_message(reply)
    stored = member(stack, SG1)
    assert stored is not None and stored.work_start == dt.time(10)


def _open_editor(stack: Stack, user: str) -> dict[str, Any]:
    before = len(stack.emu.open_views())
    stack.driver.block_action(user, ids.ACTION_EDIT_PROFILE)
    return stack.emu.wait_for(lambda: stack.emu.open_views()[before:])[-1]


def _hours_values(start: str | None, end: str | None, days: list[str]) -> dict[str, Any]:
    return {
        FIELD_START: {FIELD_START: {"type": "timepicker", "selected_time": start}},
        FIELD_END: {FIELD_END: {"type": "timepicker", "selected_time": end}},
        FIELD_DAYS: {FIELD_DAYS: multi_select(days) | {"type": "multi_static_select"}},
    }


def test_profile_modal_edits_hours_and_reports_errors_by_field(stack: Stack) -> None:
    user = SG2
    stack.command(user, "hours 07:00-15:00 mon-thu")
    modal = _open_editor(stack, user)
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[FIELD_START]["element"]["initial_time"] == "07:00"
    assert [o["value"] for o in blocks[FIELD_DAYS]["element"]["initial_options"]] == [
        "mon",
        "tue",
        "wed",
        "thu",
    ]
    bad = stack.driver.view_submission(user, modal, _hours_values("17:00", "09:00", []))
    errors = bad.json()["errors"]
    assert "after the start" in errors[FIELD_END] and "No working days" in errors[FIELD_DAYS]
    good = stack.driver.view_submission(user, modal, _hours_values("10:00", "18:30", ["fri"]))
    assert good.status == 200 and not good.body
    stack.emu.wait_for(lambda: (m := member(stack, user)) and m.work_end == dt.time(18, 30))
    assert "10:00–18:30 Fri" in reply_text(stack.command(user, "hours"))


# --- the avoid list -----------------------------------------------------------------------


def test_avoid_list_by_command_is_private_to_its_owner(stack: Stack) -> None:
    owner, avoided = SG1, SG2
    join(stack, owner, avoided)
    assert "empty" in reply_text(stack.command(owner, "avoid"))
    reply = stack.command(owner, f"avoid <@{avoided}|them>")
    assert "Added to your avoid list" in reply_text(reply) and f"<@{avoided}>" in reply_text(reply)
    assert "Already on your list" in reply_text(stack.command(owner, f"avoid <@{avoided}>"))
    assert f"<@{avoided}>" in reply_text(stack.command(owner, "avoid"))
    assert avoid_rows(stack) == [(owner, avoided)]
    # The avoided person sees no trace of it: not in the owner's profile, not on their Home.
    seen = reply_text(stack.command(avoided, f"profile <@{owner}|o>"))
    assert "avoid" not in seen.lower() and f"<@{avoided}>" not in seen
    assert "empty" in reply_text(stack.command(avoided, "avoid"))
    stack.home_event(avoided)
    view = stack.emu.wait_for(lambda: stack.emu.home_view(avoided))
    assert "Your avoid list is empty" in reply_text(view) and owner not in reply_text(view)
    # Nothing was sent to the avoided person.
    dm = stack.emu.dm_channel(avoided)
    assert dm is None or not stack.emu.messages(dm)
    assert "Removed" in reply_text(stack.command(owner, f"unavoid <@{avoided}>"))
    assert "Not on your avoid list" in reply_text(stack.command(owner, f"unavoid <@{avoided}>"))
    assert avoid_rows(stack) == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f"avoid <@{SG1}|me>", "That's you"),
        (f"avoid <@{ROBOT}|robot>", "is a bot"),
        ("avoid <@UBOT|mingle>", "Mingle itself"),
        (f"avoid <@{GONE}|gone>", "deactivated"),
        ("avoid <@U0NOBODY|ghost>", "can't find that person"),
        ("avoid <#C0COFFEE|coffee>", "not channels"),
        ("avoid <!channel>", "not channels"),
        ("avoid bob", "`bob` is not a person"),
        ("avoid <script>&amp;", "is not a person"),
        ("avoid " + "x" * 300, "is not a person"),
        ("avoid ☕", "`☕` is not a person"),
        ("unavoid", "Say who"),
        ("avoid " + " ".join(f"<@U0S0{i:02d}>" for i in range(11)), "at most 10"),
    ],
)
def test_bad_avoid_input_is_refused_kindly(stack: Stack, text: str, needle: str) -> None:
    stack.emu.add_user(ROBOT, name="robot", is_bot=True)
    stack.emu.add_user(GONE, name="gone", deleted=True)
    reply = stack.command(SG1, text)
    assert needle in reply_text(reply)
    assert "<script>" not in reply_text(reply) and "<!channel>" not in reply_text(reply)
    assert_valid_message(reply)
    assert avoid_rows(stack) == []


def test_avoid_list_modal_from_home(stack: Stack) -> None:
    owner = SG3
    stack.emu.add_user(ROBOT, name="robot", is_bot=True)
    stack.command(owner, f"avoid <@{SG1}>")
    before = len(stack.emu.open_views())
    stack.driver.block_action(owner, ids.ACTION_AVOID_LIST)
    modal = stack.emu.wait_for(lambda: stack.emu.open_views()[before:])[-1]
    assert modal["callback_id"] == ids.VIEW_AVOID_LIST
    picker = next(b for b in modal["blocks"] if b.get("block_id") == AVOID_FIELD)
    assert picker["element"]["initial_users"] == [SG1]

    def pick(*users: str) -> dict[str, Any]:
        return {
            AVOID_FIELD: {
                AVOID_FIELD: {"type": "multi_users_select", "selected_users": list(users)}
            }
        }

    for bad, needle in ((owner, "That's you"), (ROBOT, "is a bot"), ("U0NOBODY", "can't find")):
        result = stack.driver.view_submission(owner, modal, pick(SG1, bad))
        assert needle in result.json()["errors"][AVOID_FIELD]
    assert avoid_rows(stack) == [(owner, SG1)]
    result = stack.driver.view_submission(owner, modal, pick(SG2))
    assert result.status == 200 and not result.body
    stack.emu.wait_for(lambda: avoid_rows(stack) == [(owner, SG2)])


def test_forget_me_removes_avoid_rows_on_either_side(stack: Stack) -> None:
    stack.command(SG1, f"avoid <@{SG2}>")
    stack.command(SG2, f"avoid <@{SG3}>")
    assert "deleted" in reply_text(stack.command(SG2, "leave --forget"))
    assert avoid_rows(stack) == []


# --- rounds -------------------------------------------------------------------------------


def test_a_round_never_pairs_a_mon_thu_person_with_a_friday_only_person(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    join(stack, MON_THU, FRI_ONLY, SG1, SG2)
    stack.command(MON_THU, "hours 09:00-17:00 mon-thu")
    stack.command(FRI_ONLY, "hours 09:00-17:00 fri")
    groups = run_round(stack)
    assert len(groups) == 2
    assert not any({MON_THU, FRI_ONLY} <= group for group in groups)


def test_a_round_honours_an_avoid_list_and_never_shows_it(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    people = [MON_THU, FRI_ONLY, SG1, SG2, SG3]
    join(stack, *people)
    stack.command(SG1, f"avoid <@{SG2}>")
    groups = run_round(stack)
    assert not any({SG1, SG2} <= group for group in groups)
    assert sorted(u for g in groups for u in g) == sorted(people)  # a trio, nobody dropped
    assert sorted(len(g) for g in groups) == [2, 3]
    for group in groups:
        channel = stack.emu.dm_channel(*sorted(group))
        for message in stack.emu.messages(channel) if channel else []:
            assert "avoid" not in reply_text(message).lower()


# --- find and "Introduce me" --------------------------------------------------------------


def test_find_suggestions_and_introduce_me_skip_avoided_people(stack: Stack) -> None:
    owner, avoided, other = SG1, SG2, SG3
    for user in (owner, avoided, other):
        stack.command(user, "join")
        stack.command(user, "interests add bouldering")
    stack.command(owner, f"avoid <@{avoided}>")
    for asker, hidden in ((owner, avoided), (avoided, owner)):
        found = reply_text(stack.command(asker, "find bouldering"))
        assert f"<@{other}>" in found and f"<@{hidden}>" not in found
        suggested = reply_text(stack.command(asker, "find"))
        assert f"<@{hidden}>" not in suggested
    # A stale "Introduce me" button: the owner hears it is their list, the other only that
    # the suggestion is out of date.
    for asker, target, needle in (
        (owner, avoided, "on your avoid list"),
        (avoided, owner, "out of date"),
    ):
        _, key = stack.driver.block_action(
            asker,
            ids.ACTION_INTRODUCE_ME,
            target,
            channel_id=COFFEE,
            message={"ts": "1.000001", "text": "results"},
        )
        replies: list[dict[str, Any]] = stack.emu.wait_for(
            lambda key=key: stack.emu.responses(key),  # type: ignore[misc]
            timeout=10,
        )
        reply = replies[-1]
        assert needle in reply_text(reply)
        if asker == avoided:
            assert "avoid" not in reply_text(reply).lower()


def test_admin_setup_across_teams_is_stored_and_said(stack: Stack) -> None:
    from storage.models import ChannelConfig

    admin = stack.sample.admin_id
    reply = stack.command(admin, "admin setup weekly monday 10:00 UTC across-teams")
    assert "across teams (same-team groups only as a last resort)" in reply_text(reply)
    with stack.app.deps.sessions() as session:
        config = session.scalars(select(ChannelConfig)).one()
        assert config.across_teams
    twice = stack.command(admin, "admin setup across-teams cross-team")
    assert "two across-teams options" in reply_text(twice)
    stack.command(admin, "admin setup weekly monday 10:00 UTC")
    with stack.app.deps.sessions() as session:
        assert not session.scalars(select(ChannelConfig)).one().across_teams


def _teams_round(stack: Stack, teams: dict[str, str], across: bool) -> list[set[str]]:
    """A round of pairs among people in Singapore whose teams are `teams`; people in the
    same team share three interests, people of different teams none."""
    profiles = ProfileService(stack.app.deps)
    for user_id, team in teams.items():
        stack.emu.update_user(user_id, title=team, tz="Asia/Singapore")
        profiles.join(TEAM, user_id)
        topics = ("bouldering", "chess", "jazz") if team == "Design" else ("sailing", "go", "opera")
        profiles.add_interests(TEAM, user_id, topics)
    option = " across-teams" if across else ""
    reply = stack.command(
        stack.sample.admin_id, f"admin setup weekly monday 10:00 UTC size 2{option}"
    )
    assert "set up" in reply_text(reply)
    stack.command(stack.sample.admin_id, "admin run-now")
    stack.emu.wait_for(lambda: stack.emu.messages(COFFEE), timeout=20)
    with stack.app.deps.sessions() as session:
        return [set(m.user_ids) for m in session.scalars(select(Match))]


@pytest.mark.parametrize("across", [False, True])
def test_a_round_across_teams_puts_teams_together_only_as_a_last_resort(
    stack: Stack, clock: list[dt.datetime], across: bool
) -> None:
    # (default hours for all four here: only teams and interests tell them apart)
    teams = {MON_THU: "Design", FRI_ONLY: "Design", SG1: "Sales", SG2: "Sales"}
    groups = _teams_round(stack, teams, across)
    assert sorted(u for g in groups for u in g) == sorted(teams)
    same_team = [g for g in groups if len({teams[u] for u in g}) == 1]
    # Without the option, common ground wins (same-team pairs); with it, every pair mixes.
    assert len(same_team) == (0 if across else 2)
    if across:
        for group in groups:
            intro = stack.emu.dm_channel(*sorted(group))
            assert intro is not None and stack.emu.messages(intro)


def test_a_round_across_teams_still_pairs_a_team_when_nothing_else_is_left(
    stack: Stack, clock: list[dt.datetime]
) -> None:
    teams = {MON_THU: "Design", FRI_ONLY: "Design", SG1: "Design", SG2: "Sales"}
    groups = _teams_round(stack, teams, across=True)
    assert sorted(u for g in groups for u in g) == sorted(teams)  # nobody dropped
    same_team = [g for g in groups if len({teams[u] for u in g}) == 1]
    assert len(groups) == 2 and len(same_team) == 1  # the one same-team pair left to make
