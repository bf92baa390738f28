"""prompt.message_ts: fill it for prompts sent before it was recorded at delivery

Until now a prompt learnt its message timestamp from its outbox row lazily, when a reply
came in; the delivery worker now records it the moment the message is sent. This fills it
once for prompts sent before, so nothing needs the lazy lookup any more. Data only.

Revision ID: 20261129_0003
Revises: 20261126_0002
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "20261129_0003"
down_revision = "20261126_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The outbox key of a prompt's message is "prompt:<id>" (bot.core.outbox_keys.prompt).
    sent = (
        "SELECT {column} FROM outbound_message o"
        " WHERE o.key = 'prompt:' || CAST(prompt.id AS VARCHAR(20))"
        " AND o.sent_ts IS NOT NULL"
    )
    op.execute(
        "UPDATE prompt SET"
        f" message_ts = ({sent.format(column='o.sent_ts')}),"
        f" posted_at = ({sent.format(column='o.sent_at')})"
        f" WHERE message_ts IS NULL AND EXISTS ({sent.format(column='1')})"
    )


def downgrade() -> None:
    pass  # the filled timestamps are right under the old code too
