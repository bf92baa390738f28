"""The Alembic revisions build exactly the schema the models describe, both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bot.errors import SchemaOutOfDateError
from storage.migrate import (
    current_revision,
    downgrade,
    ensure_schema_current,
    head_revision,
    upgrade,
)
from storage.models import Base


def test_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    ensure_schema_current(engine)


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert current_revision(engine) is None
    with pytest.raises(SchemaOutOfDateError, match="mingle db upgrade"):
        ensure_schema_current(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision(str(engine.url))
    assert "member" in inspect(engine).get_table_names()


def test_prompts_sent_before_20261129_learn_their_message(engine: Engine) -> None:
    """Revision 20261129_0003 fills a sent prompt's message from its outbox row, once."""
    downgrade(engine, "20261126_0002")
    sent_at = "2026-11-20 09:00:05"
    with engine.begin() as connection:
        for prompt_id, ts in ((1, "1700000000.000100"), (2, None)):
            connection.execute(
                text(
                    "INSERT INTO prompt (id, team_id, channel_id, scheduled_for, bank_key, text,"
                    " created_at) VALUES (:id, 'T1', :channel, :at, 'builtin:0', 'Q?', :at)"
                ),
                {"id": prompt_id, "channel": f"C{prompt_id}", "at": sent_at},
            )
            connection.execute(
                text(
                    "INSERT INTO outbound_message (team_id, key, kind, user_ids, text, status,"
                    " attempts, not_before, sent_ts, sent_at, created_at) VALUES ('T1', :key,"
                    " 'prompt', '[]', '', :status, 1, :at, :ts, :sent_at, :at)"
                ),
                {
                    "key": f"prompt:{prompt_id}",
                    "status": "sent" if ts else "pending",
                    "ts": ts,
                    "sent_at": sent_at if ts else None,
                    "at": sent_at,
                },
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, message_ts, posted_at FROM prompt ORDER BY id")
        ).all()
    assert [(r[0], r[1], r[2] is not None) for r in rows] == [
        (1, "1700000000.000100", True),
        (2, None, False),
    ]
