"""``/api/1.0/promotions/bulk_transaction/`` (alias ``/transaction/``): all-or-nothing ops."""

from __future__ import annotations

from typing import ClassVar

import falcon

from mspromo_engine import ErrorDetail, ValidationError, wire
from mspromo_service.contract import BulkTransaction, op_paths
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.resources.common import read_json
from mspromo_service.rules import RulesCache
from mspromo_service.storage import Repository

__all__ = ["TransactionResource"]


class TransactionResource:
    write_methods: ClassVar[frozenset[str]] = frozenset({"POST"})

    def __init__(
        self,
        repository: Repository,
        cache: RulesCache,
        max_body_bytes: int,
        *,
        limits: wire.Limits = wire.DEFAULT_LIMITS,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._limits = limits

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._max_body_bytes)
        try:  # the envelope and every op, parsed once (the op count bounded first)
            transaction = wire.structure(body, BulkTransaction, limits=self._limits)
        except ValidationError as exc:
            raise ValidationError(exc.errors, "Invalid transaction", exc.omitted) from None
        try:
            touched = self._repository.bulk_transaction(transaction, op_paths(body["ops"]))
        except (Conflict, NotFound) as exc:
            # Inside a transaction these are input errors of one op: 400, nothing written.
            raise ValidationError(
                [ErrorDetail("ops", str(exc))], title="Invalid transaction"
            ) from exc
        # Only the stores the ops changed (a promotion's other stores included).
        self._cache.invalidate(touched)
        resp.status = falcon.HTTP_204
