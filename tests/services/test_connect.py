"""Connect's services and queries against the emulator, on SQLite and PostgreSQL.

These check what end-to-end tests can't observe directly: events that must do nothing,
concurrent nudge jobs, what is stored and queued, and how suggestions use affinity.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bot.core import connect as rules
from bot.core.profile import validate_profile
from bot.core.status import OutboxKind
from bot.services import connect, preferences
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from bot.testing.emulator import SlackEmulator
from storage.models import (
    ChannelConfig,
    Introduction,
    Member,
    Nudge,
    OutboundMessage,
)
from storage.repositories import connect as repo
from tests import seed
from tests.conftest import MakeDeps, run_at_once

TEAM = "T0001"
NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    for user_id, name in [("U1", "ana"), ("U2", "bo"), ("U3", "cy"), ("U4", "dee")]:
        emu.add_user(user_id, name=name, real_name=name.title(), tz="Europe/Berlin")
    emu.add_user("U5", name="eve", real_name="Eve")
    emu.add_user("UGONE", name="gone", real_name="Gone", deleted=True)
    emu.add_user("UROBOT", name="robot", real_name="Robot", is_bot=True)
    emu.add_channel("C1", name="coffee", members=["U1", "U2", "U3", "U4"])
    emu.add_channel("C2", name="random", members=["U1", "U2"])
    return emu


@pytest.fixture
def deps(make_deps: MakeDeps) -> Deps:
    return make_deps(clock=lambda: NOW)


def profile(deps: Deps, user_id: str, interests: list[str], **extra: list[str]) -> None:
    service = ProfileService(deps)
    service.join(TEAM, user_id)
    edit = validate_profile(
        {
            "interest": interests,
            "can_help": extra.get("can_help", []),
            "learn": extra.get("learn", []),
        },
        bio="",
        links="",
        team=extra.get("team", [""])[0],
    )
    service.save_profile(TEAM, user_id, edit)


def match(deps: Deps, when: dt.datetime, users: list[str], outcome: str | None = None) -> None:
    with deps.sessions.begin() as session:
        seed.add_match(session, TEAM, "C1", when, users, outcome=outcome)


def outbox_rows(deps: Deps) -> list[OutboundMessage]:
    with deps.sessions() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


# --- introductions ------------------------------------------------------------------------


def test_intro_stores_the_introduction_and_queues_one_group_dm(deps: Deps) -> None:
    profile(deps, "U1", ["climbing"])
    profile(deps, "U2", ["climbing"])
    reply = connect.introduce(deps, TEAM, "U3", "U1", "U2", "  you both climb \x00 ")
    assert "on its way" in reply.blocks[0]["text"]["text"]
    with deps.sessions() as session:
        intro = session.scalars(select(Introduction)).one()
        assert (intro.introducer_id, intro.a_user_id, intro.b_user_id) == ("U3", "U1", "U2")
        assert intro.reason == "you both climb"
        assert intro.created_at == NOW
        assert repo.count_introductions(session, TEAM) == 1
        assert repo.count_introductions(session, TEAM, since=NOW + dt.timedelta(seconds=1)) == 0
    (row,) = outbox_rows(deps)
    assert row.kind == OutboxKind.INTRO
    assert row.user_ids == ["U3", "U1", "U2"]
    assert row.notify_user == "U3"
    assert row.key == f"intro:{TEAM}:{intro.id}"
    assert "You both like climbing" in str(row.blocks)


def test_intro_of_someone_who_left_shows_no_profile_data(deps: Deps) -> None:
    profile(deps, "U1", ["climbing"])
    profile(deps, "U2", ["climbing"])
    ProfileService(deps).leave(TEAM, "U2")
    connect.introduce(deps, TEAM, "U3", "U1", "U2", "")
    (row,) = outbox_rows(deps)
    assert "climbing" not in str(row.blocks)


@pytest.mark.parametrize(
    ("a", "b", "field", "needle"),
    [
        ("U1", "UGONE", "intro_b", "deactivated"),
        ("UROBOT", "U1", "intro_a", "bot"),
        ("U1", "UBOT", "intro_b", "bot"),
        ("U1", "UNOPE", "intro_b", "can't find"),
        ("U3", "U1", "intro_a", "don't need"),
    ],
)
def test_intro_errors_name_the_field(deps: Deps, a: str, b: str, field: str, needle: str) -> None:
    with pytest.raises(connect.IntroError) as caught:
        connect.introduce(deps, TEAM, "U3", a, b, "")
    assert caught.value.field == field
    assert needle in caught.value.message
    assert outbox_rows(deps) == []


# --- find and suggestions -----------------------------------------------------------------


def test_suggestions_use_affinity_and_skip_people_already_matched(deps: Deps) -> None:
    profile(deps, "U1", ["climbing", "chess"], learn=["rust"])
    profile(deps, "U2", ["climbing", "chess"])  # best, but already matched with U1
    profile(deps, "U3", ["chess"], can_help=["rust"])
    profile(deps, "U4", ["cooking"])
    profile(deps, "U5", ["climbing"])
    match(deps, NOW - dt.timedelta(days=300), ["U1", "U2"])
    reply = connect.suggest(deps, TEAM, "U1")
    suggested = [b["accessory"]["value"] for b in reply.blocks if "accessory" in b]
    assert suggested == ["U3", "U5", "U4"]


def test_suggestion_pool_is_capped_by_topics_in_common(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile(deps, "U1", ["climbing"])
    profile(deps, "U2", ["cooking"])
    profile(deps, "U3", ["climbing"])
    profile(deps, "U4", ["knitting"])
    monkeypatch.setattr(rules, "MAX_SUGGESTION_POOL", 1)
    reply = connect.suggest(deps, TEAM, "U1")
    suggested = [b["accessory"]["value"] for b in reply.blocks if "accessory" in b]
    assert suggested == ["U3"]


def test_find_skips_accounts_deactivated_since_they_joined(deps: Deps, emu: SlackEmulator) -> None:
    profile(deps, "U1", ["rust"])
    profile(deps, "U2", ["rust"])
    profile(deps, "U3", ["rust"])
    emu.update_user("U2", deleted=True)
    deps.slack._users.clear()
    reply = connect.find(deps, TEAM, "U4", "Rust")
    found = [b["accessory"]["value"] for b in reply.blocks if "accessory" in b]
    assert found == ["U1", "U3"]


# --- nudges -------------------------------------------------------------------------------


def enable(deps: Deps, user_id: str, days: int | None = None) -> None:
    connect.set_reconnect(deps, TEAM, user_id, True, days)


def test_concurrent_nudge_jobs_send_one_nudge(deps: Deps) -> None:
    for user_id in ("U1", "U2", "U3"):
        profile(deps, user_id, ["chess"])
    match(deps, NOW - dt.timedelta(days=200), ["U1", "U2"], outcome="met")
    match(deps, NOW - dt.timedelta(days=180), ["U1", "U3"], outcome="met")
    enable(deps, "U1")
    results: list[int] = []
    barrier = threading.Barrier(4)

    def job() -> None:
        barrier.wait()
        results.append(connect.send_due_nudges(deps))

    run_at_once([job] * 4)
    assert sum(results) == 1
    with deps.sessions() as session:
        assert len(session.scalars(select(Nudge)).all()) == 1
    assert [r.kind for r in outbox_rows(deps)] == [OutboxKind.NUDGE]


@pytest.mark.parametrize("owner", ["U1", "U2"])
def test_nudges_never_remind_of_someone_on_either_avoid_list(deps: Deps, owner: str) -> None:
    for user_id in ("U1", "U2", "U3"):
        profile(deps, user_id, ["chess"])
    # U2 is the one U1 met more recently (the first to be reminded of), U3 before that.
    match(deps, NOW - dt.timedelta(days=150), ["U1", "U2"], outcome="met")
    match(deps, NOW - dt.timedelta(days=200), ["U1", "U3"], outcome="met")
    other = "U2" if owner == "U1" else "U1"
    preferences.avoid(deps, TEAM, owner, [other])
    enable(deps, "U1")
    assert connect.send_due_nudges(deps) == 1
    with deps.sessions() as session:
        assert [n.other_user_id for n in session.scalars(select(Nudge))] == ["U3"]
    (row,) = outbox_rows(deps)
    assert "U2" not in str(row.blocks) and "U2" not in row.text
    # With U3 gone from Mingle, nobody is left to remind U1 of: no nudge at all.
    deps.clock = lambda: NOW + dt.timedelta(days=90)
    ProfileService(deps).leave(TEAM, "U3")
    assert connect.send_due_nudges(deps) == 0


def test_claim_nudge_is_a_compare_and_set(deps: Deps) -> None:
    profile(deps, "U1", ["chess"])
    with deps.sessions.begin() as session:
        member = session.scalars(select(Member).where(Member.user_id == "U1")).one()
        assert repo.claim_nudge(session, member, None, NOW)
        assert not repo.claim_nudge(session, member, None, NOW)
        assert repo.claim_nudge(session, member, NOW, NOW + dt.timedelta(days=30))


def test_nothing_to_remind_of_leaves_the_member_due(deps: Deps) -> None:
    profile(deps, "U1", ["chess"])
    profile(deps, "U2", ["chess"])
    enable(deps, "U1")
    match(deps, NOW - dt.timedelta(days=10), ["U1", "U2"])
    assert connect.send_due_nudges(deps) == 0
    with deps.sessions() as session:
        member = session.scalars(select(Member).where(Member.user_id == "U1")).one()
        assert member.last_nudge_at is None
    deps.clock = lambda: NOW + dt.timedelta(days=85)
    assert connect.send_due_nudges(deps) == 1


def test_encounters_and_matched_with(deps: Deps) -> None:
    match(deps, NOW - dt.timedelta(days=50), ["U1", "U2", "U3"], outcome="met")
    match(deps, NOW - dt.timedelta(days=20), ["U2", "U4"])
    with deps.sessions() as session:
        assert repo.matched_with(session, TEAM, "U1") == {"U2", "U3"}
        assert repo.matched_with(session, TEAM, "U2") == {"U1", "U3", "U4"}
        assert repo.matched_with(session, "T_OTHER", "U2") == set()
        rows = repo.encounters(session, TEAM, "U2")
    assert [(other, outcome) for other, _, outcome, _ in rows] == [
        ("U1", "met"),
        ("U3", "met"),
        ("U4", None),
    ]
    assert rows[0][3] == frozenset({"U1", "U2", "U3"})


# --- welcome ------------------------------------------------------------------------------


def test_welcome_only_once_only_in_mingle_channels_only_for_people(deps: Deps) -> None:
    with deps.sessions.begin() as session:
        session.add(ChannelConfig(team_id=TEAM, channel_id="C1"))
    profile(deps, "U4", ["chess"])
    assert not connect.welcome(deps, TEAM, "C2", "U1")  # not a Mingle channel
    assert not connect.welcome(deps, TEAM, "C1", "UBOT")  # Mingle itself
    assert not connect.welcome(deps, TEAM, "C1", "UROBOT")  # a bot
    assert not connect.welcome(deps, TEAM, "C1", "UGONE")  # deactivated
    assert not connect.welcome(deps, TEAM, "C1", "UNOPE")  # unknown
    assert not connect.welcome(deps, TEAM, "C1", "U4")  # already in Mingle
    assert not connect.welcome(deps, TEAM, "C1", "")
    assert connect.welcome(deps, TEAM, "C1", "U1", app_id="A1")
    assert not connect.welcome(deps, TEAM, "C1", "U1", app_id="A1")  # no repeat
    (row,) = outbox_rows(deps)
    assert (row.kind, row.channel_id, row.ephemeral_user) == (OutboxKind.WELCOME, "C1", "U1")
    assert "slack://app?team=T0001&id=A1&tab=home" in str(row.blocks)
    with deps.sessions.begin() as session:
        assert not repo.add_welcome(session, TEAM, "C1", "U1", NOW)


def test_scheduler_job_wrapper_queues_due_nudges(deps: Deps) -> None:
    profile(deps, "U1", ["chess"])
    profile(deps, "U2", ["chess"])
    match(deps, NOW - dt.timedelta(days=100), ["U1", "U2"], outcome="met")
    enable(deps, "U1")
    connect.run_reconnect_nudges(deps)
    assert [r.kind for r in outbox_rows(deps)] == [OutboxKind.NUDGE]
