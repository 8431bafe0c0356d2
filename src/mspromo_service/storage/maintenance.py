"""Maintenance (``mspromo delete-promos``): drop soft-deleted links, deactivated promotions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mspromo_service.storage.engine import WRITE
from mspromo_service.storage.revisions import bump_revisions
from mspromo_service.storage.rows import chunks, delete_promotions
from mspromo_service.storage.schema import (
    header,
    promo_group,
    promo_group_node,
    promo_header_store,
    special_promo_info,
)


def delete_promos(
    engine: Engine,
    *,
    softdelete: bool,
    deactivated: bool,
    dry_run: bool,
    batch_size: int = 1000,
) -> dict[str, int | bool]:
    """Remove soft-deleted links (``softdelete``) and/or deactivated promotions with their
    groups, nodes, special info and links (``deactivated``), all in one transaction.

    Returns the counts of what was (or, with ``dry_run``, would be) removed; a dry run
    changes nothing. ``batch_size`` is the number of ids per DELETE statement.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    lk, h = promo_header_store, header
    counts: dict[str, int | bool] = {
        "dry_run": dry_run,
        "soft_deleted_links": 0,
        "deactivated_promotions": 0,
        "groups": 0,
        "nodes": 0,
        "special_promo_info": 0,
        "links": 0,
    }
    writer = engine.execution_options(**{WRITE: True})
    with writer.connect() as conn, conn.begin() as tx:
        if softdelete:
            link_ids = _ids(conn, lk.c.id, lk.c.is_deleted == sa.true())
            counts["soft_deleted_links"] = len(link_ids)
            if not dry_run:
                for chunk in chunks(link_ids, batch_size):
                    conn.execute(sa.delete(lk).where(lk.c.id.in_(chunk)))
        if deactivated:
            ids = _ids(conn, h.c.id, h.c.is_active == sa.false())
            counts["deactivated_promotions"] = len(ids)
            stores: set[str] = set()
            for chunk in chunks(ids, batch_size):
                for key, table in (
                    ("groups", promo_group),
                    ("nodes", promo_group_node),
                    ("special_promo_info", special_promo_info),
                ):
                    counts[key] = int(counts[key]) + int(
                        conn.execute(
                            sa.select(sa.func.count()).where(table.c.header_id.in_(chunk))
                        ).scalar_one()
                    )
                for store_id, deleted in conn.execute(
                    sa.select(lk.c.store_id, lk.c.is_deleted).where(lk.c.header_id.in_(chunk))
                ):
                    if not deleted:
                        stores.add(store_id)
                    if not (deleted and softdelete):  # already counted as soft-deleted
                        counts["links"] = int(counts["links"]) + 1
            if not dry_run:
                delete_promotions(conn, ids, batch_size)
                bump_revisions(conn, stores)
        if dry_run:
            tx.rollback()
    return counts


def _ids(conn: Connection, id_column: sa.Column[str], where: sa.ColumnElement[bool]) -> list[str]:
    return list(conn.execute(sa.select(id_column).where(where).order_by(id_column)).scalars())
