"""Create the promotion tables: headers, groups, nodes, store links, special info, store
revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:01:50.687193
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promo_header",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("retailer", sa.String(length=128), nullable=False),
        sa.Column("promo_id_retailer", sa.String(length=255), nullable=False),
        sa.Column("family", sa.String(length=1), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("promo_short_code", sa.String(length=255), nullable=False),
        sa.Column("evaluate_criteria", sa.String(length=1), nullable=False),
        sa.Column("evaluate_priority", sa.Integer(), nullable=True),
        sa.Column("discount_type", sa.String(length=1), nullable=False),
        sa.Column("discount_type_strategy", sa.String(length=1), nullable=False),
        sa.Column("discount_value", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("discount_value_on", sa.String(length=1), nullable=False),
        sa.Column("max_application_limit", sa.Integer(), nullable=False),
        sa.Column("max_discount", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "start_date_time",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("start_utc_offset", sa.Integer(), nullable=False),
        sa.Column(
            "end_date_time",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("end_utc_offset", sa.Integer(), nullable=False),
        sa.Column("active_days", sa.String(length=7), nullable=False),
        sa.Column("is_happy_hour", sa.Boolean(), nullable=False),
        sa.Column("discounted_group_item_selection_criteria", sa.String(length=2), nullable=False),
        sa.Column("requisite_groups_item_selection_criteria", sa.String(length=2), nullable=False),
        sa.Column("target_discounted_group_name", sa.String(length=128), nullable=True),
        sa.Column("target_discounted_group_qty_min", sa.Integer(), nullable=True),
        sa.Column("layer", sa.Integer(), nullable=False),
        sa.Column("discount_apply_type", sa.String(length=1), nullable=False),
        sa.Column("availability", sa.String(length=1), nullable=False),
        sa.Column("apply_on_discounted_items", sa.Boolean(), nullable=False),
        sa.Column("extra_data", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_header")),
        sa.UniqueConstraint(
            "retailer", "promo_id_retailer", name=op.f("uq_promo_header_retailer_promo_id_retailer")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(op.f("ix_promo_header_is_active"), "promo_header", ["is_active"], unique=False)

    op.create_table(
        "store_revision",
        sa.Column("store_id", sa.String(length=255), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_revision")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "promo_group",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("header_id", sa.String(length=27), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("qty_or_value_min", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("qty_or_value_max", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["promo_header.id"],
            name=op.f("fk_promo_group_header_id_promo_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_group")),
        sa.UniqueConstraint("header_id", "name", name=op.f("uq_promo_group_header_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "promo_header_store",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("header_id", sa.String(length=27), nullable=False),
        sa.Column("store_id", sa.String(length=255), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "deleted_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["promo_header.id"],
            name=op.f("fk_promo_header_store_header_id_promo_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_header_store")),
        sa.UniqueConstraint(
            "store_id", "header_id", name=op.f("uq_promo_header_store_store_id_header_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        op.f("ix_promo_header_store_header_id"), "promo_header_store", ["header_id"], unique=False
    )

    op.create_table(
        "special_promo_info",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("header_id", sa.String(length=27), nullable=False),
        sa.Column("group_qualifier_id", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["promo_header.id"],
            name=op.f("fk_special_promo_info_header_id_promo_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_promo_info")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        op.f("ix_special_promo_info_header_id"), "special_promo_info", ["header_id"], unique=False
    )

    op.create_table(
        "promo_group_node",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("group_id", sa.String(length=27), nullable=False),
        sa.Column("header_id", sa.String(length=27), nullable=False),
        sa.Column("node_id", sa.String(length=255), nullable=False),
        sa.Column("node_type", sa.String(length=2), nullable=False),
        sa.Column("is_excluded", sa.Boolean(), nullable=False),
        sa.Column("discount_type", sa.String(length=1), nullable=True),
        sa.Column("discount_value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["promo_group.id"],
            name=op.f("fk_promo_group_node_group_id_promo_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["promo_header.id"],
            name=op.f("fk_promo_group_node_header_id_promo_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_group_node")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        op.f("ix_promo_group_node_group_id"), "promo_group_node", ["group_id"], unique=False
    )
    op.create_index(
        op.f("ix_promo_group_node_header_id"), "promo_group_node", ["header_id"], unique=False
    )
    op.create_index(
        op.f("ix_promo_group_node_node_type_node_id"),
        "promo_group_node",
        ["node_type", "node_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("promo_group_node")
    op.drop_table("special_promo_info")
    op.drop_table("promo_header_store")
    op.drop_table("promo_group")
    op.drop_table("store_revision")
    op.drop_table("promo_header")
