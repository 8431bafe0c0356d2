"""`SqlRepository`: the repository contract over a SQLAlchemy engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mspromo_engine import ErrorDetail, Promotion, ValidationError
from mspromo_service.contract import BulkTransaction, CreateOp
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.storage.bulk import OpError, WorkingSet
from mspromo_service.storage.contract import Page, StoreDeletion
from mspromo_service.storage.engine import WRITE
from mspromo_service.storage.limits import validated
from mspromo_service.storage.load import Loaded, active_in_store, load, load_ids
from mspromo_service.storage.ops import apply_op, created
from mspromo_service.storage.redemptions import SqlLedger
from mspromo_service.storage.revisions import bump_revisions
from mspromo_service.storage.rows import chunks, delete_promotions, utc_now
from mspromo_service.storage.schema import column_limits, header, promo_header_store, store_revision

T = TypeVar("T")
MAX_PAGE_SIZE = 1000


_RETRY_CODES = frozenset({1205, 1213})  # MySQL: lock wait timeout, deadlock
_WRITE_ATTEMPTS = 3
# After a write, this process reads from the primary for this long, so what it wrote is
# what it reads next (its own next evaluation included) whatever the replica's lag.
READ_YOUR_WRITES_SECONDS = 10.0
REVISION_BATCH = 5000  # store ids per revision query (bound parameters per statement)


class SqlRepository:
    """`mspromo_service.storage.contract.Repository` over a SQLAlchemy engine.

    With ``read_engine`` (a read replica, SPEC §11), reads, revision checks and rule loads
    go to it and writes to ``engine`` (the primary); for READ_YOUR_WRITES_SECONDS after
    a write of this process, its reads go to the primary too."""

    def __init__(
        self,
        engine: Engine,
        read_engine: Engine | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.read_engine = engine if read_engine is None else read_engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._clock = clock
        self._primary_reads_until = float("-inf")
        # Redemptions (SPEC §9) read and write the primary: limits need exact counts.
        self.ledger = SqlLedger(engine)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The primary, then the replica when there is one."""
        if self.read_engine is self.engine:
            return (self.engine,)
        return (self.engine, self.read_engine)

    def _reader(self) -> Engine:
        if self._clock() < self._primary_reads_until:
            return self.engine
        return self.read_engine

    # -- writes -----------------------------------------------------------------------

    def _write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body`` in one write transaction; a transaction MySQL chose as a deadlock
        victim (or that timed out waiting for a lock) is rolled back and run again."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with self._writer.begin() as conn:
                    result = body(conn)
                if self.read_engine is not self.engine:
                    self._primary_reads_until = self._clock() + READ_YOUR_WRITES_SECONDS
                return result
            except sa.exc.OperationalError as exc:
                code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
                if code not in _RETRY_CODES or attempt == _WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def create_promotion(self, data: Promotion | Mapping[str, Any]) -> Promotion:
        promo = validated(data, "")

        def write(conn: Connection) -> Promotion:
            work = WorkingSet(promo.retailer)
            work.preload(conn, promo.retailer, [promo.promo_id_retailer])
            entry = work.create(promo, "promo_id_retailer")
            work.flush(conn)
            # Read back: the answer is the stored form (e.g. "3.00" is stored as 3), the
            # same a GET right after returns.
            return load_ids(conn, [entry.header_id])[0].promotion

        try:
            return self._write(write)
        except OpError as exc:
            raise Conflict(str(exc.errors[0].message)) from None
        except sa.exc.IntegrityError:
            raise Conflict(
                f"promotion {promo.promo_id_retailer} already exists for retailer {promo.retailer}"
            ) from None

    def bulk_transaction(
        self, transaction: BulkTransaction, op_paths: Sequence[str] | None = None
    ) -> frozenset[str]:
        """Apply the parsed ops in one transaction; returns the stores whose rule sets it
        changed. ``op_paths[i]``: where op ``i``'s fields were written (``ops[i].body``
        when the client wrapped them), for error paths; ``ops[i]`` by default."""
        retailer, ops = transaction.retailer, transaction.ops
        paths = list(op_paths) if op_paths is not None else [f"ops[{i}]" for i in range(len(ops))]
        # Check what needs no database first (the created promotions), then the rest.
        creates: dict[int, Promotion] = {}
        try:
            for i, op in enumerate(ops):
                if isinstance(op, CreateOp):
                    creates[i] = created(op, retailer, paths[i])
        except OpError as exc:
            raise ValidationError(exc.errors, title="Invalid transaction") from None
        changed = [op.promo_id_retailer for op in ops if not isinstance(op, CreateOp)]
        names = changed + [p.promo_id_retailer for p in creates.values()]

        def write(conn: Connection) -> frozenset[str]:
            work = WorkingSet(retailer)
            # Promotions that ops change are locked; those only created are just looked up
            # (the unique index on (retailer, promo_id_retailer) guards creates).
            work.preload(conn, retailer, changed, lock=True)
            work.preload(conn, retailer, names)
            for i, op in enumerate(ops):
                apply_op(work, op, i, paths[i], creates.get(i))
            return work.flush(conn)

        try:
            return self._write(write)
        except OpError as exc:
            raise ValidationError(exc.errors, title="Invalid transaction") from None
        except sa.exc.IntegrityError as exc:
            raise Conflict(
                f"a concurrent write clashed with this transaction: {exc.orig}"
            ) from None

    def soft_delete_link(self, store_id: str, promo_id_retailer: str) -> None:
        self._write(lambda conn: self._soft_delete_link(conn, store_id, promo_id_retailer))

    @staticmethod
    def _soft_delete_link(conn: Connection, store_id: str, promo_id_retailer: str) -> None:
        lk, h = promo_header_store, header
        rows = conn.execute(
            sa.select(lk.c.id, lk.c.is_deleted)
            .join(h, h.c.id == lk.c.header_id)
            .where(lk.c.store_id == store_id, h.c.promo_id_retailer == promo_id_retailer)
        ).all()
        if not rows:
            raise NotFound(f"promotion {promo_id_retailer} is not linked to store {store_id}")
        live = [r.id for r in rows if not r.is_deleted]
        if live:
            conn.execute(
                sa.update(lk).where(lk.c.id.in_(live)).values(is_deleted=True, deleted_at=utc_now())
            )
            # The promotion's other stores see its ``stores`` change too.
            others = conn.execute(
                sa.select(lk.c.store_id)
                .where(
                    lk.c.header_id.in_(
                        sa.select(lk.c.header_id).where(lk.c.id.in_(live)).correlate(None)
                    ),
                    lk.c.is_deleted == sa.false(),
                )
                .distinct()
            ).scalars()
            bump_revisions(conn, [store_id, *others])

    def delete_store(self, store_id: str) -> StoreDeletion:
        return self._write(lambda conn: self._delete_store(conn, store_id))

    @staticmethod
    def _delete_store(conn: Connection, store_id: str) -> StoreDeletion:
        lk = promo_header_store
        active: list[str] = sorted(
            str(h) for h in conn.execute(active_in_store(store_id)).scalars()
        )
        shared: set[str] = set()
        other_stores: set[str] = set()
        for chunk in chunks(active):
            for header_id, other in conn.execute(
                sa.select(lk.c.header_id, lk.c.store_id).where(
                    lk.c.header_id.in_(chunk),
                    lk.c.store_id != store_id,
                    lk.c.is_deleted == sa.false(),
                )
            ):
                shared.add(header_id)
                other_stores.add(other)
        doomed = [h for h in active if h not in shared]
        conn.execute(sa.delete(lk).where(lk.c.store_id == store_id))
        delete_promotions(conn, doomed)
        # Shared promotions lose this store from their ``stores`` in their other stores.
        bump_revisions(conn, [store_id, *other_stores])
        return StoreDeletion(unlinked=len(shared), deleted=len(doomed))

    # -- reads ------------------------------------------------------------------------

    def list_promotions(
        self,
        *,
        retailer: str | None = None,
        store: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        errors = []
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            errors.append(ErrorDetail("limit", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if cursor is not None and (
            not isinstance(cursor, str)
            or len(cursor) != column_limits["promo_header"]["id"]
            or not cursor.isalnum()
        ):
            errors.append(ErrorDetail("cursor", "not a cursor this listing returned"))
        if errors:
            raise ValidationError(errors, title="Invalid query parameter")
        h = header
        query = sa.select(h.c.id).order_by(h.c.id).limit(limit + 1)
        if retailer is not None:
            query = query.where(h.c.retailer == retailer)
        if store is not None:
            query = query.where(h.c.id.in_(active_in_store(store)))
        if cursor is not None:
            query = query.where(h.c.id > cursor)
        with self._reader().connect() as conn:
            ids = list(conn.execute(query).scalars())
            more = len(ids) > limit
            ids = ids[:limit]
            loaded = load_ids(conn, ids)
        return Page(
            promotions=tuple(x.promotion for x in loaded),
            next_cursor=ids[-1] if more else None,
        )

    def promotions_of_retailer(self, retailer: str) -> list[Promotion]:
        h = header
        with self._reader().connect() as conn:
            loaded = load(
                conn,
                lambda col: col.in_(
                    sa.select(h.c.id).where(h.c.retailer == retailer).correlate(None)
                ),
            )
        return [x.promotion for x in loaded]

    def promotions_of_store(self, store_id: str) -> list[Promotion]:
        with self._reader().connect() as conn:
            loaded = load(conn, lambda col: col.in_(active_in_store(store_id)))
        return [x.promotion for x in loaded]

    def promotions_by_retailer_ids(
        self, store_id: str, retailer_ids: Sequence[str]
    ) -> list[Promotion]:
        h = header
        wanted = sorted({r for r in retailer_ids if isinstance(r, str)})
        out: list[Loaded] = []
        with self._reader().connect() as conn:
            for chunk in chunks(wanted):
                out.extend(
                    load(
                        conn,
                        lambda col, c=chunk: col.in_(  # type: ignore[misc]
                            sa.select(h.c.id)
                            .where(
                                h.c.promo_id_retailer.in_(c),
                                h.c.id.in_(active_in_store(store_id)),
                            )
                            .correlate(None)
                        ),
                    )
                )
        out.sort(key=lambda x: x.header_id)
        return [x.promotion for x in out]

    def get_promotion(self, store_id: str, promo_id_retailer: str) -> Promotion:
        h = header
        with self._reader().connect() as conn:
            loaded = load(
                conn,
                lambda col: col.in_(
                    sa.select(h.c.id)
                    .where(
                        h.c.promo_id_retailer == promo_id_retailer,
                        h.c.id.in_(active_in_store(store_id)),
                    )
                    .correlate(None)
                ),
            )
        if not loaded:
            raise NotFound(f"promotion {promo_id_retailer} is not linked to store {store_id}")
        return loaded[0].promotion

    def store_revision(self, store_id: str) -> int:
        r = store_revision
        with self._reader().connect() as conn:
            value = conn.execute(
                sa.select(r.c.revision).where(r.c.store_id == store_id)
            ).scalar_one_or_none()
        return int(value or 0)

    def store_revisions(self, store_ids: Sequence[str]) -> dict[str, int]:
        r = store_revision
        wanted = sorted(set(store_ids))
        found: dict[str, int] = {}
        with self._reader().connect() as conn:
            # One statement up to REVISION_BATCH stores (more than the cache ever holds).
            for chunk in chunks(wanted, REVISION_BATCH):
                query = sa.select(r.c.store_id, r.c.revision).where(r.c.store_id.in_(chunk))
                found.update({row.store_id: row.revision for row in conn.execute(query)})
        return {s: int(found.get(s) or 0) for s in wanted}

    def ping(self) -> None:
        """Raises when the primary or the replica does not answer."""
        for engine in self.engines:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))

    def schema_revisions(self) -> tuple[str, ...]:
        from mspromo_service.migrations import current_revisions

        return current_revisions(self.engine)  # the primary: migrations run there
