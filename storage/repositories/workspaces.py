"""The workspaces Mingle serves (`Workspace`): installs, uninstalls and the refresh lease."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from bot.core.status import OutboxStatus
from storage.models import SLACK_TABLES, Base, OutboundMessage, Workspace


def get(session: Session, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id, populate_existing=True)


def record_install(
    session: Session, team_id: str, enterprise_id: str | None, name: str, now: dt.datetime
) -> Workspace:
    """Note that Mingle serves `team_id` (again): a reinstall clears `uninstalled_at`."""
    workspace = get(session, team_id)
    if workspace is None:
        workspace = Workspace(team_id=team_id, installed_at=now, name=name[:200])
        session.add(workspace)
    elif workspace.uninstalled_at is not None:
        workspace.uninstalled_at = None
        workspace.installed_at = now
    if name:
        workspace.name = name[:200]
    if enterprise_id:
        workspace.enterprise_id = enterprise_id
    session.flush()
    return workspace


def record_org_install(session: Session, enterprise_id: str, name: str, now: dt.datetime) -> None:
    """An org-wide install: the org's own row (keyed by its enterprise ID, holding its
    refresh lease), and its workspaces served again after a reinstall."""
    record_install(session, enterprise_id, enterprise_id, name, now)
    session.execute(
        update(Workspace)
        .where(Workspace.enterprise_id == enterprise_id, Workspace.uninstalled_at.is_not(None))
        .values(uninstalled_at=None, installed_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_uninstalled(
    session: Session, team_id: str | None, enterprise_id: str | None, now: dt.datetime
) -> list[str]:
    """Mark a workspace (or, with no `team_id`, every workspace of an org) uninstalled;
    returns the teams newly marked."""
    stmt = select(Workspace).where(Workspace.uninstalled_at.is_(None))
    if team_id:
        stmt = stmt.where(Workspace.team_id == team_id)
    elif enterprise_id:
        stmt = stmt.where(Workspace.enterprise_id == enterprise_id)
    else:
        return []
    teams = []
    for workspace in session.scalars(stmt):
        workspace.uninstalled_at = now
        teams.append(workspace.team_id)
    if team_id and not teams and get(session, team_id) is None:
        session.add(Workspace(team_id=team_id, enterprise_id=enterprise_id, uninstalled_at=now))
        teams.append(team_id)
    session.flush()
    return teams


def uninstalled_teams() -> Select[Any]:
    """A subquery: the teams that uninstalled Mingle."""
    return select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))


def active_teams(session: Session) -> list[str]:
    """Teams Mingle serves now, in a stable order."""
    stmt = select(Workspace.team_id).where(
        Workspace.uninstalled_at.is_(None),
        or_(Workspace.enterprise_id.is_(None), Workspace.team_id != Workspace.enterprise_id),
    )
    return list(session.scalars(stmt.order_by(Workspace.team_id)))


def uninstalled_before(session: Session, cutoff: dt.datetime) -> list[str]:
    """Teams uninstalled before `cutoff`: their retention period is over."""
    stmt = select(Workspace.team_id).where(
        Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at < cutoff
    )
    return list(session.scalars(stmt.order_by(Workspace.team_id)))


def take_refresh_lease(
    session: Session, team_id: str, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Take the right to refresh `team_id`'s token for `lease` (a compare-and-set: True for
    exactly one caller at a time, across instances)."""
    result = session.execute(
        update(Workspace)
        .where(
            Workspace.team_id == team_id,
            or_(Workspace.refresh_lease_until.is_(None), Workspace.refresh_lease_until < now),
        )
        .values(refresh_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def release_refresh_lease(session: Session, team_id: str) -> None:
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id)
        .values(refresh_lease_until=None)
        .execution_options(synchronize_session=False)
    )


def fail_pending(session: Session, team_id: str, now: dt.datetime, reason: str) -> int:
    """Fail, without retries, every outbox row of `team_id` not sent yet; returns how many."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.team_id == team_id,
            OutboundMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.FAILED, last_error=reason[:200], claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def team_tables() -> list[Table]:
    """Every Mingle table that holds a workspace's rows: those with a `team_id` column, and
    those whose rows belong to one (a foreign key to such a table), children first, so
    deleting in this order never breaks a foreign key. Read from the metadata, so a new
    table is covered without a change here."""
    slack = {table.name for table in SLACK_TABLES}
    owned: list[Table] = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in slack and (_team_column(table) is not None or _owner(table)):
            owned.append(table)
    return owned


def _team_column(table: Table) -> ColumnElement[Any] | None:
    return table.c.team_id if "team_id" in table.c else None


def _owner(table: Table) -> tuple[ColumnElement[Any], ColumnElement[Any], Table] | None:
    """(this table's column, the parent's column, the parent) for a child of a team table."""
    for fk in table.foreign_keys:
        parent = fk.column.table
        if isinstance(parent, Table) and "team_id" in parent.c:
            return fk.parent, fk.column, parent
    return None


def _rows_of(table: Table, team_id: str) -> ColumnElement[bool]:
    column = _team_column(table)
    if column is not None:
        return column == team_id
    owner = _owner(table)
    assert owner is not None
    mine, theirs, parent = owner
    return mine.in_(select(theirs).where(parent.c.team_id == team_id))


def _installation_tables() -> list[Table]:
    bots, installations, _states = SLACK_TABLES
    return [bots, installations]


def knows_team(session: Session, team_id: str) -> bool:
    """Whether any table holds a row of `team_id` (installations included)."""
    for table in [*team_tables(), *_installation_tables()]:
        if session.execute(select(literal(1)).where(_rows_of(table, team_id)).limit(1)).first():
            return True
    return False


def purge(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of `team_id`: Mingle's tables and its installations and bot tokens.
    Returns the rows deleted per table (tables with none left out)."""
    deleted: dict[str, int] = {}
    for table in [*team_tables(), *_installation_tables()]:
        result = session.execute(delete(table).where(_rows_of(table, team_id)))
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            deleted[table.name] = count
    return deleted
