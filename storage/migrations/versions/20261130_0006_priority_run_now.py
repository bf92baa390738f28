"""outbound_message.priority and round.run_now_after

What a person just asked for (an introduction, a say-hi, a welcome) goes before a round's
backlog: the outbox gets an integer `priority` (lower first) and an index for the claim
order. A run-now round records the channel's latest round when it was asked for, unique per
channel, so the database makes one round of two run-nows of the same moment.

Revision ID: 20261130_0006
Revises: 20261130_0005
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261130_0006"
down_revision = "20261130_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_message") as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default="10")
        )
        batch_op.create_index(
            "ix_outbound_message_status_priority_id", ["status", "priority", "id"], unique=False
        )
    with op.batch_alter_table("round") as batch_op:
        batch_op.add_column(sa.Column("run_now_after", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_round_run_now_after", ["run_now_after", "team_id", "channel_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("round") as batch_op:
        batch_op.drop_constraint("uq_round_run_now_after", type_="unique")
        batch_op.drop_column("run_now_after")
    with op.batch_alter_table("outbound_message") as batch_op:
        batch_op.drop_index("ix_outbound_message_status_priority_id")
        batch_op.drop_column("priority")
