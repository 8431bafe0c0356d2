"""The redemption ledger (SPEC §9): record an order's uses of promotions so that no usage
limit is ever exceeded, whatever the concurrency and however many processes.

How (docs/decisions.md, "Redemptions"): every promotion with a limit has a
``promo_usage`` row. A redemption first makes sure those rows exist (a short transaction
of its own), then, in ONE write transaction, locks them in a fixed order (``SELECT … FOR
UPDATE`` on MySQL; SQLite's ``BEGIN IMMEDIATE`` already holds the database's single write
lock), reads the counts, evaluates with them, records the order and one ledger row per
applied promotion, and adds 1 to each applied promotion's count. On MySQL it runs at READ
COMMITTED, so the count queries after the locks see every redemption committed before
them. A deadlock or lock-wait timeout rolls the whole transaction back; it is run again.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Connection, Engine

from mspromo_engine import UsageCounts
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.storage.engine import WRITE
from mspromo_service.storage.ids import new_ids
from mspromo_service.storage.ledger import promo_usage, redemption, redemption_order
from mspromo_service.storage.rows import chunks, utc_now

__all__ = ["Applied", "Redeemed", "SqlLedger"]

T = TypeVar("T")
Key = tuple[str, str]  # (retailer, promo_id_retailer)

_RETRY_CODES = frozenset({1205, 1213})  # MySQL: lock wait timeout, deadlock
_ATTEMPTS = 10


@attrs.frozen
class Applied:
    """A promotion an order redeemed."""

    retailer: str
    promo_id_retailer: str
    promo_id: str | None  # the stored id; None for an on-the-fly promotion

    @property
    def key(self) -> Key:
        return (self.retailer, self.promo_id_retailer)


@attrs.frozen
class Redeemed:
    """The answer to a redemption: ``created`` is False for a repeat of a recorded order."""

    answer: str  # JSON text, returned byte for byte on a repeat
    created: bool


# What the caller evaluates inside the transaction: the counts -> (answer JSON, applied).
Evaluate = Callable[[UsageCounts], tuple[str, Sequence[Applied]]]


def _is_retryable(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    code = orig.args[0] if orig is not None and orig.args else None
    return code in _RETRY_CODES


class SqlLedger:
    """Redemptions over a SQLAlchemy engine (MySQL/MariaDB or SQLite)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        options: dict[str, Any] = {WRITE: True}
        if engine.dialect.name in ("mysql", "mariadb"):
            options["isolation_level"] = "READ COMMITTED"
        self._writer = engine.execution_options(**options)

    # -- reads ------------------------------------------------------------------------

    def usage_counts(self, keys: Iterable[Key], customer_id: str | None) -> UsageCounts:
        """The counts of these promotions (and of this customer): one indexed query."""
        wanted = sorted(set(keys))
        if not wanted:
            return UsageCounts()
        with self.engine.connect() as conn:
            return _counts(conn, wanted, customer_id, lock=False)

    def usage_of(self, keys: Iterable[Key]) -> dict[Key, int]:
        """Standing redemptions per promotion (0 when never redeemed)."""
        wanted = sorted(set(keys))
        out = dict.fromkeys(wanted, 0)
        u = promo_usage
        with self.engine.connect() as conn:
            for chunk in chunks(wanted):
                for row in conn.execute(
                    sa.select(u.c.retailer, u.c.promo_id_retailer, u.c.redemptions).where(
                        sa.tuple_(u.c.retailer, u.c.promo_id_retailer).in_(chunk)
                    )
                ):
                    out[(row.retailer, row.promo_id_retailer)] = int(row.redemptions)
        return out

    def get(self, store_id: str, order_id: str) -> dict[str, Any]:
        """The stored answer of an order (with ``cancelled_at`` once cancelled)."""
        o = redemption_order
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(o.c.answer, o.c.cancelled_at).where(
                    o.c.store_id == store_id, o.c.order_id == order_id
                )
            ).one_or_none()
        if row is None:
            raise NotFound(f"order {order_id} was never redeemed in store {store_id}")
        answer: dict[str, Any] = json.loads(row.answer)
        cancelled = row.cancelled_at
        answer["cancelled_at"] = None if cancelled is None else cancelled.isoformat() + "Z"
        return answer

    # -- writes -----------------------------------------------------------------------

    def redeem(
        self,
        *,
        store_id: str,
        order_id: str,
        customer_id: str | None,
        body_hash: str,
        limited: Iterable[Key],
        evaluate: Evaluate,
    ) -> Redeemed:
        """Evaluate and record the order in one transaction (see the module docstring).

        ``limited``: the promotions with a usage limit that the evaluation may meet; their
        counts are locked and read exactly. Raises Conflict when the order was recorded
        with another body, or cancelled.
        """
        locked = sorted(set(limited))
        with self.engine.connect() as conn:
            known = _order(conn, store_id, order_id, lock=False)
        if known is not None:
            return _repeat(known, body_hash, order_id)
        if locked:
            self._retry(lambda conn: _ensure_usage_rows(conn, locked))

        def body(conn: Connection) -> Redeemed:
            found = _order(conn, store_id, order_id, lock=True)
            if found is not None:
                return _repeat(found, body_hash, order_id)
            usage = _counts(conn, locked, customer_id, lock=True)
            answer, applied = evaluate(usage)
            now = utc_now()
            ids = new_ids(1 + len(applied))
            conn.execute(
                sa.insert(redemption_order).values(
                    id=ids[0],
                    store_id=store_id,
                    order_id=order_id,
                    customer_id=customer_id,
                    body_hash=body_hash,
                    answer=answer,
                    created_at=now,
                    cancelled_at=None,
                )
            )
            if applied:
                conn.execute(
                    sa.insert(redemption),
                    [
                        {
                            "id": ids[1 + i],
                            "order_ref": ids[0],
                            "store_id": store_id,
                            "order_id": order_id,
                            "customer_id": customer_id,
                            "retailer": a.retailer,
                            "promo_id_retailer": a.promo_id_retailer,
                            "promo_id": a.promo_id or None,
                            "redeemed_at": now,
                        }
                        for i, a in enumerate(applied)
                    ],
                )
                _add_usage(conn, sorted({a.key for a in applied}), +1)
            return Redeemed(answer, created=True)

        return self._retry(body, retry_integrity=True)

    def cancel(self, store_id: str, order_id: str) -> None:
        """Release the order's uses; idempotent; NotFound when never recorded."""

        def body(conn: Connection) -> None:
            found = _order(conn, store_id, order_id, lock=True)
            if found is None:
                raise NotFound(f"order {order_id} was never redeemed in store {store_id}")
            if found.cancelled_at is not None:
                return
            r = redemption
            keys = sorted(
                {
                    (row.retailer, row.promo_id_retailer)
                    for row in conn.execute(
                        sa.select(r.c.retailer, r.c.promo_id_retailer).where(
                            r.c.order_ref == found.id
                        )
                    )
                }
            )
            _add_usage(conn, keys, -1)
            conn.execute(sa.delete(r).where(r.c.order_ref == found.id))
            conn.execute(
                sa.update(redemption_order)
                .where(redemption_order.c.id == found.id)
                .values(cancelled_at=utc_now())
            )

        self._retry(body)

    def _retry(self, body: Callable[[Connection], T], *, retry_integrity: bool = False) -> T:
        """``body`` in one write transaction, run again (with a short random pause) when
        MySQL picked it as a deadlock victim or a lock wait timed out — or, for a
        redemption, when a concurrent one inserted the same order first (the next run
        then finds that order and answers as a repeat)."""
        for attempt in range(_ATTEMPTS):
            try:
                with self._writer.begin() as conn:
                    return body(conn)
            except sa.exc.IntegrityError:
                if not retry_integrity or attempt == _ATTEMPTS - 1:
                    raise
            except sa.exc.OperationalError as exc:
                if not _is_retryable(exc) or attempt == _ATTEMPTS - 1:
                    raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # jitter, not security
        raise AssertionError("unreachable")  # pragma: no cover


