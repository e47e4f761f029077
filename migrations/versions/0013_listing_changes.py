"""credit listing changes: the latest change of any listing, read from an index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

The restriction checks' name index (`credit.checks.ListingIndex`) is rebuilt when the listings'
fingerprint changes; the fingerprint includes the latest `updated_at`, so that one listing
lifted and another listed between two looks still changes it. This index answers that maximum
without reading the table.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_credit_listings_updated_at"), "credit_listings", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_listings_updated_at"), table_name="credit_listings")
