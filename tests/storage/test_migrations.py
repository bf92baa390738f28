"""The Alembic revisions build exactly the schema the models describe, both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
