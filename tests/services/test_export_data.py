"""Synthetic report data with hand-computed figures, shared by the export and stats tests.

Workspace T1 has five members left after one ("Forgotten Fay", U6) chose "forget me",
four rounds in two channels (one skipped), three prompts (one not posted yet), answers
(one by someone outside Mingle) and introductions. Workspace T2 reuses the same user ids
with other names, to prove nothing crosses workspaces. Names and texts start with `=`,
`+`, `-`, `@`, a tab, or hold `<`, `>`, `&` and a control character, to prove cells stay text.
The `EXPECTED_*` figures below were worked out by hand from this data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core import outbox_keys
from storage.db import SessionFactory
from storage.models import (
    Answer,
    ChannelConfig,
    Introduction,
    Match,
    MatchMember,
    Member,
    OutboundMessage,
    Prompt,
    Round,
)
from storage.repositories.forget import erase_person
from storage.repositories.members import set_topics

TEAM, OTHER_TEAM = "T1", "T2"
COFFEE, TEA, SHARE = "C1COFFEE", "C2TEA", "C3SHARE"
NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
EVIL_NAME = '=HYPERLINK("http://evil.example","click")'
FORGOTTEN = "Forgotten Fay"
STRANGER = "U9"
P2_SENT = dt.datetime(2026, 1, 14, 10, 2, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


MEMBERS = {
    # user: (display name, team, tz, status, joined, interests)
    "U1": ("Ana", "Platform", "Europe/Berlin", "active", "2025-12-01", ["hiking", "chess"]),
    "U2": (EVIL_NAME, "+Sales", "America/New_York", "active", "2025-12-02", []),
    "U3": ("Bo <b>&", "Platform", "Asia/Kolkata", "paused", "2025-12-03", []),
    "U4": ("Cy", "-Data", "UTC", "left", "2025-12-04", []),
    "U5": ("@Dee", "", "Australia/Sydney", "active", "2025-12-05", ["=1+1"]),
    "U6": (FORGOTTEN, "Platform", "UTC", "active", "2025-12-06", ["knitting"]),
}

# Hand-computed, after U6 is forgotten -------------------------------------------------------
EXPECTED_MEMBERS = {"opted_in": 4, "active": 3, "paused": 1, "left": 1}
EXPECTED_HEADLINE = {
    "rounds_run": 3,
    "groups_made": 6,
    "groups_met": 3,
    "groups_not_met": 2,
    "met_rate": 0.6,
    "prompts_posted": 2,
    "answers_shared": 5,
    "intros_made": 3,  # Fay's introduction still counts, made by "a former member"
}
# name -> rounds matched, met, not met, met rate, answers shared, intros made
EXPECTED_MEMBER_ROWS = {
    "Ana": (3, 2, 1, 2 / 3, 1, 1),
    EVIL_NAME: (2, 1, 0, 1.0, 1, 1),
    "Bo <b>&": (2, 0, 2, 0.0, 1, 0),
    "Cy": (2, 1, 1, 0.5, 0, 0),
    "@Dee": (2, 1, 0, 1.0, 1, 0),
}
# (date, channel, status, participants, groups, met, not met, no answer, met rate)
EXPECTED_ROUNDS = [
    (at("2026-01-05"), COFFEE, "planned", 4, 2, 1, 1, 0, 0.5),
    (at("2026-01-12"), COFFEE, "planned", 5, 3, 1, 1, 1, 0.5),
    (at("2026-01-19"), COFFEE, "skipped", 0, 0, 0, 0, 0, None),
    (at("2026-01-20"), TEA, "planned", 2, 1, 1, 0, 0, 1.0),
]
EXPECTED_TEAMS = [("Platform", 2), ("(no team)", 1), ("+Sales", 1)]
EXPECTED_PROMPT_ANSWERS = [2, 2, 0]
# With `since 2026-01-10`: rounds R2, R3, R4; prompts P2, P3; answers from the 10th on.
EXPECTED_SINCE = {
    "rounds_run": 2,
    "groups_made": 4,
    "groups_met": 2,
    "groups_not_met": 1,
    "prompts_posted": 1,
    "answers_shared": 3,
    "intros_made": 1,
}
# Only #C1COFFEE: rounds R1-R3; its members are the five matched there.
EXPECTED_COFFEE = {"rounds_run": 2, "groups_made": 5, "groups_met": 2, "groups_not_met": 2}


def _round(session, team, channel, when, status, groups) -> None:
    """`groups`: [(user ids, outcome, reasons)]."""
    rnd = Round(team_id=team, channel_id=channel, scheduled_for=when, status=status)
    session.add(rnd)
    session.flush()
    for users, outcome, reasons in groups:
        match = Match(team_id=team, round_id=rnd.id, outcome=outcome, reasons=reasons)
        match.members = [MatchMember(user_id=user) for user in users]
        session.add(match)
    session.flush()


def _answer(session, team, prompt, user, text, created, channel=SHARE, source="thread") -> None:
    count = session.scalar(select(func.count(Answer.id))) or 0
    session.add(
        Answer(
            team_id=team,
            prompt_id=prompt.id if prompt else None,
            channel_id=channel,
            message_ts=f"1767000000.{count:06d}",
            user_id=user,
            text=text,
            topic="tips",
            source=source,
            reaction_count=2,
            permalink=f"https://acme.slack.com/archives/{channel}/p{count}",
            created_at=created,
        )
    )


def seed(sessions: SessionFactory, team: str = TEAM, other_team: str | None = OTHER_TEAM) -> None:
    """Load the data above into a migrated database (and forget U6)."""
    with sessions.begin() as s:
        s.add(ChannelConfig(team_id=team, channel_id=COFFEE))
        for user, (name, group, tz, status, joined, interests) in MEMBERS.items():
            member = Member(
                team_id=team,
                user_id=user,
                display_name=name,
                real_name=name + " Real",
                team_name=group,
                tz=tz,
                status=status,
                joined_at=at(joined),
                last_active_at=at("2026-01-25"),
            )
            s.add(member)
            s.flush()
            set_topics(s, member, "interest", interests)
        _round(
            s,
            team,
            COFFEE,
            at("2026-01-05"),
            "planned",
            [
                (["U1", "U2"], "met", ["you both like hiking", "different teams"]),
                (["U3", "U4", "U6"], "not_yet", ["=cmd|' /C calc'!A0"]),
            ],
        )
        _round(
            s,
            team,
            COFFEE,
            at("2026-01-12"),
            "planned",
            [
                (["U1", "U3"], "could_not", []),
                (["U2", "U5"], None, ["+shared: chess"]),
                (["U4", "U6"], "met", ["never met before"]),
            ],
        )
        _round(s, team, COFFEE, at("2026-01-19"), "skipped", [])
        _round(
            s,
            team,
            TEA,
            at("2026-01-20"),
            "planned",
            [(["U1", "U5"], "met", ["-you both like chess", "<@U2> says hi"])],
        )
        prompts = []
        for index, (day, posted) in enumerate(
            [("2026-01-07", True), ("2026-01-14", True), ("2026-01-21", False)]
        ):
            prompt = Prompt(
                team_id=team,
                channel_id=SHARE,
                scheduled_for=at(day),
                bank_key=f"builtin:{index}",
                text="What did you =learn this week?" if index == 0 else f"Prompt {index}",
                permalink=f"https://acme.slack.com/archives/{SHARE}/p{index}" if posted else None,
                posted_at=at(day) + dt.timedelta(minutes=1) if posted else None,
            )
            s.add(prompt)
            prompts.append(prompt)
        s.flush()
        p1, p2, _ = prompts
        # P2's own posted_at is not filled in yet: its delivered outbox row tells.
        p2.posted_at = None
        s.add(
            OutboundMessage(
                team_id=team,
                key=outbox_keys.prompt(p2.id),
                kind="prompt",
                channel_id=SHARE,
                status="sent",
                sent_ts="1768392060.000100",
                sent_at=P2_SENT,
            )
        )
        _answer(s, team, p1, "U1", "=SUM(A1:A9)", at("2026-01-07", 12))
        _answer(
            s,
            team,
            p1,
            "U5",
            "<@U1> taught me &amp; <https://docs.example|the docs> in <#C3SHARE|share>",
            at("2026-01-08"),
        )
        _answer(s, team, p2, "U6", "Fay's secret answer", at("2026-01-15"))
        _answer(s, team, p2, STRANGER, "A stranger's answer, <@U6> helped", at("2026-01-15", 11))
        _answer(s, team, None, "U2", "\tTabbed answer", at("2026-01-16"), source="modal")
        _answer(s, team, p2, "U3", "\x07bell ring", at("2026-01-15", 12))
        s.add(
            Introduction(
                team_id=team,
                introducer_id="U1",
                a_user_id="U2",
                b_user_id="U3",
                created_at=at("2026-01-09"),
            )
        )
        s.add(
            Introduction(
                team_id=team,
                introducer_id="U6",
                a_user_id="U1",
                b_user_id="U2",
                created_at=at("2026-01-09"),
            )
        )
        s.add(
            Introduction(
                team_id=team,
                introducer_id="U2",
                a_user_id="U1",
                b_user_id=STRANGER,
                created_at=at("2026-01-20"),
            )
        )
        if other_team:
            for user in ("U1", "U2", "U7"):
                s.add(
                    Member(
                        team_id=other_team,
                        user_id=user,
                        display_name=f"Other {user}",
                        team_name="Elsewhere",
                    )
                )
            _round(s, other_team, COFFEE, at("2026-01-05"), "planned", [(["U1", "U2"], "met", [])])
            _answer(s, other_team, None, "U1", "Other workspace answer", at("2026-01-10"))
    with sessions.begin() as s:
        erase_person(s, team, "U6")


def test_seed_forgets_fay_in_one_workspace_only(sessions: SessionFactory) -> None:
    seed(sessions)
    with sessions() as s:
        names = set(s.scalars(select(Member.display_name)))
        assert FORGOTTEN not in names and "Other U7" in names
        assert s.scalar(select(func.count()).select_from(Answer).where(Answer.user_id == "U6")) == 0
        assert (
            s.scalar(
                select(func.count()).select_from(MatchMember).where(MatchMember.user_id == "U6")
            )
            == 0
        )
