"""meeting_slot, slot_pick and thank_you_note

The times offered to a group (`meeting_slot`), who said "Works for me" (`slot_pick`), and
the thank-you notes members sent after meeting (`thank_you_note`).

Revision ID: 20261201_0009
Revises: 20261130_0008
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_0009"
down_revision = "20261130_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match_group.id"],
            name=op.f("fk_meeting_slot_match_id_match_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_slot")),
        sa.UniqueConstraint("match_id", "starts_at", name=op.f("uq_meeting_slot_match_id")),
    )
    op.create_index(op.f("ix_meeting_slot_team_id"), "meeting_slot", ["team_id"], unique=False)
    op.create_index(op.f("ix_meeting_slot_match_id"), "meeting_slot", ["match_id"], unique=False)
    op.create_table(
        "slot_pick",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["meeting_slot.id"],
            name=op.f("fk_slot_pick_slot_id_meeting_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slot_id", "user_id", name=op.f("pk_slot_pick")),
    )
    op.create_index(op.f("ix_slot_pick_user_id"), "slot_pick", ["user_id"], unique=False)
    op.create_table(
        "thank_you_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match_group.id"],
            name=op.f("fk_thank_you_note_match_id_match_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thank_you_note")),
        sa.UniqueConstraint("match_id", "user_id", name=op.f("uq_thank_you_note_match_id")),
    )
    for column in ("team_id", "match_id", "user_id"):
        op.create_index(
            op.f(f"ix_thank_you_note_{column}"), "thank_you_note", [column], unique=False
        )


def downgrade() -> None:
    for column in ("team_id", "match_id", "user_id"):
        op.drop_index(op.f(f"ix_thank_you_note_{column}"), table_name="thank_you_note")
    op.drop_table("thank_you_note")
    op.drop_index(op.f("ix_slot_pick_user_id"), table_name="slot_pick")
    op.drop_table("slot_pick")
    op.drop_index(op.f("ix_meeting_slot_match_id"), table_name="meeting_slot")
    op.drop_index(op.f("ix_meeting_slot_team_id"), table_name="meeting_slot")
    op.drop_table("meeting_slot")
