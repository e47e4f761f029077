"""case documents: decisions and documents issued in a case, and the counters of their numbers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

`case_documents`: a penalty decision, a ruling, a mediation agreement or a transfer letter as
issued (number 文号, year and sequence, day, issuer, the fields, the rendered HTML, the SHA-256 of
the file deposited in the evidence log and its deposit, and a penalty decision's publicity
deadline). `document_counters`: the last sequence number per authority, kind and year.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("authority", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("authority", "kind", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("authority", sa.String(length=40), nullable=False),
        sa.Column("authority_name", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("publicity_due", sa.Date(), nullable=True),
        sa.Column("publicity_provisional", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_documents_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["evidence_deposits.id"],
            name=op.f("fk_case_documents_deposit_id_evidence_deposits"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_case_documents_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["case_steps.id"], name=op.f("fk_case_documents_step_id_case_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
        sa.UniqueConstraint(
            "authority", "kind", "year", "sequence", name=op.f("uq_case_documents_authority")
        ),
        sa.UniqueConstraint("number", name=op.f("uq_case_documents_number")),
        sa.UniqueConstraint("step_id", "kind", name=op.f("uq_case_documents_step_id")),
    )
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_documents_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_documents_publicity_due"), ["publicity_due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_documents_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_documents_region_code"))
        batch_op.drop_index(batch_op.f("ix_case_documents_publicity_due"))
        batch_op.drop_index(batch_op.f("ix_case_documents_case_id"))
    op.drop_table("case_documents")
    op.drop_table("document_counters")
