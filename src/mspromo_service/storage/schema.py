"""The tables (SPEC §7); their column sizes are the storage limits on input."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# Sizes several columns share. These columns are the one statement of the limits: code
# that checks or publishes them reads them back (``column_limits``, ``decimal_limits``).
_ID = 27  # KSUID, base62
_NAME = 128  # group names, and the target group name that refers to one
_KEY = 255  # ids clients choose: promo_id_retailer, store, node, qualifier
_TEXT = 255
_DEC_PRECISION = 20
_DEC_SCALE = 6


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
    return sa.Numeric(_DEC_PRECISION, _DEC_SCALE)


def _id() -> sa.String:
    return sa.String(_ID)


def _header_fk() -> sa.ForeignKey:
    return sa.ForeignKey("promo_header.id", ondelete="CASCADE")


header = sa.Table(
    "promo_header",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("retailer", sa.String(128), nullable=False),
    sa.Column("promo_id_retailer", sa.String(_KEY), nullable=False),
    sa.Column("family", sa.String(1), nullable=False),
    sa.Column("title", sa.String(_TEXT), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("promo_short_code", sa.String(_TEXT), nullable=False),
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
    sa.Column("target_discounted_group_name", sa.String(_NAME), nullable=True),
    sa.Column("target_discounted_group_qty_min", sa.Integer(), nullable=True),
    sa.Column("layer", sa.Integer(), nullable=False),
    sa.Column("discount_apply_type", sa.String(1), nullable=False),
    sa.Column("availability", sa.String(1), nullable=False),
    sa.Column("apply_on_discounted_items", sa.Boolean(), nullable=False),
    sa.Column("extra_data", sa.Text(), nullable=False),  # a JSON object
    # SPEC §9: a JSON array of upper-case codes, NULL for none (MySQL gives TEXT no
    # default, and most promotions have no codes); limits count orders (storage/ledger.py).
    sa.Column("coupon_codes", sa.Text(), nullable=True),
    sa.Column("usage_limit", sa.Integer(), nullable=True),
    sa.Column("usage_limit_per_customer", sa.Integer(), nullable=True),
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
    sa.Column("name", sa.String(_NAME), nullable=False),
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
    sa.Column("node_id", sa.String(_KEY), nullable=False),
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
    sa.Column("store_id", sa.String(_KEY), nullable=False),
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
    sa.Column("group_qualifier_id", sa.String(_KEY), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    **_TABLE_OPTIONS,
)

store_revision = sa.Table(
    "store_revision",
    metadata,
    sa.Column("store_id", sa.String(_KEY), primary_key=True),
    sa.Column("revision", sa.BigInteger(), nullable=False),
    **_TABLE_OPTIONS,
)


def _limits() -> dict[str, dict[str, int]]:
    return {
        table.name: {
            column.name: column.type.length
            for column in table.columns
            if isinstance(column.type, sa.String) and column.type.length is not None
        }
        for table in metadata.sorted_tables
    }


#: Table name -> column name -> the most characters the column holds (``sa.String(n)``
#: columns only; ``Text`` has no limit). Longer values are input errors, never truncated.
column_limits: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {name: MappingProxyType(columns) for name, columns in _limits().items()}
)


@attrs.frozen
class DecimalLimits:
    """What the ``NUMERIC(precision, scale)`` columns (all alike) hold."""

    precision: int
    scale: int

    @property
    def bound(self) -> Decimal:
        """Values must stay below this in absolute value."""
        return Decimal(10) ** (self.precision - self.scale)


def _decimal_limits() -> DecimalLimits:
    found = {
        (column.type.precision, column.type.scale)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.Numeric)
    }
    ((precision, scale),) = found  # one decimal type for every column
    assert precision is not None and scale is not None
    return DecimalLimits(precision, scale)


decimal_limits = _decimal_limits()
