"""``/openapi.json``, generated: the one route table below (paths, methods, the request
type each body is structured into and the shape of each answer) plus the schemas that
``mspromo_engine.wire`` derives from those same attrs types and their bounds.

``ROUTES`` lists every path with its methods; the application registers exactly these
(checked in ``create_app`` and by ``tests/service/test_openapi.py``).
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from mspromo_engine import EvaluationRequest, Promotion, wire
from mspromo_service.contract import BulkTransaction, RetailerIds
from mspromo_service.contract.responses import (
    DescribeRequest,
    DescribeResponse,
    ErrorBody,
    Health,
    PromotionList,
    Redemption,
    RedemptionRequest,
    StoreDeletionBody,
)
from mspromo_service.storage.schema import column_limits

__all__ = ["ROUTES", "Operation", "build_document"]

JSON = "application/json"


@attrs.frozen
class Operation:
    """One method of a path: its body type and answers (status -> shape or None)."""

    operation_id: str
    summary: str
    responses: dict[int, type | None]
    body: type | None = None
    write: bool = False
    errors: tuple[int, ...] = ()
    query: tuple[tuple[str, dict[str, Any], str], ...] = ()
    media: str | None = JSON  # of a response without a shape; None: no body


_ID = {"type": "string", "minLength": 1, "maxLength": wire.ID_LEN}
_CURSOR_LEN = column_limits["promo_header"]["id"]  # a cursor is a promotion's stored id
_PATH_PARAMS = {
    "store_id": _ID,
    "promo_id_retailer": _ID,
    "retailer": {"type": "string", "minLength": 1, "maxLength": wire.RETAILER_LEN},
    "order_id": {"type": "string", "minLength": 1, "maxLength": 128},
    "asset": {"type": "string"},
}


def _one_promotion(suffix: str) -> dict[str, Operation]:
    return {
        "GET": Operation(
            f"getPromotion{suffix}",
            "One promotion linked to a store",
            {200: Promotion},
            errors=(400, 404),
        ),
        "DELETE": Operation(
            f"unlinkPromotion{suffix}",
            "Soft-delete the promotion's link to the store",
            {204: None},
            write=True,
            errors=(400, 401, 404),
        ),
    }


def _transaction(suffix: str) -> dict[str, Operation]:
    return {
        "POST": Operation(
            f"bulkTransaction{suffix}",
            "Apply up to the op limit of ops, all or nothing",
            {204: None},
            body=BulkTransaction,
            write=True,
            errors=(400, 401, 413),
        ),
    }


_SHAPES = wire.shapes
ROUTES: dict[str, dict[str, Operation]] = {
    "/api/1.0/promotions/": {
        "GET": Operation(
            "listPromotions",
            "List promotions, paginated",
            {200: PromotionList},
            errors=(400,),
            query=(
                (
                    "retailer",
                    {"type": "string", "maxLength": wire.RETAILER_LEN},
                    "only this retailer's",
                ),
                (
                    "store",
                    {"type": "string", "maxLength": wire.ID_LEN},
                    "only those linked to this store",
                ),
                (
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                    "page size",
                ),
                (
                    "cursor",
                    {"type": "string", "maxLength": 1024},
                    "next_cursor of the previous page",
                ),
            ),
        ),
        "POST": Operation(
            "createPromotion",
            "Create one promotion with its groups, nodes, stores, special info",
            {201: Promotion},
            body=Promotion,
            write=True,
            errors=(400, 401, 409, 413),
        ),
    },
    "/api/1.0/promotions/bulk_transaction/": _transaction(""),
    "/api/1.0/promotions/transaction/": _transaction("Alias"),
    "/api/1.0/promotions/evaluate/": {
        "POST": Operation(
            "evaluate",
            "Evaluate a basket against the store's promotions",
            {200: _SHAPES.EvaluateResponse},
            body=EvaluationRequest,
            errors=(400, 413),
        ),
    },
    "/api/1.0/promotions/retailer/{retailer}/": {
        "GET": Operation(
            "promotionsOfRetailer",
            "All promotions of a retailer",
            {200: PromotionList},
            errors=(400,),
        ),
    },
    "/api/1.0/promotions/store/{store_id}/": {
        "GET": Operation(
            "promotionsOfStore",
            "Promotions linked (not soft-deleted) to a store",
            {200: PromotionList},
            errors=(400,),
        ),
        "DELETE": Operation(
            "deleteStore",
            "Unlink shared promotions, delete the store's own",
            {200: StoreDeletionBody},
            write=True,
            errors=(400, 401),
        ),
    },
    "/api/1.0/promotions/bulk/{store_id}/": {
        "POST": Operation(
            "promotionsByRetailerIds",
            "Those promotions of the store, by promo_id_retailer",
            {200: PromotionList},
            body=RetailerIds,
            errors=(400, 413),
        ),
    },
    "/api/1.0/promotions/suggestions/": {
        "POST": Operation(
            "suggestions",
            "Live promotions of the store that involve these products",
            {200: _SHAPES.SuggestionsResponse},
            body=wire.SuggestionsRequest,
            errors=(400, 413),
        ),
    },
    "/api/1.0/promotions/item_recommendations/": {
        "POST": Operation(
            "itemRecommendations",
            "Products that would complete or extend a promotion the basket "
            "partly meets (store_id required)",
            {200: _SHAPES.ItemRecommendationsResponse},
            body=EvaluationRequest,
            errors=(400, 413),
        ),
    },
    "/api/1.0/promotions/describe/": {
        "POST": Operation(
            "describePromotions",
            "Each promotion's rule in plain words and its state at `at`",
            {200: DescribeResponse},
            body=DescribeRequest,
            errors=(400, 413),
        ),
    },
    "/api/1.0/promotions/redemptions/": {
        "POST": Operation(
            "redeem",
            "Evaluate an order against the exact usage counts and record it (SPEC §9); the "
            "same order and body again: 200 with the stored answer",
            {201: Redemption, 200: Redemption},
            body=RedemptionRequest,
            write=True,
            errors=(400, 401, 409, 413),
        ),
    },
    "/api/1.0/promotions/redemptions/{store_id}/{order_id}": {
        "GET": Operation(
            "getRedemption",
            "The stored answer of a redeemed order",
            {200: Redemption},
            errors=(400, 404),
        ),
        "DELETE": Operation(
            "cancelRedemption",
            "Cancel (return) the order: its uses are released; again: 204",
            {204: None},
            write=True,
            errors=(400, 401, 404),
        ),
    },
    "/api/1.0/promotions/{store_id}/{promo_id_retailer}": _one_promotion(""),
    "/api/1.0/p/{store_id}/{promo_id_retailer}": _one_promotion("Alias"),
    "/health_check/": {
        method: Operation(
            f"healthCheck{suffix}",
            "200 when the database answers and its schema is at the migration head, "
            "503 otherwise (the body says which)",
            {200: Health, 503: Health},
        )
        for method, suffix in (("GET", ""), ("HEAD", "Head"))
    },
    "/openapi.json": {
        "GET": Operation("openapi", "This document", {200: None}),
    },
    "/": {
        "GET": Operation(
            "root", "Redirects to the console (Location: /console/)", {302: None}, media=None
        ),
    },
    "/console/": {
        "GET": Operation(
            "console",
            "The web console (SPEC §10): an HTML page over this API",
            {200: None},
            media="text/html",
        ),
    },
    "/console/{asset}": {
        "GET": Operation(
            "consoleAsset",
            "The console's script and styles",
            {200: None},
            errors=(404,),
            media="text/css",
        ),
    },
}

_ERROR_TEXT = {
    400: "Invalid input: each error names a field path and a reason. Rules a schema cannot "
    "state (family group counts, end after start, money decimals, …) are checked here too.",
    401: "Missing or wrong bearer token",
    404: "Not found",
    409: "A promotion with this promo_id_retailer already exists for the retailer; for a "
    "redemption: the order was recorded with another body, or cancelled",
    413: "Request body too large",
    414: "Request line too long (answered by the HTTP server, before the service)",
    503: "The database is unavailable (not answering, timed out, or missing its schema); "
    "retry after Retry-After seconds. Nothing was written.",
}

# Evaluations may be answered from a stale rule set while the database is unavailable.
_STALE_RULES_PATHS = frozenset(
    {
        "/api/1.0/promotions/evaluate/",
        "/api/1.0/promotions/suggestions/",
        "/api/1.0/promotions/item_recommendations/",
    }
)
_STALE_HEADER = {
    "X-Rules-Stale-Seconds": {
        "description": "Present only when the database is unavailable and the answer comes "
        "from the store's last rule set: its age in whole seconds (at most "
        "MSPROMO_RULES_MAX_STALE_ON_ERROR).",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _content(builder: wire.SchemaBuilder, shape: type) -> dict[str, Any]:
    return {JSON: {"schema": builder.ref(shape)}}


def _operation(builder: wire.SchemaBuilder, path: str, op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in _PATH_PARAMS.items()
        if "{" + name + "}" in path
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, schema, text in op.query
    ]
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": _content(builder, op.body)}
    responses: dict[str, Any] = {}
    for status, shape in op.responses.items():
        entry: dict[str, Any] = {"description": shape.__name__ if shape else "No content"}
        if shape is not None:
            entry["content"] = _content(builder, shape)
        elif status != 204 and op.media == JSON:
            entry["content"] = {JSON: {"schema": {"type": "object"}}}
        elif status != 204 and op.media is not None:
            entry["content"] = {op.media: {}}
        if status == 200 and path in _STALE_RULES_PATHS:
            entry["headers"] = _STALE_HEADER
        if status == 503:
            entry["headers"] = _RETRY_AFTER
        responses[str(status)] = entry
    # A path with parameters may name nothing: 404 (also for segments that decode to "/").
    statuses = set(op.errors)
    if "{" in path:
        statuses.add(404)
    if params:
        statuses.add(414)  # percent-encoded text can outgrow the server's request line
    for status in sorted(statuses):
        if status == 414:
            responses["414"] = {"description": _ERROR_TEXT[414]}
            continue
        responses[str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": _content(builder, ErrorBody),
        }
    if path.startswith("/api/"):  # every API call reaches the database (or its cache)
        responses["503"] = {
            "description": _ERROR_TEXT[503],
            "headers": _RETRY_AFTER,
            "content": _content(builder, ErrorBody),
        }
    out["responses"] = responses
    if op.write:
        out["security"] = [{"bearer": []}]
    return out


def build_document(
    service_name: str = "mspromo", limits: wire.Limits = wire.DEFAULT_LIMITS
) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with the collection limits the service runs with."""
    builder = wire.SchemaBuilder(limits)
    paths = {
        path: {method.lower(): _operation(builder, path, op) for method, op in methods.items()}
        for path, methods in ROUTES.items()
    }
    schemas = builder.components
    # In a transaction a create's retailer defaults to the transaction's.
    in_transaction = copy.deepcopy(schemas["Promotion"])
    in_transaction["required"] = [r for r in in_transaction["required"] if r != "retailer"]
    schemas["PromotionInTransaction"] = in_transaction
    schemas["CreateOp"]["properties"]["body"] = {
        "$ref": "#/components/schemas/PromotionInTransaction"
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": service_name,
            "version": "1.0",
            "description": "Retail promotion engine over HTTP (SPEC §6, §7). Generated from "
            "the request and response types; every limit is the one the service enforces.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
