"""case notifications: the outbox of messages to complainants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

One row per message (e-mail or SMS) about a case event, queued in the event's transaction and
sent later by `ipprotect cases send-outbox`: status, attempts, last error, claim and send times.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="notificationchannel", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "sent", "failed", name="notificationstatus", native_enum=False, length=8
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notifications_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notifications")),
    )
    with op.batch_alter_table("case_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_notifications_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_notifications_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notifications_status"))
        batch_op.drop_index(batch_op.f("ix_case_notifications_case_id"))

    op.drop_table("case_notifications")
