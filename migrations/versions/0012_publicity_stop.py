"""credit publicity stops: when a published penalty decision leaves the portal

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

SAMR Order No. 45 art. 13: a penalty decision stops being public 3 months after publication
when it was only a reprimand or a low fine, else 3 years, or as long as a longer restriction
of business or practice. `credit_publications` keeps what decides it (the penalty kinds, the
fine in fen, the restriction in months), the last day it is shown (fixed at publication by the
rule version in force) and the day the publicity sweep recorded the stop. Rows published
before this revision have no last day yet: the sweep fixes it by the rules of their day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_publications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measures", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fine_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("restriction_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("publicity_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("stopped_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_credit_publications_publicity_until"), ["publicity_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_publications_publicity_until"))
        batch_op.drop_column("stopped_on")
        batch_op.drop_column("publicity_until")
        batch_op.drop_column("restriction_months")
        batch_op.drop_column("fine_fen")
        batch_op.drop_column("measures")
