"""registry: market entities, IP rights, trademark classes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The search keys (name_folded, name_core, uscc) use the "C" collation on PostgreSQL so that
prefix searches written as ranges follow code-point order, as on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "name_folded",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "name_core",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "uscc",
            sa.String(length=18).with_variant(sa.String(length=18, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "company",
                "individual_business",
                "natural_person",
                "public_institution",
                "social_organisation",
                "foreign",
                "other",
                name="entitykind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("resident_id", sa.String(length=18), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_market_entities_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_entities")),
        sa.UniqueConstraint("uscc", name=op.f("uq_market_entities_uscc")),
    )
    with op.batch_alter_table("market_entities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_entities_name_core"), ["name_core"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_market_entities_name_folded"), ["name_folded"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_market_entities_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "ip_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "patent",
                "trademark",
                "geographical_indication",
                "copyright",
                "trade_secret",
                "plant_variety",
                name="rightkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("patent_kind", sa.String(length=32), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("granted_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "granted",
                "registered",
                "expired",
                "invalidated",
                "revoked",
                name="rightstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_ip_rights_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["market_entities.id"], name=op.f("fk_ip_rights_owner_id_market_entities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_rights")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_ip_rights_kind")),
    )
    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ip_rights_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_ip_rights_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ip_rights_region_code"), ["region_code"], unique=False)

    op.create_table(
        "trademark_classes",
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("nice_class", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["right_id"], ["ip_rights.id"], name=op.f("fk_trademark_classes_right_id_ip_rights")
        ),
        sa.PrimaryKeyConstraint("right_id", "nice_class", name=op.f("pk_trademark_classes")),
    )
    with op.batch_alter_table("trademark_classes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trademark_classes_nice_class"), ["nice_class"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trademark_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trademark_classes_nice_class"))

    op.drop_table("trademark_classes")
    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ip_rights_region_code"))
        batch_op.drop_index(batch_op.f("ix_ip_rights_owner_id"))
        batch_op.drop_index(batch_op.f("ix_ip_rights_number"))

    op.drop_table("ip_rights")
    with op.batch_alter_table("market_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_entities_region_code"))
        batch_op.drop_index(batch_op.f("ix_market_entities_name_folded"))
        batch_op.drop_index(batch_op.f("ix_market_entities_name_core"))

    op.drop_table("market_entities")
