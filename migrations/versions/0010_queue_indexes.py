"""queue indexes: the open deadlines of a scope, counted and ranked from indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

The work queue (`cases.channels.queue`) counts and ranks the open steps and the complaints
awaiting the acceptance decision of a range of region codes. `benchmarks/cases.py` measured it
at 1,000,000 cases: these two indexes cover what it reads of each row.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_steps_open_deadlines",
        "case_steps",
        ["done_on", "region_code", "due_on", "extended_to", "case_id"],
        unique=False,
    )
    op.create_index(
        "ix_cases_status_region",
        "cases",
        ["status", "region_code", "acceptance_due"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_status_region", table_name="cases")
    op.drop_index("ix_case_steps_open_deadlines", table_name="case_steps")
