"""Insert-if-new: the one place that knows how to insert a row unless its key exists.

Claims (a round's slot, a prompt's slot, an outbox key, a welcome) rely on the database's
unique constraints: two instances racing for the same key both try, and exactly one wins.
`INSERT ... ON CONFLICT DO NOTHING RETURNING` says who won without breaking the caller's
transaction (rowcount is unreliable on PostgreSQL for this).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_if_new(
    session: Session,
    model: Any,
    values: dict[str, Any],
    returning: Any,
    *,
    conflict: list[str] | None = None,
) -> Any | None:
    """Insert `values` into `model`'s table; the `returning` column of the new row, or None
    when a row with the same unique key (`conflict` columns, or any) already exists."""
    session.flush()
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = (
            insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(returning)
        )
        return session.execute(stmt).scalar_one_or_none()
    try:  # pragma: no cover - other databases: a savepoint keeps the outer transaction
        with session.begin_nested():
            return session.execute(
                sa_insert(model).values(**values).returning(returning)
            ).scalar_one()
    except IntegrityError:  # pragma: no cover
        return None
