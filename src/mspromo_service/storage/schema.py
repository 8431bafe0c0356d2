"""The tables (SPEC §7) and their column sizes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# Column sizes; values longer than these are rejected as input errors, never truncated.
ID_LEN = 27  # KSUID, base62
RETAILER_LEN = 128
PROMO_ID_LEN = 255
STORE_LEN = 255
NAME_LEN = 128
NODE_ID_LEN = 255
TEXT_LEN = 255
QUALIFIER_LEN = 255
DEC_SCALE = 6
DEC_PRECISION = 20


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Identifiers compare byte for byte on MySQL too (SQLite already does): "P1" is not "p1".
_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}


def _datetime() -> sa.types.TypeEngine[datetime]:
    """UTC datetime without tzinfo; microseconds kept on MySQL too."""
    return (
        sa.DateTime()
        .with_variant(mysql.DATETIME(fsp=6), "mysql")
        .with_variant(mysql.DATETIME(fsp=6), "mariadb")
    )


def _decimal() -> sa.Numeric[Decimal]:
    return sa.Numeric(DEC_PRECISION, DEC_SCALE)


def _id() -> sa.String:
    return sa.String(ID_LEN)


def _header_fk() -> sa.ForeignKey:
    return sa.ForeignKey("promo_header.id", ondelete="CASCADE")


header = sa.Table(
    "promo_header",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("retailer", sa.String(RETAILER_LEN), nullable=False),
    sa.Column("promo_id_retailer", sa.String(PROMO_ID_LEN), nullable=False),
    sa.Column("family", sa.String(1), nullable=False),
    sa.Column("title", sa.String(TEXT_LEN), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("promo_short_code", sa.String(TEXT_LEN), nullable=False),
    sa.Column("evaluate_criteria", sa.String(1), nullable=False),
    sa.Column("evaluate_priority", sa.Integer(), nullable=True),
    sa.Column("discount_type", sa.String(1), nullable=False),
    sa.Column("discount_type_strategy", sa.String(1), nullable=False),
    sa.Column("discount_value", _decimal(), nullable=False),
    sa.Column("discount_value_on", sa.String(1), nullable=False),
    sa.Column("max_application_limit", sa.Integer(), nullable=False),
    sa.Column("max_discount", _decimal(), nullable=True),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("start_date_time", _datetime(), nullable=False),
    sa.Column("start_utc_offset", sa.Integer(), nullable=False),  # seconds east of UTC
    sa.Column("end_date_time", _datetime(), nullable=False),
    sa.Column("end_utc_offset", sa.Integer(), nullable=False),
    sa.Column("active_days", sa.String(7), nullable=False),
    sa.Column("is_happy_hour", sa.Boolean(), nullable=False),
    sa.Column("discounted_group_item_selection_criteria", sa.String(2), nullable=False),
    sa.Column("requisite_groups_item_selection_criteria", sa.String(2), nullable=False),
    sa.Column("target_discounted_group_name", sa.String(NAME_LEN), nullable=True),
    sa.Column("target_discounted_group_qty_min", sa.Integer(), nullable=True),
    sa.Column("layer", sa.Integer(), nullable=False),
    sa.Column("discount_apply_type", sa.String(1), nullable=False),
    sa.Column("availability", sa.String(1), nullable=False),
    sa.Column("apply_on_discounted_items", sa.Boolean(), nullable=False),
    sa.Column("extra_data", sa.Text(), nullable=False),  # a JSON object
    sa.Column("created_at", _datetime(), nullable=False),
    sa.Column("updated_at", _datetime(), nullable=False),
    sa.UniqueConstraint("retailer", "promo_id_retailer"),
    sa.Index(None, "is_active"),
    **_TABLE_OPTIONS,
)

promo_group = sa.Table(
    "promo_group",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False),
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("qty_or_value_min", _decimal(), nullable=False),
    sa.Column("qty_or_value_max", _decimal(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.UniqueConstraint("header_id", "name"),
    **_TABLE_OPTIONS,
)

promo_group_node = sa.Table(
    "promo_group_node",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column(
        "group_id",
        _id(),
        sa.ForeignKey("promo_group.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Denormalised from the group: set-based loads and deletes by promotion.
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("node_id", sa.String(NODE_ID_LEN), nullable=False),
    sa.Column("node_type", sa.String(2), nullable=False),
    sa.Column("is_excluded", sa.Boolean(), nullable=False),
    sa.Column("discount_type", sa.String(1), nullable=True),
    sa.Column("discount_value", _decimal(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Index(None, "node_type", "node_id"),  # suggestions: which promotions involve a product
    **_TABLE_OPTIONS,
)

promo_header_store = sa.Table(
    "promo_header_store",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("store_id", sa.String(STORE_LEN), nullable=False),
    sa.Column("is_deleted", sa.Boolean(), nullable=False),
    sa.Column("deleted_at", _datetime(), nullable=True),
    sa.Column("created_at", _datetime(), nullable=False),
    # Leading store_id: also the index of "the promotions of store S".
    sa.UniqueConstraint("store_id", "header_id"),
    **_TABLE_OPTIONS,
)

special_promo_info = sa.Table(
    "special_promo_info",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("group_qualifier_id", sa.String(QUALIFIER_LEN), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    **_TABLE_OPTIONS,
)

store_revision = sa.Table(
    "store_revision",
    metadata,
    sa.Column("store_id", sa.String(STORE_LEN), primary_key=True),
    sa.Column("revision", sa.BigInteger(), nullable=False),
    **_TABLE_OPTIONS,
)
