"""round_alone and delivery_lease

Who was left alone in a round now lives on the round (`round_alone`), written when the round
is planned, so pruning old outbox rows never changes matching. It is filled here from the
outbox keys `round:{id}:alone:{user}` of existing rounds. `delivery_lease` says which
instance sends a workspace's outbox, so several instances together keep to Slack's limits.

Revision ID: 20261130_0008
Revises: 20261130_0007
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261130_0008"
down_revision = "20261130_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_alone",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_alone_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", name=op.f("pk_round_alone")),
    )
    with op.batch_alter_table("round_alone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_alone_user_id"), ["user_id"], unique=False)
    op.create_table(
        "delivery_lease",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_delivery_lease")),
    )
    _fill_round_alone()


def _fill_round_alone() -> None:
    """Who was alone, from the keys of the "left alone" notes of rounds that still exist."""
    connection = op.get_bind()
    keys = connection.execute(
        sa.text(
            "SELECT key FROM outbound_message WHERE kind = 'round_alone' AND key LIKE 'round:%'"
        )
    ).scalars()
    rounds = set(connection.execute(sa.text("SELECT id FROM round")).scalars())
    rows: set[tuple[int, str]] = set()
    for key in keys:
        parts = str(key).split(":")  # round:{id}:alone:{user}
        if len(parts) == 4 and parts[2] == "alone" and parts[1].isdigit() and parts[3]:
            if int(parts[1]) in rounds:
                rows.add((int(parts[1]), parts[3][:32]))
    if rows:
        table = sa.table("round_alone", sa.column("round_id"), sa.column("user_id"))
        op.bulk_insert(table, [{"round_id": r, "user_id": u} for r, u in sorted(rows)])


def downgrade() -> None:
    op.drop_table("delivery_lease")
    with op.batch_alter_table("round_alone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_alone_user_id"))
    op.drop_table("round_alone")
