"""evidence deposits, timestamps, cosignatures, witness state, alarms

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Deposits of evidence (each with its log index), RFC 3161 tokens and witness cosignatures of
signed checkpoints, the state of the logs this instance witnesses, and integrity alarms.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_alarms")),
    )
    op.create_table(
        "witnessed_logs",
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_witnessed_logs")),
    )
    op.create_table(
        "evidence_deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("capture_method", sa.String(length=500), nullable=False),
        sa.Column("custody_notes", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("depositor_id", sa.Integer(), nullable=True),
        sa.Column("depositor_name", sa.String(length=100), nullable=False),
        sa.Column("depositor_uscc", sa.String(length=18), nullable=True),
        sa.Column("depositor_key", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["depositor_id"], ["users.id"], name=op.f("fk_evidence_deposits_depositor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_deposits")),
        sa.UniqueConstraint(
            "depositor_key", "idempotency_key", name=op.f("uq_evidence_deposits_depositor_key")
        ),
        sa.UniqueConstraint("log_index", name=op.f("uq_evidence_deposits_log_index")),
    )
    with op.batch_alter_table("evidence_deposits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_deposits_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_deposits_depositor_id"), ["depositor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_deposits_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_deposits_sha256"), ["sha256"], unique=False)

    op.create_table(
        "log_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(length=255), nullable=False),
        sa.Column("signature_line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_size"],
            ["log_checkpoints.size"],
            name=op.f("fk_log_cosignatures_checkpoint_size_log_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_cosignatures")),
        sa.UniqueConstraint(
            "checkpoint_size", "witness", name=op.f("uq_log_cosignatures_checkpoint_size")
        ),
    )
    op.create_table(
        "log_timestamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("tsa", sa.String(length=500), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_size"],
            ["log_checkpoints.size"],
            name=op.f("fk_log_timestamps_checkpoint_size_log_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_timestamps")),
        sa.UniqueConstraint(
            "checkpoint_size", "tsa", name=op.f("uq_log_timestamps_checkpoint_size")
        ),
    )


def downgrade() -> None:
    op.drop_table("log_timestamps")
    op.drop_table("log_cosignatures")
    with op.batch_alter_table("evidence_deposits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_deposits_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_deposits_region_code"))
        batch_op.drop_index(batch_op.f("ix_evidence_deposits_depositor_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_deposits_case_id"))

    op.drop_table("evidence_deposits")
    op.drop_table("witnessed_logs")
    op.drop_table("log_alarms")
