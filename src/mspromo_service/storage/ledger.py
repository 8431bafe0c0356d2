"""The redemption ledger's tables (SPEC §9).

* ``redemption_order``: one row per (store, order) ever redeemed: the body hash that makes
  a repeat idempotent, the stored answer, and ``cancelled_at`` once cancelled.
* ``redemption``: one row per promotion an order redeemed (order, store, customer,
  promotion, time) while the order stands; a cancellation deletes them. The index on
  (retailer, promo_id_retailer, customer_id) answers "how many orders of this customer".
* ``promo_usage``: per promotion (retailer, promo_id_retailer) the number of standing
  redemptions. Its row is what a redemption locks (``SELECT … FOR UPDATE``) before it
  counts, so two redemptions of one limited promotion never overlap (docs/decisions.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from mspromo_service.storage.schema import _TABLE_OPTIONS, _datetime, column_limits, metadata

# The same sizes as the promotion tables' columns they refer to.
ID_LEN = column_limits["promo_header"]["id"]
RETAILER_LEN = column_limits["promo_header"]["retailer"]
PROMO_ID_LEN = column_limits["promo_header"]["promo_id_retailer"]
STORE_LEN = column_limits["promo_header_store"]["store_id"]

ORDER_ID_LEN = 128
CUSTOMER_LEN = 255
HASH_LEN = 64  # SHA-256, hex


def _long_text() -> sa.types.TypeEngine[str]:
    # A large basket's answer outgrows MySQL's 64 KiB TEXT.
    return (
        sa.Text().with_variant(mysql.LONGTEXT(), "mysql").with_variant(mysql.LONGTEXT(), "mariadb")
    )


redemption_order = sa.Table(
    "redemption_order",
    metadata,
    sa.Column("id", sa.String(ID_LEN), primary_key=True),
    sa.Column("store_id", sa.String(STORE_LEN), nullable=False),
    sa.Column("order_id", sa.String(ORDER_ID_LEN), nullable=False),
    sa.Column("customer_id", sa.String(CUSTOMER_LEN), nullable=True),
    sa.Column("body_hash", sa.String(HASH_LEN), nullable=False),
    sa.Column("answer", _long_text(), nullable=False),  # the 201 body, JSON
    sa.Column("created_at", _datetime(), nullable=False),
    sa.Column("cancelled_at", _datetime(), nullable=True),
    sa.UniqueConstraint("store_id", "order_id"),
    **_TABLE_OPTIONS,
)

redemption = sa.Table(
    "redemption",
    metadata,
    sa.Column("id", sa.String(ID_LEN), primary_key=True),
    sa.Column(
        "order_ref",
        sa.String(ID_LEN),
        sa.ForeignKey("redemption_order.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("store_id", sa.String(STORE_LEN), nullable=False),
    sa.Column("order_id", sa.String(ORDER_ID_LEN), nullable=False),
    sa.Column("customer_id", sa.String(CUSTOMER_LEN), nullable=True),
    sa.Column("retailer", sa.String(RETAILER_LEN), nullable=False),
    sa.Column("promo_id_retailer", sa.String(PROMO_ID_LEN), nullable=False),
    sa.Column("promo_id", sa.String(ID_LEN), nullable=True),  # none for an on-the-fly one
    sa.Column("redeemed_at", _datetime(), nullable=False),
    sa.Index(None, "retailer", "promo_id_retailer", "customer_id"),
    **_TABLE_OPTIONS,
)

promo_usage = sa.Table(
    "promo_usage",
    metadata,
    sa.Column("retailer", sa.String(RETAILER_LEN), primary_key=True),
    sa.Column("promo_id_retailer", sa.String(PROMO_ID_LEN), primary_key=True),
    sa.Column("redemptions", sa.BigInteger(), nullable=False),
    **_TABLE_OPTIONS,
)
