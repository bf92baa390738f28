"""schedule.created_by: the admin who set a schedule up, told when delivery fails

Revision ID: 20261126_0002
Revises: 20261126_0001
Create Date: 2026-11-26 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261126_0002"
down_revision = "20261126_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule") as batch_op:
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule") as batch_op:
        batch_op.drop_column("created_by")
