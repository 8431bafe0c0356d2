"""``/api/1.0/promotions/bulk_transaction/`` (alias ``/transaction/``): all-or-nothing ops."""

from __future__ import annotations

from typing import ClassVar

import falcon

from mspromo_engine import ValidationError
from mspromo_engine.exceptions import ErrorDetail
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.resources.common import json_object, read_json
from mspromo_service.rules import RulesCache
from mspromo_service.storage import Repository

__all__ = ["MAX_OPS", "TransactionResource"]

MAX_OPS = 10_000


class TransactionResource:
    write_methods: ClassVar[frozenset[str]] = frozenset({"POST"})

    def __init__(self, repository: Repository, cache: RulesCache, max_body_bytes: int) -> None:
        self._repository = repository
        self._cache = cache
        self._max_body_bytes = max_body_bytes

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req, self._max_body_bytes))
        retailer = body.get("retailer")
        ops = body.get("ops")
        errors: list[ErrorDetail] = []
        if not isinstance(retailer, str) or not retailer:
            errors.append(ErrorDetail("retailer", "required: a non-empty string"))
        if not isinstance(ops, list):
            errors.append(ErrorDetail("ops", "required: a list of operations"))
        elif len(ops) > MAX_OPS:
            errors.append(ErrorDetail("ops", f"at most {MAX_OPS} operations"))
        else:
            errors.extend(
                ErrorDetail(f"ops[{i}]", "must be a JSON object")
                for i, op in enumerate(ops)
                if not isinstance(op, dict)
            )
        if errors:
            raise ValidationError(errors, title="Invalid transaction")
        assert isinstance(retailer, str) and isinstance(ops, list)
        try:
            self._repository.bulk_transaction(retailer, ops)
        except (Conflict, NotFound) as exc:
            # Inside a transaction these are input errors of one op: 400, nothing written.
            raise ValidationError(
                [ErrorDetail("ops", str(exc))], title="Invalid transaction"
            ) from exc
        finally:
            # Ops may touch promotions shared by stores the request does not name.
            self._cache.invalidate_all()
        resp.status = falcon.HTTP_204
