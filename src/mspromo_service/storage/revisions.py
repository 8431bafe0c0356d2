"""Per-store change counters: what tells a process its compiled rule set is stale."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Connection

from mspromo_service.storage.schema import store_revision


def bump_revisions(conn: Connection, store_ids: Iterable[str]) -> None:
    """Add 1 to each store's revision (created at 1), inside the caller's transaction."""
    rows = [{"store_id": s, "revision": 1} for s in sorted(set(store_ids))]
    if not rows:
        return
    r = store_revision
    name = conn.dialect.name
    if name in ("mysql", "mariadb"):
        my = mysql.insert(r)
        conn.execute(my.on_duplicate_key_update(revision=r.c.revision + my.inserted.revision), rows)
    elif name == "sqlite":
        lite = sqlite.insert(r)
        conn.execute(
            lite.on_conflict_do_update(
                index_elements=[r.c.store_id],
                set_={"revision": r.c.revision + lite.excluded.revision},
            ),
            rows,
        )
    else:  # pragma: no cover - other databases: update, then insert what was missing
        for row in rows:
            done = conn.execute(
                sa.update(r)
                .where(r.c.store_id == row["store_id"])
                .values(revision=r.c.revision + 1)
            )
            if not done.rowcount:
                conn.execute(sa.insert(r).values(row))