def _order(conn: Connection, store_id: str, order_id: str, *, lock: bool) -> Any:
    o = redemption_order
    query = sa.select(o.c.id, o.c.body_hash, o.c.answer, o.c.cancelled_at).where(
        o.c.store_id == store_id, o.c.order_id == order_id
    )
    return conn.execute(query.with_for_update() if lock else query).one_or_none()


def _repeat(row: Any, body_hash: str, order_id: str) -> Redeemed:
    if row.cancelled_at is not None:
        raise Conflict(f"order {order_id} was cancelled; a new redemption needs a new order_id")
    if row.body_hash != body_hash:
        raise Conflict(f"order {order_id} was already redeemed with a different body")
    return Redeemed(row.answer, created=False)


def _ensure_usage_rows(conn: Connection, keys: Sequence[Key]) -> None:
    """A ``promo_usage`` row for each key, so the redemption has rows to lock. Its own
    transaction: on MySQL an INSERT that meets an existing row takes a shared lock, and
    two transactions upgrading shared locks to exclusive ones deadlock."""
    rows = [{"retailer": r, "promo_id_retailer": p, "redemptions": 0} for r, p in keys]
    name = conn.dialect.name
    if name in ("mysql", "mariadb"):
        conn.execute(mysql.insert(promo_usage).prefix_with("IGNORE"), rows)
    else:
        conn.execute(sqlite.insert(promo_usage).on_conflict_do_nothing(), rows)


