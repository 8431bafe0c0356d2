"""Relational storage of promotions (SPEC §7): SQLAlchemy 2 Core over MySQL or SQLite.

Tables: ``promo_header`` (one row per promotion), ``promo_group``, ``promo_group_node``,
``promo_header_store`` (header↔store links, soft-deleted with ``is_deleted``/``deleted_at``),
``special_promo_info`` and ``store_revision`` (one change counter per store, bumped inside
every write transaction that can change what a store's rule set holds); the redemption
ledger (SPEC §9) in ``ledger``: ``redemption_order``, ``redemption``, ``promo_usage``.

Promotions are validated by the engine codec (``promotion_from_wire``) before anything is
written, so a stored promotion is always valid; what a promotion *means* is the engine's
business, storage only keeps it. All SQL goes through SQLAlchemy with bound parameters and
every write is one transaction. Datetimes are stored in UTC together with the UTC offset
they were written with (happy hours are wall-clock times, SPEC §5.1).

One concern a module: ``schema`` (tables, column sizes), ``engine`` (``create_engine``),
``ids`` (KSUIDs), ``rows`` (promotions to rows), ``load`` (rows to promotions),
``revisions`` (per-store change counters), ``limits`` (column limits on input), ``bulk``
(the working set a write changes), ``ops`` (the bulk ops), ``contract`` (the repository
protocol), ``repository`` (``SqlRepository``), ``maintenance`` (``delete_promos``).
"""

from mspromo_service.storage.contract import Page, Repository, StoreDeletion
from mspromo_service.storage.engine import create_engine
from mspromo_service.storage.ids import new_ids
from mspromo_service.storage.ledger import promo_usage, redemption, redemption_order
from mspromo_service.storage.maintenance import delete_promos
from mspromo_service.storage.repository import MAX_PAGE_SIZE, SqlRepository
from mspromo_service.storage.schema import (
    header,
    metadata,
    promo_group,
    promo_group_node,
    promo_header_store,
    special_promo_info,
    store_revision,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "Page",
    "Repository",
    "SqlRepository",
    "StoreDeletion",
    "create_engine",
    "delete_promos",
    "header",
    "metadata",
    "new_ids",
    "promo_group",
    "promo_group_node",
    "promo_header_store",
    "promo_usage",
    "redemption",
    "redemption_order",
    "special_promo_info",
    "store_revision",
]
