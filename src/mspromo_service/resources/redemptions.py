"""Redemptions (SPEC §9): ``POST redemptions/`` evaluates an order against the exact usage
counts and records it, in one transaction; ``GET``/``DELETE redemptions/{store}/{order}``
read and cancel it. Evaluate reads the counts too (``evaluate_with_usage``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import falcon

from mspromo_engine import (
    EvaluationRequest,
    Promotion,
    RuleSet,
    UsageCounts,
    evaluate,
    evaluation_to_wire,
    limited_promotions,
    wire,
)
from mspromo_service.contract import EVALUATE, Endpoint
from mspromo_service.resources.common import (
    ApiError,
    bad_request,
    dumps,
    json_object,
    path_param,
    read_json,
)
from mspromo_service.rules import RulesCache
from mspromo_service.storage.ledger import ORDER_ID_LEN
from mspromo_service.storage.redemptions import Applied, SqlLedger

__all__ = ["RedemptionResource", "RedemptionsResource", "evaluate_endpoint"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _keys(promos: tuple[Promotion, ...]) -> list[tuple[str, str]]:
    return [(p.retailer, p.promo_id_retailer) for p in promos]


def evaluate_endpoint(ledger: SqlLedger | None) -> Endpoint[EvaluationRequest]:
    """``evaluate/`` with the usage counts of the limited promotions a basket may meet read
    from the ledger (one indexed query; none at all when the store has no limits)."""

    def answer(request: EvaluationRequest, rules: RuleSet, now: datetime) -> dict[str, Any]:
        limited = limited_promotions(request, rules)
        usage = UsageCounts()
        if limited and ledger is not None:
            usage = ledger.usage_counts(_keys(limited), request.customer_id)
        return evaluation_to_wire(evaluate(request, rules, usage))

    return Endpoint(EVALUATE.parse, EVALUATE.store_id, answer)


def _need(ledger: SqlLedger | None) -> SqlLedger:
    if ledger is None:
        raise ApiError(falcon.HTTP_503, "No redemption ledger", "this service stores no orders")
    return ledger


def body_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the body's canonical JSON: key order and spacing do not matter."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class RedemptionsResource:
    """``POST /api/1.0/promotions/redemptions/``."""

    write_methods: ClassVar[frozenset[str]] = frozenset({"POST"})

    def __init__(
        self,
        ledger: SqlLedger | None,
        cache: RulesCache,
        max_body_bytes: int,
        now: Callable[[], datetime] = _utcnow,
        *,
        limits: wire.Limits = wire.DEFAULT_LIMITS,
    ) -> None:
        self._ledger = ledger
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now
        self._limits = limits

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req, self._max_body_bytes))
        order_id = body.get("order_id")
        if not isinstance(order_id, str) or not 1 <= len(order_id) <= ORDER_ID_LEN:
            bad_request("order_id", f"required: a string of 1 to {ORDER_ID_LEN} characters")
        request = EVALUATE.parse(
            {k: v for k, v in body.items() if k != "order_id"}, now=self._now(), limits=self._limits
        )
        if not request.store_id:
            bad_request("store_id", "required: a non-empty string")
        rules = self._cache.get(request.store_id)
        limited = _keys(limited_promotions(request, rules))

        def run(usage: UsageCounts) -> tuple[str, list[Applied]]:
            evaluation = evaluate(request, rules, usage)
            applied = [
                Applied(r.promotion.retailer, r.promotion.promo_id_retailer, r.promotion.promo_id)
                for r in evaluation.applied
            ]
            answer = {
                "order_id": order_id,
                "store_id": request.store_id,
                "customer_id": request.customer_id,
                "redeemed": [a.promo_id_retailer for a in applied],
                "evaluation": evaluation_to_wire(evaluation),
            }
            return dumps(answer), applied

        done = _need(self._ledger).redeem(
            store_id=request.store_id,
            order_id=order_id,
            customer_id=request.customer_id,
            body_hash=body_hash(body),
            limited=limited,
            evaluate=run,
        )
        resp.status = falcon.HTTP_201 if done.created else falcon.HTTP_200
        resp.content_type = falcon.MEDIA_JSON
        resp.text = done.answer


class RedemptionResource:
    """``GET`` / ``DELETE /api/1.0/promotions/redemptions/{store_id}/{order_id}``."""

    write_methods: ClassVar[frozenset[str]] = frozenset({"DELETE"})

    def __init__(self, ledger: SqlLedger | None) -> None:
        self._ledger = ledger

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, store_id: str, order_id: str
    ) -> None:
        resp.media = _need(self._ledger).get(
            path_param(store_id, "store_id"),
            path_param(order_id, "order_id", max_length=ORDER_ID_LEN),
        )

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, store_id: str, order_id: str
    ) -> None:
        _need(self._ledger).cancel(
            path_param(store_id, "store_id"),
            path_param(order_id, "order_id", max_length=ORDER_ID_LEN),
        )
        resp.status = falcon.HTTP_204


def _ids(store_id: str, order_id: str) -> tuple[str, str]:
    return (
        path_param(store_id, "store_id"),
        path_param(order_id, "order_id", max_length=ORDER_ID_LEN),
    )
