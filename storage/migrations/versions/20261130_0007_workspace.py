"""workspace: the workspaces Mingle serves, when one was uninstalled, and a refresh lease

Multi-workspace mode records each workspace it is installed in (or that uses its Enterprise
Grid organisation's install). `uninstalled_at` stops its schedules and starts the retention
period before its data is deleted; `refresh_lease_until` lets one instance at a time refresh
the workspace's rotating token.

Revision ID: 20261130_0007
Revises: 20261130_0006
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261130_0007"
down_revision = "20261130_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspace")),
    )
    op.create_index(
        op.f("ix_workspace_enterprise_id"), "workspace", ["enterprise_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_workspace_enterprise_id"), table_name="workspace")
    op.drop_table("workspace")
