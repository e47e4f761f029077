"""case channels: the steps of a case in each protection channel, with their deadlines

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

One row per state a case enters in a channel (mediation, administrative adjudication, ...):
its start, its legal deadline (rule id, due date, provisional flag), pauses, an approved
extension with who approved it and why, the assignee (a mediator), and when and how it ended.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "admin_adjudication",
                "admin_penalty",
                "mediation",
                "arbitration",
                "court",
                "rapid_protection",
                name="channel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("paused_since", sa.Date(), nullable=True),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extended_by", sa.Integer(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_case_steps_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_steps_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["extended_by"], ["users.id"], name=op.f("fk_case_steps_extended_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
    )
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_steps_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_steps_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_steps_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_steps_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_steps_region_code"))
        batch_op.drop_index(batch_op.f("ix_case_steps_due_on"))
        batch_op.drop_index(batch_op.f("ix_case_steps_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_steps_assignee_id"))

    op.drop_table("case_steps")
