"""Working hours and days on member, the private avoid list, and channel_config.across_teams

Revision ID: 20261130_0005
Revises: 20261129_0004
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261130_0005"
down_revision = "20261129_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch_op:
        batch_op.add_column(sa.Column("work_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("work_end", sa.Time(), nullable=True))
        batch_op.add_column(
            sa.Column("work_days", sa.Integer(), nullable=False, server_default="31")
        )
    with op.batch_alter_table("channel_config") as batch_op:
        batch_op.add_column(
            sa.Column("across_teams", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "avoid",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("other_user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "other_user_id", name=op.f("pk_avoid")),
    )
    op.create_index(op.f("ix_avoid_other_user_id"), "avoid", ["other_user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_avoid_other_user_id"), table_name="avoid")
    op.drop_table("avoid")
    with op.batch_alter_table("channel_config") as batch_op:
        batch_op.drop_column("across_teams")
    with op.batch_alter_table("member") as batch_op:
        batch_op.drop_column("work_days")
        batch_op.drop_column("work_end")
        batch_op.drop_column("work_start")