def _counts(
    conn: Connection, keys: Sequence[Key], customer_id: str | None, *, lock: bool
) -> UsageCounts:
    """The global counts (``promo_usage``, locked in key order when ``lock``) and, with a
    customer, theirs (the ledger's (retailer, promotion, customer) index)."""
    if not keys:
        return UsageCounts()
    u, r = promo_usage, redemption
    pair = sa.tuple_(u.c.retailer, u.c.promo_id_retailer)
    columns: list[Any] = [u.c.retailer, u.c.promo_id_retailer, u.c.redemptions]
    if customer_id is not None and not lock:
        # Evaluate: one query, the customer's count as a correlated indexed count.
        columns.append(
            sa.select(sa.func.count())
            .where(
                r.c.retailer == u.c.retailer,
                r.c.promo_id_retailer == u.c.promo_id_retailer,
                r.c.customer_id == customer_id,
            )
            .scalar_subquery()
        )
    query = sa.select(*columns).where(pair.in_(keys)).order_by(u.c.retailer, u.c.promo_id_retailer)
    if lock:
        query = query.with_for_update()
    total: dict[Key, int] = {}
    mine: dict[Key, int] = {}
    for row in conn.execute(query):
        key = (row[0], row[1])
        total[key] = int(row[2])
        if len(row) > 3:
            mine[key] = int(row[3])
    if customer_id is not None and lock:
        # After the locks: every earlier redemption of these promotions has committed.
        for row in conn.execute(
            sa.select(r.c.retailer, r.c.promo_id_retailer, sa.func.count())
            .where(
                sa.tuple_(r.c.retailer, r.c.promo_id_retailer).in_(keys),
                r.c.customer_id == customer_id,
            )
            .group_by(r.c.retailer, r.c.promo_id_retailer)
        ):
            mine[(row[0], row[1])] = int(row[2])
    return UsageCounts(total, mine)


def _add_usage(conn: Connection, keys: Sequence[Key], delta: int) -> None:
    """Add ``delta`` to each promotion's count, in key order (the lock order)."""
    if not keys:
        return
    u = promo_usage
    if delta < 0:
        conn.execute(
            sa.update(u)
            .where(sa.tuple_(u.c.retailer, u.c.promo_id_retailer).in_(keys))
            .values(redemptions=u.c.redemptions + delta)
        )
        return
    rows = [{"retailer": r, "promo_id_retailer": p, "redemptions": delta} for r, p in keys]
    if conn.dialect.name in ("mysql", "mariadb"):
        my = mysql.insert(u)
        conn.execute(
            my.on_duplicate_key_update(redemptions=u.c.redemptions + my.inserted.redemptions),
            rows,
        )
    else:
        lite = sqlite.insert(u)
        conn.execute(
            lite.on_conflict_do_update(
                index_elements=[u.c.retailer, u.c.promo_id_retailer],
                set_={"redemptions": u.c.redemptions + lite.excluded.redemptions},
            ),
            rows,
        )
