"""cases: complaints and hotline tickets, their rights, evidence and events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Cases as received (tracking code, acceptance deadline, triage, complainant and respondent), the
IP rights and evidence deposits they name, and the case events later channel steps hang on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received", "accepted", "rejected", name="casestatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "form",
                "api",
                "hotline_12345",
                "hotline_12330",
                name="source",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("hotline_ticket", sa.String(length=64), nullable=True),
        sa.Column(
            "channel_requested",
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
            nullable=True,
        ),
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
            nullable=True,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("acceptance_due", sa.Date(), nullable=False),
        sa.Column("acceptance_due_provisional", sa.Boolean(), nullable=False),
        sa.Column("complainant_user_id", sa.Integer(), nullable=True),
        sa.Column("complainant_name", sa.String(length=200), nullable=False),
        sa.Column("complainant_phone", sa.String(length=40), nullable=True),
        sa.Column("complainant_email", sa.String(length=254), nullable=True),
        sa.Column("complainant_resident_id", sa.String(length=18), nullable=True),
        sa.Column("respondent_entity_id", sa.Integer(), nullable=True),
        sa.Column("respondent_name", sa.String(length=200), nullable=False),
        sa.Column("respondent_uscc", sa.String(length=18), nullable=True),
        sa.Column("respondent_description", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("amount_claimed_fen", sa.BigInteger(), nullable=True),
        sa.Column(
            "track",
            sa.Enum("simple", "complex", name="track", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("triage_flags", sa.JSON(), nullable=False),
        sa.Column("triage_reasons", sa.JSON(), nullable=False),
        sa.Column("track_overridden", sa.Boolean(), nullable=False),
        sa.Column("track_override_reason", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complainant_user_id"], ["users.id"], name=op.f("fk_cases_complainant_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_cases_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["respondent_entity_id"],
            ["market_entities.id"],
            name=op.f("fk_cases_respondent_entity_id_market_entities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("source", "hotline_ticket", name=op.f("uq_cases_source")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_cases_tracking_code")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cases_acceptance_due"), ["acceptance_due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cases_complainant_user_id"), ["complainant_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
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
            nullable=True,
        ),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_evidence",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_evidence_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["evidence_deposits.id"],
            name=op.f("fk_case_evidence_deposit_id_evidence_deposits"),
        ),
        sa.PrimaryKeyConstraint("case_id", "deposit_id", name=op.f("pk_case_evidence")),
    )
    op.create_table(
        "case_rights",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_rights_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["right_id"], ["ip_rights.id"], name=op.f("fk_case_rights_right_id_ip_rights")
        ),
        sa.PrimaryKeyConstraint("case_id", "right_id", name=op.f("pk_case_rights")),
    )


def downgrade() -> None:
    op.drop_table("case_rights")
    op.drop_table("case_evidence")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_region_code"))
        batch_op.drop_index(batch_op.f("ix_cases_complainant_user_id"))
        batch_op.drop_index(batch_op.f("ix_cases_acceptance_due"))

    op.drop_table("cases")
