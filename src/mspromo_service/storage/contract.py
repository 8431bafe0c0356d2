"""The storage contract the HTTP resources and the CLI depend on.

`mspromo_service.storage.SqlRepository` implements it over SQLAlchemy (MySQL or SQLite);
tests may use the same class on a temporary SQLite file. Promotions cross this boundary
as engine objects (`mspromo_engine.Promotion`), with `promo_id` set to the stored KSUID and
`stores` listing the stores the promotion is linked to (soft-deleted links left out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from mspromo_engine import Promotion
from mspromo_service.contract import BulkTransaction

__all__ = ["Page", "Repository", "StoreDeletion"]


@attrs.frozen
class Page:
    """One page of a listing; ``next_cursor`` is None on the last page."""

    promotions: tuple[Promotion, ...]
    next_cursor: str | None


@attrs.frozen
class StoreDeletion:
    """What removing a store's promotions did."""

    unlinked: int  # promotions shared with other stores: only the link was removed
    deleted: int  # promotions deleted with their groups, nodes and special info


class Repository(Protocol):
    """Errors: `mspromo_engine.ValidationError` for bad input (-> 400; bulk errors carry
    paths like ``ops[3].body.promo_groups``), `mspromo_service.exceptions.NotFound` (-> 404)
    and `mspromo_service.exceptions.Conflict` (-> 409 on create, 400 inside a bulk op).
    Every write is one database transaction: all or nothing."""

    def create_promotion(self, data: Promotion | Mapping[str, Any]) -> Promotion:
        """Validate a promotion (parsed, or its wire form, SPEC §2) and store it with its
        groups, nodes, store links and special info; returns it with ``promo_id`` assigned."""
        ...

    def list_promotions(
        self,
        *,
        retailer: str | None = None,
        store: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page: ...

    def bulk_transaction(
        self, transaction: BulkTransaction, op_paths: Sequence[str] | None = None
    ) -> frozenset[str]:
        """Apply the parsed ops (actions c d u n g s, SPEC §7) in one transaction; returns
        the stores whose rule sets changed. ``op_paths[i]`` is where op ``i`` was written
        (``ops[i].body`` or ``ops[i]``), the root of its error paths."""
        ...

    def promotions_of_retailer(self, retailer: str) -> list[Promotion]: ...

    def promotions_of_store(self, store_id: str) -> list[Promotion]:
        """Promotions linked (not soft-deleted) to the store: what its rule set compiles."""
        ...

    def promotions_by_retailer_ids(
        self, store_id: str, retailer_ids: Sequence[str]
    ) -> list[Promotion]: ...

    def get_promotion(self, store_id: str, promo_id_retailer: str) -> Promotion:
        """Raises NotFound when the promotion is not linked to the store."""
        ...

    def soft_delete_link(self, store_id: str, promo_id_retailer: str) -> None:
        """Idempotent; raises NotFound when no such promotion/link ever existed."""
        ...

    def delete_store(self, store_id: str) -> StoreDeletion: ...

    def store_revision(self, store_id: str) -> int:
        """A change marker for the store's rule set: one small indexed query. It changes
        whenever any write could change what ``promotions_of_store`` returns."""
        ...

    def store_revisions(self, store_ids: Sequence[str]) -> dict[str, int]:
        """``store_revision`` of many stores in one query (stores never written: 0); the
        rules cache checks every store it holds with it (SPEC §11)."""
        ...

    def ping(self) -> None:
        """Raises when the database does not answer."""
        ...

    def schema_revisions(self) -> tuple[str, ...]:
        """The Alembic revisions the database is at (``()``: never migrated)."""
        ...
