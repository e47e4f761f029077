"""credit: credit files, dishonesty listings and their repair, restriction checks, dual publicity

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

`credit_records`: the entries of an entity's credit file (penalty, ruling, judgment, commitment,
listing, repair, objection). `credit_listings`: a listing procedure on a dishonesty list, from
proposal to expiry, with its publicity minimum and maximum. `credit_repairs`: applications for
credit repair and their review. `credit_checks`: every restriction check and its signed answer.
`credit_publications`: the public pages of penalty decisions and licences (双公示).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("entity_uscc", sa.String(length=18), nullable=True),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("publicity_due", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.Column("withheld_reason", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_publications")),
        sa.UniqueConstraint(
            "source_kind", "source_id", name=op.f("uq_credit_publications_source_kind")
        ),
    )
    with op.batch_alter_table("credit_publications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_publications_entity_uscc"), ["entity_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_publications_publicity_due"), ["publicity_due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_publications_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "credit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller_token_id", sa.Integer(), nullable=True),
        sa.Column("caller_user_id", sa.Integer(), nullable=True),
        sa.Column("caller_name", sa.String(length=200), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "procurement",
                "bidding",
                "subsidy",
                "land",
                "award",
                name="checkpurpose",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("query_uscc", sa.String(length=18), nullable=True),
        sa.Column("query_name", sa.String(length=200), nullable=False),
        sa.Column("query_region", sa.String(length=6), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "restricted", "clear", "review", name="checkdecision", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["caller_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_credit_checks_caller_token_id_api_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["caller_user_id"], ["users.id"], name=op.f("fk_credit_checks_caller_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_checks")),
    )
    with op.batch_alter_table("credit_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_checks_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_checks_query_uscc"), ["query_uscc"], unique=False
        )

    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_uscc", sa.String(length=18), nullable=True),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "penalty",
                "ruling",
                "judgment",
                "commitment",
                "listing",
                "repair",
                "objection",
                name="recordkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_credit_records_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["market_entities.id"],
            name=op.f("fk_credit_records_entity_id_market_entities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_records_entity_name"), ["entity_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_entity_uscc"), ["entity_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "credit_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_uscc", sa.String(length=18), nullable=True),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column(
            "class",
            sa.Enum(
                "minor", "general", "serious", name="listingclass", native_enum=False, length=8
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "noticed",
                "listed",
                "repaired",
                "expired",
                "withdrawn",
                name="listingstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=True),
        sa.Column("noticed_on", sa.Date(), nullable=True),
        sa.Column("statement_due", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("publicity_min_until", sa.Date(), nullable=True),
        sa.Column("publicity_max_until", sa.Date(), nullable=True),
        sa.Column("repaired_on", sa.Date(), nullable=True),
        sa.Column("expired_on", sa.Date(), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=True),
        sa.Column("deposit_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["evidence_deposits.id"],
            name=op.f("fk_credit_listings_deposit_id_evidence_deposits"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["market_entities.id"],
            name=op.f("fk_credit_listings_entity_id_market_entities"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_listings_source_record_id_credit_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listings")),
    )
    with op.batch_alter_table("credit_listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_listings_entity_uscc"), ["entity_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_listings_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_listings_status"), ["status"], unique=False)

    op.create_table(
        "credit_repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("applied", "approved", "refused", name="repairstatus", native_enum=False),
            nullable=False,
        ),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["credit_listings.id"],
            name=op.f("fk_credit_repairs_listing_id_credit_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_credit_repairs_reviewed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repairs")),
    )
    with op.batch_alter_table("credit_repairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_repairs_listing_id"), ["listing_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_repairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_repairs_listing_id"))

    op.drop_table("credit_repairs")
    with op.batch_alter_table("credit_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_listings_status"))
        batch_op.drop_index(batch_op.f("ix_credit_listings_region_code"))
        batch_op.drop_index(batch_op.f("ix_credit_listings_entity_uscc"))

    op.drop_table("credit_listings")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_records_region_code"))
        batch_op.drop_index(batch_op.f("ix_credit_records_entity_uscc"))
        batch_op.drop_index(batch_op.f("ix_credit_records_entity_name"))

    op.drop_table("credit_records")
    with op.batch_alter_table("credit_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_checks_query_uscc"))
        batch_op.drop_index(batch_op.f("ix_credit_checks_at"))

    op.drop_table("credit_checks")
    with op.batch_alter_table("credit_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_publications_region_code"))
        batch_op.drop_index(batch_op.f("ix_credit_publications_publicity_due"))
        batch_op.drop_index(batch_op.f("ix_credit_publications_entity_uscc"))

    op.drop_table("credit_publications")
