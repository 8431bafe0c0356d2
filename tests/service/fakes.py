"""Helpers for the service tests: wire builders, a counting fake repository, app clients.

Imported by the test modules of this directory (``from fakes import …``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import falcon
import falcon.testing
import sqlalchemy as sa

from mspromo_engine import Promotion, ValidationError, promotion_from_wire, wire
from mspromo_service.app import create_app
from mspromo_service.contract import BulkTransaction, op_paths
from mspromo_service.exceptions import NotFound
from mspromo_service.migrations import head_revisions
from mspromo_service.rules import RulesCache
from mspromo_service.settings import Settings
from mspromo_service.storage import Page, SqlRepository, StoreDeletion, create_engine, metadata

AT = "2026-11-25T10:00:00Z"


def promo(
    pid: str = "P1",
    *,
    stores: Sequence[str] = ("s-1",),
    retailer: str = "r1",
    sku: str = "PEN",
    qty: int = 3,
    discount_type: str = "v",
    value: str = "10",
    **extra: Any,
) -> dict[str, Any]:
    """A wire promotion: family e, "buy ``qty`` ``sku`` for ``value`` off" by default."""
    out: dict[str, Any] = {
        "retailer": retailer,
        "promo_id_retailer": pid,
        "family": "e",
        "title": f"promo {pid}",
        "discount_type": discount_type,
        "discount_value": value,
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": list(stores),
        "promo_groups": [
            {
                "name": "g1",
                "qty_or_value_min": qty,
                "promo_group_nodes": [{"node_id": sku, "node_type": "i"}],
            }
        ],
    }
    out.update(extra)
    return out


def basket_request(
    store_id: str = "s-1", *, sku: str = "PEN", qty: int = 4, mrp: str = "15.00", **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "store_id": store_id,
        "at": AT,
        "basket": {
            "id": "b-1",
            "items": [{"sku": sku, "item_id": "line-1", "mrp": mrp, "sp": mrp, "qty": qty}],
        },
    }
    out.update(extra)
    return out


# ---------------------------------------------------------------------------------------
# Repositories


def sql_repository(url: str) -> SqlRepository:
    """A SqlRepository on ``url`` with its schema created."""
    engine = create_engine(url)
    metadata.create_all(engine)
    return SqlRepository(engine)


def migrated_repository(url: str) -> SqlRepository:
    """A SqlRepository on ``url`` migrated to the head (as ``mspromo db upgrade`` does), so
    the health check finds its schema current."""
    from mspromo_service.migrations import upgrade

    upgrade(url)
    return SqlRepository(create_engine(url))


@contextmanager
def count_statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent on ``engine`` inside the block (transaction control
    such as SQLite's explicit ``BEGIN`` left out: it is not a query)."""
    statements: list[str] = []
    lock = threading.Lock()

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            return
        with lock:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


@attrs.define
class FakeRepository:
    """An in-memory Repository for the rules cache: counts the calls the cache makes."""

    by_store: dict[str, list[Promotion]] = attrs.Factory(dict)
    revisions: dict[str, int] = attrs.Factory(dict)
    revision_calls: int = 0
    load_calls: int = 0
    fail_ping: bool = False
    load_gate: threading.Event | None = None  # when set, loads wait for it
    down: bool = False  # every call raises what a driver raises for a lost database
    schema: tuple[str, ...] | None = None  # the stamped revisions; None: the head

    def put(self, store_id: str, promotions: Sequence[Mapping[str, Any]]) -> None:
        self.by_store[store_id] = [promotion_from_wire(p) for p in promotions]
        self.revisions[store_id] = self.revisions.get(store_id, 0) + 1

    def _answer(self) -> None:
        if self.down:
            raise sa.exc.OperationalError(
                "SELECT 1", {}, ConnectionRefusedError("(2003) Can't connect to the server")
            )

    def store_revision(self, store_id: str) -> int:
        self.revision_calls += 1
        self._answer()
        return self.revisions.get(store_id, 0)

    def store_revisions(self, store_ids: Sequence[str]) -> dict[str, int]:
        self.revision_calls += 1  # one query, however many stores
        self._answer()
        return {s: self.revisions.get(s, 0) for s in store_ids}

    def promotions_of_store(self, store_id: str) -> list[Promotion]:
        self.load_calls += 1
        self._answer()
        if self.load_gate is not None:
            self.load_gate.wait(5)
        return list(self.by_store.get(store_id, ()))

    def ping(self) -> None:
        self._answer()
        if self.fail_ping:
            raise ConnectionError("database down")

    def schema_revisions(self) -> tuple[str, ...]:
        self._answer()
        return self.schema if self.schema is not None else head_revisions()

    # The rest of the Repository contract, enough for the app to be built over it.
    def create_promotion(self, data: Mapping[str, Any]) -> Promotion:
        self._answer()
        raise NotImplementedError

    def list_promotions(
        self,
        *,
        retailer: str | None = None,
        store: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        self._answer()
        return Page((), None)

    def bulk_transaction(
        self, transaction: BulkTransaction, op_paths: Sequence[str] | None = None
    ) -> frozenset[str]:
        self._answer()
        raise NotImplementedError

    def promotions_of_retailer(self, retailer: str) -> list[Promotion]:
        self._answer()
        return []

    def promotions_by_retailer_ids(
        self, store_id: str, retailer_ids: Sequence[str]
    ) -> list[Promotion]:
        self._answer()
        return []

    def get_promotion(self, store_id: str, promo_id_retailer: str) -> Promotion:
        self._answer()
        raise NotFound(promo_id_retailer)

    def soft_delete_link(self, store_id: str, promo_id_retailer: str) -> None:
        self._answer()
        raise NotFound(promo_id_retailer)

    def delete_store(self, store_id: str) -> StoreDeletion:
        self._answer()
        return StoreDeletion(0, 0)


def bulk(repo: Any, retailer: Any, ops: Any) -> frozenset[str]:
    """A bulk transaction run as the HTTP resource runs it: the body parsed once by the
    contract, then applied by the repository; returns the stores it changed."""
    body = {"retailer": retailer, "ops": ops}
    try:
        transaction = wire.structure(body, BulkTransaction)
    except ValidationError as exc:
        raise ValidationError(
            exc.errors, title="Invalid transaction", omitted=exc.omitted
        ) from None
    touched: frozenset[str] = repo.bulk_transaction(transaction, op_paths(ops))
    return touched


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# ---------------------------------------------------------------------------------------
# Apps


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": "sqlite://", "rules_max_staleness": 1.0}
    values.update(overrides)
    return Settings(**values)


def client(
    repository: Any, *, cache: RulesCache | None = None, **overrides: Any
) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(settings(**overrides), repository, cache=cache))
