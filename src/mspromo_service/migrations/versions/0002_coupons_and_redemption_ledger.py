"""Coupons and usage limits (SPEC §9): the promotion columns ``coupon_codes``,
``usage_limit``, ``usage_limit_per_customer``, and the redemption ledger
(``redemption_order``, ``redemption``, ``promo_usage``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:26:08.742349
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPTIONS: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}


def _datetime() -> sa.types.TypeEngine[datetime]:
    return (
        sa.DateTime()
        .with_variant(mysql.DATETIME(fsp=6), "mariadb")
        .with_variant(mysql.DATETIME(fsp=6), "mysql")
    )


def upgrade() -> None:
    with op.batch_alter_table("promo_header", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_codes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("usage_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usage_limit_per_customer", sa.Integer(), nullable=True))

    op.create_table(
        "promo_usage",
        sa.Column("retailer", sa.String(length=128), nullable=False),
        sa.Column("promo_id_retailer", sa.String(length=255), nullable=False),
        sa.Column("redemptions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("retailer", "promo_id_retailer", name=op.f("pk_promo_usage")),
        **_OPTIONS,
    )
    op.create_table(
        "redemption_order",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("store_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "answer",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("created_at", _datetime(), nullable=False),
        sa.Column("cancelled_at", _datetime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_order")),
        sa.UniqueConstraint(
            "store_id", "order_id", name=op.f("uq_redemption_order_store_id_order_id")
        ),
        **_OPTIONS,
    )
    op.create_table(
        "redemption",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("order_ref", sa.String(length=27), nullable=False),
        sa.Column("store_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("retailer", sa.String(length=128), nullable=False),
        sa.Column("promo_id_retailer", sa.String(length=255), nullable=False),
        sa.Column("promo_id", sa.String(length=27), nullable=True),
        sa.Column("redeemed_at", _datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_ref"],
            ["redemption_order.id"],
            name=op.f("fk_redemption_order_ref_redemption_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_redemption_order_ref"), "redemption", ["order_ref"], unique=False)
    op.create_index(
        op.f("ix_redemption_retailer_promo_id_retailer_customer_id"),
        "redemption",
        ["retailer", "promo_id_retailer", "customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("redemption")
    op.drop_table("redemption_order")
    op.drop_table("promo_usage")
    with op.batch_alter_table("promo_header", schema=None) as batch_op:
        batch_op.drop_column("usage_limit_per_customer")
        batch_op.drop_column("usage_limit")
        batch_op.drop_column("coupon_codes")
