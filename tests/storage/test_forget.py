"""Forget me leaves nothing: every table is seeded with rows about Rania, she asks to be
forgotten, and a dump of every column of every table (and the admin workbook) holds neither
her ID, nor her names, nor what she wrote. On SQLite and PostgreSQL.

The tables come from `storage.models`' metadata, so a new table fails
`test_every_table_is_seeded` until it gets rows here and forget-me handles it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from bot.core.forget import FORMER_MEMBER
from bot.core.stats import ReportOptions
from bot.services.deps import Deps
from bot.services.export import build_report
from bot.services.forget import forget_member
from bot.services.stats import scope_for
from bot.testing.emulator import SlackEmulator
from storage.models import Answer, Base, Introduction, Match, Member, OutboundMessage, Round
from storage.repositories.answers import index_answer
from tests.conftest import MakeDeps

TEAM = "T0001"
RANIA = "URANIA7"
OMAR = "UOMAR22"
BEA = "UBEA333"
ADMIN = "UADMIN1"
MARKER = "ZEBRA-MARKER-7"
#: What must be found nowhere after Rania is forgotten (compared case-insensitively).
NEEDLES = (RANIA, "Rania", "Haddad", "rania.haddad", MARKER, "zebra")
NOW = dt.datetime(2032, 3, 8, 12, 0, tzinfo=dt.UTC)
PAST = dt.datetime(2032, 3, 1, 9, 0, tzinfo=dt.UTC)
CHANNEL = "C0COFFEE"
OTHER_CHANNEL = "C0BAKING"


@pytest.fixture
def emu(emu: SlackEmulator) -> SlackEmulator:
    emu.add_user(
        RANIA,
        name="rania.haddad",
        real_name="Rania Haddad",
        display_name="Rania",
        tz="Europe/Berlin",
    )
    emu.add_user(OMAR, name="omar", real_name="Omar Farouk", display_name="Omar")
    emu.add_user(BEA, name="bea", real_name="Bea Lind", display_name="Bea")
    emu.add_user(ADMIN, name="ada", real_name="Ada Admin", is_admin=True)
    emu.add_channel(CHANNEL, name="coffee", members=[RANIA, OMAR, BEA, ADMIN])
    return emu


def at(days: int = 0) -> dt.datetime:
    return PAST + dt.timedelta(days=days)


def blocks(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def seed_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows for every table: Rania's, rows about her, and rows of other people."""
    member = {"team_id": TEAM, "status": "active", "tz": "Europe/Berlin"}
    return {
        "member": [
            {
                **member,
                "id": 1,
                "user_id": RANIA,
                "display_name": "Rania",
                "real_name": "Rania Haddad",
                "bio": f"I bake. {MARKER}",
                "links": "https://example.com/rania",
                "team_name": f"Bakery {MARKER}",
            },
            {
                **member,
                "id": 2,
                "user_id": OMAR,
                "display_name": "Omar",
                "real_name": "Omar Farouk",
                "bio": "Ask Rania about sourdough",
                "team_name": "Data",
            },
            {**member, "id": 3, "user_id": BEA, "display_name": "Bea", "real_name": "Bea Lind"},
        ],
        "interest": [
            {"id": 1, "team_id": TEAM, "name": "zebra-marker-7"},
            {"id": 2, "team_id": TEAM, "name": "sourdough"},
        ],
        "member_topic": [
            {"member_id": 1, "interest_id": 1, "kind": "interest", "position": 0},
            {"member_id": 1, "interest_id": 2, "kind": "can_help", "position": 0},
            {"member_id": 2, "interest_id": 2, "kind": "learn", "position": 0},
        ],
        "channel_config": [
            {"id": 1, "team_id": TEAM, "channel_id": CHANNEL, "created_by": RANIA},
            {"id": 2, "team_id": TEAM, "channel_id": OTHER_CHANNEL, "created_by": OMAR},
        ],
        "schedule": [
            {"id": 1, "team_id": TEAM, "channel_id": CHANNEL, "kind": "round", "created_by": RANIA},
            {"id": 2, "team_id": TEAM, "channel_id": CHANNEL, "kind": "prompt", "created_by": OMAR},
        ],
        "round": [
            {
                "id": 1,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "scheduled_for": at(),
                "status": "planned",
                "participant_count": 3,
            },
        ],
        "round_skip": [
            {"team_id": TEAM, "channel_id": CHANNEL, "scheduled_for": at(7), "user_id": RANIA},
            {"team_id": TEAM, "channel_id": CHANNEL, "scheduled_for": at(7), "user_id": OMAR},
        ],
        "round_alone": [{"round_id": 1, "user_id": RANIA}, {"round_id": 1, "user_id": BEA}],
        "match_group": [
            {
                "id": 1,
                "team_id": TEAM,
                "round_id": 1,
                "score": 2.0,
                "reasons": [
                    "Rania can help Omar with sourdough",
                    "Working hours overlap 8 h, 09:00-17:00 for Rania (Europe/Berlin)",
                ],
                "conversation_id": "G0CHAT01",
                "outcome": "met",
                "outcome_by": RANIA,
                "outcome_at": at(3),
            },
            {"id": 2, "team_id": TEAM, "round_id": 1, "reasons": [], "outcome": "met"},
        ],
        "match_member": [
            {"match_id": 1, "user_id": RANIA},
            {"match_id": 1, "user_id": OMAR},
            {"match_id": 2, "user_id": OMAR},
            {"match_id": 2, "user_id": BEA},
        ],
        "meeting_slot": [
            {
                "id": 1,
                "team_id": TEAM,
                "match_id": 1,
                "starts_at": at(2),
                "batch": 1,
                "position": 0,
                "agreed_at": at(1),
            },
            {"id": 2, "team_id": TEAM, "match_id": 1, "starts_at": at(3), "batch": 1},
        ],
        "slot_pick": [
            {"slot_id": 1, "user_id": RANIA, "team_id": TEAM},
            {"slot_id": 1, "user_id": OMAR, "team_id": TEAM},
            {"slot_id": 2, "user_id": OMAR, "team_id": TEAM},
        ],
        "thank_you_note": [  # hers, and one she received (both go); one for someone else
            {"id": 1, "team_id": TEAM, "match_id": 1, "user_id": RANIA, "text": MARKER},
            {"id": 2, "team_id": TEAM, "match_id": 1, "user_id": OMAR, "text": "Thank you!"},
            {"id": 3, "team_id": TEAM, "match_id": 2, "user_id": BEA, "text": "Thanks Omar"},
        ],
        "outbound_message": [
            {  # the sent intro of Rania's group
                "id": 1,
                "team_id": TEAM,
                "key": "round:1:intro:1",
                "kind": "round_intro",
                "user_ids": [RANIA, OMAR],
                "text": f"Hi <@{RANIA}> and <@{OMAR}>! Rania can help Omar with sourdough",
                "blocks": blocks("Rania Haddad can help Omar"),
                "status": "sent",
                "sent_channel": "G0CHAT01",
                "sent_ts": "1.1",
                "match_id": 1,
                "notify_user": RANIA,
            },
            {  # a heads-up still to come, keyed by her ID
                "id": 2,
                "team_id": TEAM,
                "key": f"headsup:{TEAM}:{CHANNEL}:2032-03-15T09:00:{RANIA}",
                "kind": "heads_up",
                "user_ids": [RANIA],
                "text": "Heads-up",
                "status": "pending",
            },
            {  # failed, with her ID in the error
                "id": 3,
                "team_id": TEAM,
                "key": "round:1:summary",
                "kind": "round_summary",
                "channel_id": CHANNEL,
                "text": "1 group this round!",
                "status": "sent",
                "last_error": f"sent without {RANIA} (user_disabled)",
                "notify_user": RANIA,
            },
            {  # a notice to the admin about her
                "id": 4,
                "team_id": TEAM,
                "key": f"notice:welcome:{TEAM}:{CHANNEL}:{RANIA}",
                "kind": "admin_notice",
                "user_ids": [ADMIN],
                "text": f"Couldn't send the welcome message to <@{RANIA}>",
                "status": "sent",
            },
            {  # Bea's own note: untouched
                "id": 5,
                "team_id": TEAM,
                "key": f"round:1:alone:{BEA}",
                "kind": "round_alone",
                "user_ids": [BEA],
                "text": f"Hi <@{BEA}>! There was nobody else to match",
                "status": "sent",
            },
            {  # a pending prompt set up by her: still posted, the admins told on failure
                "id": 6,
                "team_id": TEAM,
                "key": "prompt:1",
                "kind": "prompt",
                "channel_id": CHANNEL,
                "text": "What are you baking?",
                "status": "pending",
                "notify_user": RANIA,
            },
        ],
        "processed_event": [{"team_id": TEAM, "event_id": "Ev0001"}],
        "prompt_template": [
            {
                "id": 1,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "text": "What are you baking?",
                "created_by": RANIA,
            },
            {
                "id": 2,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "text": "What would Rania Haddad bake?",
                "created_by": OMAR,
            },
        ],
        "prompt": [
            {
                "id": 1,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "scheduled_for": at(),
                "bank_key": "custom:2",
                "text": "What would Rania Haddad bake?",
                "message_ts": "2.2",
                "posted_at": at(),
            },
        ],
        "answer": [
            {
                "id": 1,
                "team_id": TEAM,
                "prompt_id": 1,
                "channel_id": CHANNEL,
                "message_ts": "3.1",
                "user_id": RANIA,
                "text": f"Rye, always. {MARKER}",
                "search_text": f"Rye, always. {MARKER}",
                "topic": "baking",
            },
            {
                "id": 2,
                "team_id": TEAM,
                "prompt_id": 1,
                "channel_id": CHANNEL,
                "message_ts": "3.2",
                "user_id": OMAR,
                "text": f"ask <@{RANIA}> about sourdough",
                "search_text": "ask @Rania about sourdough",
                "saved_by": RANIA,
                "topic": "sourdough with Rania",
            },
        ],
        "answer_term": [],  # written by `index_answer` after the answers
        "introduction": [
            {
                "id": 1,
                "team_id": TEAM,
                "introducer_id": RANIA,
                "a_user_id": OMAR,
                "b_user_id": BEA,
                "reason": f"You both bake {MARKER}",
            },
            {
                "id": 2,
                "team_id": TEAM,
                "introducer_id": OMAR,
                "a_user_id": RANIA,
                "b_user_id": BEA,
                "reason": "Rania and Bea both love rye",
            },
            {
                "id": 3,
                "team_id": TEAM,
                "introducer_id": OMAR,
                "a_user_id": BEA,
                "b_user_id": ADMIN,
                "reason": "Bea should meet Ada",
            },
            {
                "id": 4,
                "team_id": TEAM,
                "introducer_id": BEA,
                "a_user_id": OMAR,
                "b_user_id": RANIA,
                "reason": "Omar, meet a baker",
            },
        ],
        "nudge": [
            {"id": 1, "team_id": TEAM, "user_id": OMAR, "other_user_id": RANIA},
            {"id": 2, "team_id": TEAM, "user_id": RANIA, "other_user_id": OMAR},
            {"id": 3, "team_id": TEAM, "user_id": OMAR, "other_user_id": BEA},
        ],
        "avoid": [
            {"team_id": TEAM, "user_id": RANIA, "other_user_id": BEA},
            {"team_id": TEAM, "user_id": OMAR, "other_user_id": RANIA},
            {"team_id": TEAM, "user_id": OMAR, "other_user_id": BEA},
        ],
        "welcome": [
            {"team_id": TEAM, "channel_id": CHANNEL, "user_id": RANIA},
            {"team_id": TEAM, "channel_id": CHANNEL, "user_id": OMAR},
        ],
        "workspace": [{"team_id": TEAM, "name": "Acme"}],
        "delivery_lease": [{"scope": TEAM, "holder": "host-1", "renewed_at": NOW}],
        "slack_bots": [
            {
                "client_id": "111.222",
                "app_id": "A1",
                "team_id": TEAM,
                "bot_token": "xoxb-1",
                "bot_id": "B1",
                "bot_user_id": "UBOT",
                "is_enterprise_install": False,
                "installed_at": NOW,
            },
        ],
        "slack_installations": [
            {
                "client_id": "111.222",
                "app_id": "A1",
                "team_id": TEAM,
                "bot_token": "xoxb-1",
                "bot_id": "B1",
                "bot_user_id": "UBOT",
                "user_id": RANIA,
                "user_token": "xoxp-rania",
                "user_scopes": "identify",
                "is_enterprise_install": False,
                "installed_at": NOW,
            },
        ],
        "slack_oauth_states": [{"state": "s-1", "expire_at": NOW}],
    }


