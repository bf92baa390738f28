"""Admin reports end to end: `/mingle admin export` and `stats` over HTTP, the file arriving in
the admin's DM through the emulator's three-step upload, and the workbook read back."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.core.status import JOINED
from storage.models import Answer, Match, MatchMember, Member, Prompt, Round
from tests.e2e.conftest import Stack, assert_valid_message, reply_text

OTHER_TEAM = "T0OTHER"


def joined(stack: Stack, count: int = 6) -> list[str]:
    """The first `count` sample people join through the real command."""
    users = stack.sample.user_ids[:count]
    for user in users:
        assert "Welcome" in reply_text(stack.command(user, "join"))
    return users


def seed_activity(stack: Stack, users: list[str]) -> None:
    """A round with three groups and a prompt with answers, as the features would store them;
    plus a member, a round and an answer in another workspace."""
    team = stack.app.deps.team_id
    a, b, c, d, e, f = users
    when = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    with stack.app.deps.sessions.begin() as s:
        rnd = Round(team_id=team, channel_id="C0COFFEE", scheduled_for=when, status="planned")
        s.add(rnd)
        s.flush()
        for people, outcome in (([a, b], "met"), ([c, d], "could_not"), ([e, f], None)):
            match = Match(team_id=team, round_id=rnd.id, outcome=outcome, reasons=["hiking"])
            match.members = [MatchMember(user_id=u) for u in people]
            s.add(match)
        prompt = Prompt(
            team_id=team,
            channel_id="C0SHARE",
            scheduled_for=when,
            bank_key="builtin:1",
            text="What did you learn?",
            posted_at=when,
            permalink="https://acme.slack.com/archives/C0SHARE/p1",
        )
        s.add(prompt)
        s.flush()
        for index, (user, text) in enumerate(((a, "=cmd|'/c calc'!A1"), (e, f"Use <@{a}>"))):
            s.add(
                Answer(
                    team_id=team,
                    prompt_id=prompt.id,
                    channel_id="C0SHARE",
                    message_ts=f"1767600000.00000{index}",
                    user_id=user,
                    text=text,
                    permalink=f"https://acme.slack.com/archives/C0SHARE/p{index}",
                    created_at=when + dt.timedelta(hours=index + 1),
                )
            )
        # a prompt whose link Mingle never stored: the export asks Slack for it
        posted = stack.emu.post_message("C0SHARE", "UBOT", "What will you try next week?")
        s.add(
            Prompt(
                team_id=team,
                channel_id="C0SHARE",
                scheduled_for=when + dt.timedelta(days=7),
                bank_key="builtin:2",
                text="What will you try next week?",
                message_ts=posted["ts"],
                posted_at=when + dt.timedelta(days=7),
            )
        )
        s.add(Member(team_id=OTHER_TEAM, user_id=a, display_name="Other Workspace Person"))
        other = Round(team_id=OTHER_TEAM, channel_id="C0COFFEE", scheduled_for=when)
        s.add(other)
        s.flush()
        match = Match(team_id=OTHER_TEAM, round_id=other.id, outcome="met", reasons=[])
        match.members = [MatchMember(user_id=a), MatchMember(user_id="U0OTHER")]
        s.add(match)


def export(stack: Stack, user: str, text: str = "admin export") -> list[dict[str, Any]]:
    """Run the command; return every ephemeral reply once the last one has arrived."""
    result, key = stack.driver.command(user, text)
    assert result.status == 200

    def finished() -> list[dict[str, Any]] | None:
        replies = stack.emu.responses(key)
        last = reply_text(replies[-1]) if replies else ""
        return replies if "Sent `" in last or ":warning:" in last else None

    return stack.emu.wait_for(finished, timeout=30)


def workbook_in_dm(stack: Stack, user: str) -> tuple[dict[str, Any], Any]:
    dm = stack.emu.dm_channel(user)
    assert dm is not None, "no DM was opened with the admin"
    files = stack.emu.wait_for(lambda: stack.emu.files(dm), timeout=10)
    assert len(files) == 1
    return files[0], openpyxl.load_workbook(io.BytesIO(files[0]["content"]))


def values(book: Any) -> str:
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )


def test_an_admin_exports_and_the_workbook_arrives_in_their_dm(stack: Stack) -> None:
    users = joined(stack)
    seed_activity(stack, users)
    admin = stack.sample.admin_id
    replies = export(stack, admin)
    assert "on its way to your DM" in reply_text(replies[0])
    assert "Sent `mingle-report-T0001-" in reply_text(replies[-1])
    for reply in replies:
        assert_valid_message(reply)
        assert reply.get("response_type", "ephemeral") == "ephemeral"

    # the three-step upload: an upload URL, the bytes, then completion into the DM
    assert len(stack.emu.calls_to("files.getUploadURLExternal")) == 1
    assert len(stack.emu.calls_to("files.completeUploadExternal")) == 1
    file, book = workbook_in_dm(stack, admin)
    assert file["filename"].startswith("mingle-report-T0001-") and file["size"] > 5000
    assert file["title"].startswith("Mingle participation report")
    assert "6 members opted in" in file["initial_comment"]
    assert "met rate 50%" in file["initial_comment"]
    dm_messages = stack.emu.messages(stack.emu.dm_channel(admin) or "")
    assert any(m.get("files") for m in dm_messages)

    assert book.sheetnames == ["Summary", "Members", "Rounds", "Groups", "Prompts", "Answers"]
    names = {stack.sample.person(u).display_name for u in users}
    members = list(book["Members"].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in members} == names
    for row in members:
        assert isinstance(row[3], dt.datetime) and row[4] in JOINED  # joined, status
        assert (
            row[2]
            == stack.sample.person(
                next(u for u in users if stack.sample.person(u).display_name == row[0])
            ).tz
        )
    rounds = list(book["Rounds"].iter_rows(min_row=2, values_only=True))
    assert rounds == [(dt.datetime(2026, 1, 5, 10), "#coffee-chats", "planned", 6, 3, 1, 1, 1, 0.5)]
    groups = list(book["Groups"].iter_rows(min_row=2, values_only=True))
    assert [g[5] for g in groups] == ["met", "couldn't", "no answer"]
    assert len(book["Summary"]._charts) == 3
    prompts = list(book["Prompts"].iter_rows(min_row=2, values_only=True))
    assert [p[5] for p in prompts] == [
        "https://acme.slack.com/archives/C0SHARE/p1",
        "https://acme.slack.com/archives/C0SHARE/p"
        + stack.emu.messages("C0SHARE")[-1]["ts"].replace(".", ""),
    ]
    answers = list(book["Answers"].iter_rows(min_row=2, values_only=True))
    first = stack.sample.person(users[0]).display_name
    assert answers[0][5] == "=cmd|'/c calc'!A1" and answers[1][5] == f"Use @{first}"
    assert book["Answers"]["F2"].data_type == "s" and book["Answers"]["F2"].quotePrefix
    summary = {
        r[0]: r[1] for r in book["Summary"].iter_rows(min_row=7, max_row=17, values_only=True)
    }
    assert summary["Members opted in"] == 6 and summary["Groups made"] == 3
    assert summary["Answers shared"] == 2 and summary["Met rate"] == pytest.approx(0.5)
    assert "Other Workspace Person" not in values(book)


def test_a_member_who_chose_forget_me_is_in_no_sheet(stack: Stack) -> None:
    users = joined(stack)
    seed_activity(stack, users)
    gone = users[0]
    gone_name = stack.sample.person(gone).display_name
    assert "deleted" in reply_text(stack.command(gone, "leave --forget"))
    export(stack, stack.sample.admin_id)
    _, book = workbook_in_dm(stack, stack.sample.admin_id)
    text = values(book)
    assert gone_name not in text and stack.sample.person(gone).real_name not in text
    assert "=cmd" not in text  # their answer went with them
    assert "Use a former member" in text  # a mention of them in someone else's answer
    groups = list(book["Groups"].iter_rows(min_row=2, values_only=True))
    assert groups[0][2] == stack.sample.person(users[1]).display_name and groups[0][3] == 1


def test_export_of_one_channel_since_a_date(stack: Stack) -> None:
    users = joined(stack)
    seed_activity(stack, users)
    admin = stack.sample.admin_id
    replies = export(stack, admin, "admin export <#C0COFFEE|coffee-chats> since 2026-01-01")
    assert "<#C0COFFEE>" in reply_text(replies[0])
    file, book = workbook_in_dm(stack, admin)
    assert "-C0COFFEE-" in file["filename"]
    assert book["Summary"]["B3"].value == "#coffee-chats"
    assert book["Summary"]["B4"].value.startswith("2026-01-01 to ")
    assert book["Prompts"].max_row == 1 and book["Answers"].max_row == 1


def test_non_admins_are_refused_export_and_stats(stack: Stack) -> None:
    joined(stack)
    someone = stack.sample.user_ids[10]
    for text in ("admin export", "admin stats", "admin export <#C0COFFEE|coffee-chats>"):
        reply = stack.command(someone, text)
        assert "only workspace admins and Mingle admins" in reply_text(reply), text
        assert_valid_message(reply)
    assert stack.emu.calls_to("files.getUploadURLExternal") == []
    assert stack.emu.dm_channel(someone) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("admin export since 2026-99-01", "is not a date like 2026-01-31"),
        ("admin export since", "Give a date after `since`"),
        ("admin export since 2999-01-01", "in the future"),
        ("admin export #coffee", "I can't tell which channel"),
        ("admin export <#C0NOPE|nope>", "doesn't run rounds or prompts in that channel (C0NOPE)"),
        ("admin export <@U0S003|amara>", "per channel, not per person"),
        ("admin export <!channel>", "per channel, not per person"),
        ("admin export <b>&", "I don't understand `<b>&`"),
        ("admin stats since 2026-01-01", "I don't understand `since`"),
        ("admin stats ☕☕☕", "I don't understand `☕☕☕`"),
        ("admin stats " + "x" * 3000, "I don't understand"),
    ],
)
def test_bad_options_get_a_friendly_error_and_nothing_is_uploaded(
    stack: Stack, text: str, message: str
) -> None:
    reply = stack.command(stack.sample.admin_id, text)
    assert message in reply_text(reply).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&"
    )
    assert_valid_message(reply)
    assert stack.emu.calls_to("files.getUploadURLExternal") == []


def test_a_failed_upload_is_reported_to_the_admin(stack: Stack) -> None:
    joined(stack, 2)
    stack.emu.fail_next("files.completeUploadExternal", error="not_in_channel")
    replies = export(stack, stack.sample.admin_id)
    assert "couldn't send it to your DM" in reply_text(replies[-1])
    assert "not_in_channel" in reply_text(replies[-1])


def test_stats_in_slack_and_on_the_admins_home_tab(stack: Stack) -> None:
    users = joined(stack)
    seed_activity(stack, users)
    admin = stack.sample.admin_id
    reply = stack.command(admin, "admin stats")
    assert_valid_message(reply)
    text = reply_text(reply)
    assert "Mingle in all channels" in text
    assert "*Members opted in*\n6" in text and "*Met rate*\n50%" in text
    assert "*Groups made*\n3" in text and "*Answers shared*\n2" in text
    channel = reply_text(stack.command(admin, "admin stats <#C0SHARE|til-and-answers>"))
    assert "<#C0SHARE>" in channel and "*Rounds run*\n0" in channel
    assert "*Answers shared*\n2" in channel and "*Members opted in*\n2" in channel

    before = len(stack.emu.calls_to("views.publish"))
    stack.home_event(admin)
    stack.emu.wait_for(lambda: len(stack.emu.calls_to("views.publish")) > before, timeout=10)
    home = reply_text(stack.emu.home_view(admin) or {})
    assert "Admin: how Mingle is doing" in home
    assert "*Members opted in*\n6" in home and "*Met rate*\n50%" in home
    member = users[3]
    before = len(stack.emu.calls_to("views.publish"))
    stack.home_event(member)
    stack.emu.wait_for(lambda: len(stack.emu.calls_to("views.publish")) > before, timeout=10)
    view = reply_text(stack.emu.home_view(member) or {})
    assert "Active" in view
    assert "Admin" not in view and "Members opted in" not in view


def test_a_round_run_in_slack_fills_the_rounds_and_groups_sheets(stack: Stack) -> None:
    people = [u for u in stack.sample.coffee_members if not stack.sample.person(u).is_admin][:8]
    for user in people:
        stack.command(user, "join")
    admin = stack.sample.admin_id
    stack.command(admin, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    assert "Round started" in reply_text(stack.command(admin, "admin run-now"))
    stack.emu.wait_for(lambda: stack.emu.messages("C0COFFEE"), timeout=30)  # the summary
    with stack.app.deps.sessions() as session:
        matches = list(session.scalars(select(Match).order_by(Match.id)))
        stored = [
            (frozenset(stack.sample.person(u).display_name for u in m.user_ids), m.reasons)
            for m in matches
        ]
    assert len(stored) == 4

    export(stack, admin)
    _, book = workbook_in_dm(stack, admin)
    rounds = list(book["Rounds"].iter_rows(min_row=2, values_only=True))
    assert len(rounds) == 1 and rounds[0][1:5] == ("#coffee-chats", rounds[0][2], 8, 4)
    groups = list(book["Groups"].iter_rows(min_row=2, values_only=True))
    assert [(frozenset(g[2].split(", ")), g[3], g[5]) for g in groups] == [
        (names, 2, "no answer") for names, _ in stored
    ]
    for group, (_, reasons) in zip(groups, stored, strict=True):
        assert reasons and group[4] == "; ".join(reasons), (group[4], reasons)
    matched = {row[0]: row[6] for row in book["Members"].iter_rows(min_row=2, values_only=True)}
    assert all(matched[stack.sample.person(u).display_name] == 1 for u in people)
