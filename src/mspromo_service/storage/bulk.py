"""Writes: an in-memory working set of promotions, flushed in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mspromo_engine import ErrorDetail, Promotion
from mspromo_service.storage.ids import IdPool
from mspromo_service.storage.inserts import insert_rows
from mspromo_service.storage.load import load
from mspromo_service.storage.revisions import bump_revisions
from mspromo_service.storage.rows import Rows, chunks, header_row, utc_now
from mspromo_service.storage.schema import (
    header,
    promo_header_store,
)

_STAMPS = frozenset({"created_at", "updated_at"})


class OpError(Exception):
    """One op cannot be applied; becomes a ValidationError (bulk) or Conflict/NotFound."""

    def __init__(self, errors: list[ErrorDetail], kind: str = "invalid") -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.kind = kind  # "invalid", "conflict" or "missing"


@attrs.define
class Entry:
    header_id: str
    promotion: Promotion
    links: dict[str, bool]  # store_id -> is_deleted
    is_new: bool
    dirty: bool = False  # an op replaced the promotion (it may still equal ``stored``)
    changed_links: set[str] = attrs.Factory(set)
    stored: Promotion | None = None  # as loaded: what the rows hold now
    group_ids: tuple[str, ...] = ()  # the row ids of ``stored.promo_groups``


class WorkingSet:
    """The promotions a write touches, changed in memory, then written in one go."""

    def __init__(self, retailer: str | None) -> None:
        self.retailer = retailer
        self.entries: dict[tuple[str, str], Entry] = {}
        self.order: list[Entry] = []
        self._queued: set[str] = set()  # header ids in ``order``
        self.new_id = IdPool()

    def preload(
        self, conn: Connection, retailer: str, promo_ids: Iterable[str], *, lock: bool = False
    ) -> None:
        """Load the named promotions of the retailer that exist. ``lock``: take their header
        rows ``FOR UPDATE`` (MySQL) so a concurrent writer cannot change them under us."""
        ids = sorted({p for p in promo_ids if isinstance(p, str)} - {k[1] for k in self.entries})
        h = header
        for chunk in chunks(ids):
            found = load(
                conn,
                lambda col, c=chunk: col.in_(  # type: ignore[misc]
                    sa.select(h.c.id)
                    .where(h.c.retailer == retailer, h.c.promo_id_retailer.in_(c))
                    .correlate(None)
                ),
                lock=lock,
            )
            for item in found:
                key = (retailer, item.promotion.promo_id_retailer)
                self.entries[key] = Entry(
                    item.header_id,
                    item.promotion,
                    item.links,
                    False,
                    stored=item.promotion,
                    group_ids=item.group_ids,
                )

    # -- the six actions --------------------------------------------------------------

    def create(self, promo: Promotion, where: str) -> Entry:
        key = (promo.retailer, promo.promo_id_retailer)
        if key in self.entries:
            raise OpError(
                [
                    ErrorDetail(
                        where,
                        f"promotion {promo.promo_id_retailer} already exists for retailer "
                        f"{promo.retailer}",
                    )
                ],
                "conflict",
            )
        header_id = self.new_id()
        entry = Entry(
            header_id,
            promo,  # promo_id is set when the promotion is handed out (see Entry.result)
            dict.fromkeys(promo.stores, False),
            True,
        )
        self.entries[key] = entry
        self._queue(entry)
        return entry

    def _queue(self, entry: Entry) -> None:
        if entry.header_id not in self._queued:
            self._queued.add(entry.header_id)
            self.order.append(entry)

    def find(
        self, retailer: str, promo_id_retailer: str, store_id: str | None, where: str
    ) -> Entry:
        entry = self.entries.get((retailer, promo_id_retailer))
        if entry is None:
            raise OpError(
                [ErrorDetail(where, f"promotion {promo_id_retailer} does not exist")], "missing"
            )
        if store_id is not None and store_id not in entry.links:
            raise OpError(
                [
                    ErrorDetail(
                        where, f"promotion {promo_id_retailer} is not linked to store {store_id}"
                    )
                ],
                "missing",
            )
        return entry

    def soft_delete(self, entry: Entry, store_id: str) -> None:
        if not entry.links[store_id]:
            entry.links[store_id] = True
            entry.changed_links.add(store_id)
            entry.promotion = attrs.evolve(
                entry.promotion,
                stores=tuple(s for s, d in entry.links.items() if not d),
            )
            self._queue(entry)

    def replace(self, entry: Entry, promo: Promotion) -> None:
        entry.promotion = attrs.evolve(
            promo,
            promo_id=entry.header_id,
            stores=tuple(s for s, d in entry.links.items() if not d),
        )
        entry.dirty = True
        self._queue(entry)

    # -- writing ----------------------------------------------------------------------

    def flush(self, conn: Connection) -> frozenset[str]:
        """Write what changed, and only that; returns the stores whose rule sets change."""
        now = utc_now()
        new_headers: list[dict[str, Any]] = []
        updated_headers: dict[frozenset[str], list[dict[str, Any]]] = {}  # by columns
        rows = Rows(new_id=self.new_id)
        link_updates: list[dict[str, Any]] = []
        touched: set[str] = set()
        for entry in self.order:
            promo = entry.promotion
            live = [s for s, deleted in entry.links.items() if not deleted]
            if entry.is_new:
                new_headers.append(header_row(promo, entry.header_id, now))
                rows.add_children(promo, entry.header_id)
                rows.add_links(entry.header_id, entry.links, now)
                touched.update(entry.links)
                continue
            if entry.dirty and entry.stored is not None:
                row = header_row(promo, entry.header_id, now)
                old = header_row(entry.stored, entry.header_id, now)
                changed = {k: v for k, v in row.items() if v != old[k] and k not in _STAMPS}
                children_changed = rows.change_children(
                    entry.header_id, entry.stored, entry.group_ids, promo
                )
                if changed or children_changed:
                    # Only the columns that differ (PyMySQL sends an UPDATE per row).
                    changed.update(b_id=entry.header_id, updated_at=now)
                    updated_headers.setdefault(frozenset(changed), []).append(changed)
                    touched.update(live)
            for store_id in sorted(entry.changed_links):
                link_updates.append(
                    {
                        "b_header_id": entry.header_id,
                        "b_store_id": store_id,
                        "is_deleted": entry.links[store_id],
                        "deleted_at": now if entry.links[store_id] else None,
                    }
                )
                touched.add(store_id)
            if entry.changed_links:
                touched.update(live)  # the promotion's other stores see ``stores`` change
        insert_rows(conn, header, new_headers)
        for columns, updates in sorted(updated_headers.items(), key=lambda kv: sorted(kv[0])):
            values: dict[str, Any] = {k: sa.bindparam(k) for k in sorted(columns) if k != "b_id"}
            conn.execute(
                sa.update(header).where(header.c.id == sa.bindparam("b_id")).values(values),
                updates,
            )
        rows.write(conn)
        if link_updates:
            lk = promo_header_store
            conn.execute(
                sa.update(lk)
                .where(
                    lk.c.header_id == sa.bindparam("b_header_id"),
                    lk.c.store_id == sa.bindparam("b_store_id"),
                )
                .values(
                    is_deleted=sa.bindparam("is_deleted"), deleted_at=sa.bindparam("deleted_at")
                ),
                link_updates,
            )
        bump_revisions(conn, touched)
        return frozenset(touched)