def seed(engine: Engine) -> None:
    rows = seed_rows()
    tables = Base.metadata.tables
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            for row in rows.get(table.name, []):
                connection.execute(table.insert().values(**row))
        for key in (
            "member",
            "interest",
            "channel_config",
            "schedule",
            "round",
            "match_group",
            "outbound_message",
            "prompt_template",
            "prompt",
            "answer",
            "introduction",
            "nudge",
            "meeting_slot",
            "thank_you_note",
        ):
            _reset_sequence(connection, tables[key])


def _reset_sequence(connection: Any, table: Any) -> None:
    """PostgreSQL: move the id sequence past the ids given by hand."""
    if connection.dialect.name != "postgresql" or "id" not in table.c:
        return
    connection.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
        f"(SELECT MAX(id) FROM {table.name}))"
    )


@pytest.fixture
def deps(make_deps: MakeDeps, engine: Engine) -> Deps:
    deps = make_deps(clock=lambda: NOW)
    seed(engine)
    with deps.sessions.begin() as session:
        for answer in session.scalars(select(Answer)):
            index_answer(session, answer)
    return deps


def dump(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, each as the text of all its values (JSON included)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            found[table.name] = [
                " | ".join(_text(value) for value in row)
                for row in connection.execute(table.select())
            ]
    return found


def _text(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def hits(texts: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    return [
        (table, needle, row)
        for table, rows in texts.items()
        for row in rows
        for needle in NEEDLES
        if needle.casefold() in row.casefold()
    ]


def test_every_table_is_seeded() -> None:
    rows = seed_rows()
    rows["answer_term"] = [{"from": "index_answer"}]
    missing = [t.name for t in Base.metadata.sorted_tables if not rows.get(t.name)]
    assert missing == [], f"seed these tables (and make forget-me handle them): {missing}"


def test_the_seed_mentions_her_everywhere_it_can(deps: Deps, engine: Engine) -> None:
    before = dump(engine)
    mentioned = {table for table, _, _ in hits(before)}
    # Tables that hold nothing about a person, or (member_topic) her member row's id only.
    quiet = {
        "processed_event",
        "slack_bots",
        "slack_oauth_states",
        "workspace",
        "delivery_lease",
        "round",
        "member_topic",
        "meeting_slot",
    }
    assert mentioned == {t.name for t in Base.metadata.sorted_tables} - quiet


def test_forget_leaves_no_trace_in_any_table(deps: Deps, engine: Engine) -> None:
    forget_member(deps, TEAM, RANIA)
    after = dump(engine)
    assert hits(after) == []
    # Every table still has its other people's rows (only hers went).
    emptied = [name for name, rows in after.items() if not rows]
    assert emptied == []


def test_other_people_keep_their_words_with_her_as_a_former_member(
    deps: Deps, engine: Engine
) -> None:
    forget_member(deps, TEAM, RANIA)
    with deps.sessions() as session:
        omar = session.scalar(select(Member).where(Member.user_id == OMAR))
        assert omar is not None and omar.bio == f"Ask {FORMER_MEMBER} about sourdough"
        answer = session.scalar(select(Answer).where(Answer.user_id == OMAR))
        assert answer is not None
        assert answer.text == f"ask {FORMER_MEMBER} about sourdough"
        assert answer.search_text == f"ask {FORMER_MEMBER} about sourdough"
        assert answer.saved_by is None
        assert answer.topic == f"sourdough with {FORMER_MEMBER}"
        assert session.scalar(select(func.count()).select_from(Answer)) == 1
        intros = {i.id: i for i in session.scalars(select(Introduction))}
        assert len(intros) == 4  # counted still
        assert intros[1].introducer_id == "" and intros[1].reason == ""
        assert intros[2].a_user_id == ""
        assert intros[2].reason == f"{FORMER_MEMBER.capitalize()} and Bea both love rye"
        assert intros[3].reason == "Bea should meet Ada"
        assert (intros[4].a_user_id, intros[4].b_user_id) == (OMAR, "")
        bea_note = session.get(OutboundMessage, 5)
        assert bea_note is not None and bea_note.text.startswith(f"Hi <@{BEA}>!")
        prompt_row = session.get(OutboundMessage, 6)
        assert prompt_row is not None
        assert prompt_row.status == "pending" and prompt_row.notify_user is None
        sent_intro = session.get(OutboundMessage, 1)
        assert sent_intro is not None
        assert (sent_intro.key, sent_intro.status, sent_intro.sent_channel) == (
            "round:1:intro:1",
            "sent",
            "G0CHAT01",
        )
        assert (sent_intro.text, sent_intro.blocks, sent_intro.user_ids) == ("", None, [])
        heads_up = session.get(OutboundMessage, 2)
        assert heads_up is not None and heads_up.status == "skipped"
        group = session.get(Match, 1)
        assert group is not None and group.user_ids == [OMAR] and group.reasons == []
        assert group.outcome == "met" and group.outcome_by is None
        assert session.scalar(select(func.count()).select_from(Round)) == 1


def test_search_finds_the_answer_by_its_words_not_by_her_name(deps: Deps) -> None:
    from storage.repositories import answers as answers_repo

    forget_member(deps, TEAM, RANIA)
    with deps.sessions() as session:
        assert answers_repo.search(session, TEAM, ["rania"]) == []
        found = answers_repo.search(session, TEAM, ["sourdough"])
        assert [hit.answer.user_id for hit in found] == [OMAR]


def test_the_workbook_has_no_trace_and_still_counts_the_group(
    deps: Deps, engine: Engine, tmp_path: Path
) -> None:
    forget_member(deps, TEAM, RANIA)
    path = tmp_path / "report.xlsx"
    result = build_report(deps.sessions, scope_for(TEAM, ReportOptions()), path, now=NOW)
    book = openpyxl.load_workbook(path, read_only=True)
    cells: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(value) for value in row if value is not None)
    book.close()
    found = [
        (needle, cell)
        for cell in cells
        for needle in NEEDLES
        if needle.casefold() in cell.casefold()
    ]
    assert found == []
    assert result.figures.rounds[0].groups == 2  # her group (and Omar and Bea's) still count
    assert result.figures.headline.intros_made == 4


def test_forget_deletes_her_picks_and_the_notes_she_wrote_or_received(deps: Deps) -> None:
    from storage.models import MeetingSlot, SlotPick, ThankYouNote

    forget_member(deps, TEAM, RANIA)
    with deps.sessions() as session:
        picks = session.execute(select(SlotPick.slot_id, SlotPick.user_id)).all()
        notes = list(session.scalars(select(ThankYouNote.id)))
        slots = list(session.scalars(select(MeetingSlot.id)))
    assert sorted(picks) == [(1, OMAR), (2, OMAR)]
    assert notes == [3]  # Omar's note to her went too; Bea's to Omar stays
    assert sorted(slots) == [1, 2]  # a group's times name nobody


#: Text columns that hold nothing a person is, wrote or is called by (IDs of Mingle's own
#: rows, Slack's channel and message IDs, times, states, tokens of the bot). A new text
#: column must either be seeded with her data above (and forgotten) or be listed here.
IMPERSONAL = {
    "member": {"team_id", "tz", "status"},
    "interest": {"team_id"},
    "member_topic": {"kind"},
    "channel_config": {"team_id", "channel_id"},
    "schedule": {"team_id", "channel_id", "kind", "cadence", "time_of_day", "timezone"},
    "round": {"team_id", "channel_id", "status"},
    "round_skip": {"team_id", "channel_id"},
    "match_group": {"team_id", "conversation_id", "outcome"},
    "meeting_slot": {"team_id"},
    "slot_pick": {"team_id"},
    "thank_you_note": {"team_id"},
    "outbound_message": {
        "team_id",
        "kind",
        "channel_id",
        "thread_ts",
        "status",
        "sent_channel",
        "sent_ts",
        "ephemeral_user",  # a person's ID, cleared like user_ids (`_outbox`)
    },
    "processed_event": {"team_id", "event_id"},
    "prompt_template": {"team_id", "channel_id"},
    "prompt": {"team_id", "channel_id", "bank_key", "message_ts", "permalink"},
    "answer": {"team_id", "channel_id", "message_ts", "permalink", "source"},
    "answer_term": {"term", "team_id"},
    "introduction": {"team_id"},
    "nudge": {"team_id"},
    "avoid": {"team_id"},
    "welcome": {"team_id", "channel_id"},
    "workspace": {"team_id", "enterprise_id", "name"},
    "round_alone": set(),
    "delivery_lease": {"scope", "holder"},
}


def _text_columns() -> dict[str, set[str]]:
    from sqlalchemy import JSON, String, Text

    return {
        table.name: {c.name for c in table.columns if isinstance(c.type, String | Text | JSON)}
        for table in Base.metadata.sorted_tables
        if not table.name.startswith("slack_")  # Slack's SDK schema: `_installations`
    }


def test_every_text_column_is_seeded_with_her_or_holds_nothing_personal(
    deps: Deps, engine: Engine
) -> None:
    """Column by column: a new column holding names or words (a JSON list, a text field)
    fails here until the seed gives it her data, so forget-me is tested on it."""
    mentioned: set[tuple[str, str]] = set()
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    text = _text(value).casefold()
                    if any(needle.casefold() in text for needle in NEEDLES):
                        mentioned.add((table.name, column))
    unaccounted = sorted(
        (table, column)
        for table, columns in _text_columns().items()
        for column in columns - IMPERSONAL.get(table, set())
        if (table, column) not in mentioned
    )
    assert unaccounted == [], f"seed these columns with her data, or list them: {unaccounted}"
