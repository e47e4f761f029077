"""case closure: the day a case reached a final step of its channel, and which step

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

`cases.closed_on` (indexed: the zone figures count closures by period) and `cases.closed_as`
("<channel>.<step>"); the status `closed` needs no change of schema (a non-native enum).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_as", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_closed_on"), ["closed_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_closed_on"))
        batch_op.drop_column("closed_as")
        batch_op.drop_column("closed_on")
