"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

``ROUTES`` lists every path with its methods; the application registers exactly these
(checked in ``create_app`` and by ``tests/service/test_openapi.py``).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["ROUTES", "build_document"]

JSON = "application/json"

ROUTES: dict[str, tuple[str, ...]] = {
    "/api/1.0/promotions/": ("GET", "POST"),
    "/api/1.0/promotions/bulk_transaction/": ("POST",),
    "/api/1.0/promotions/transaction/": ("POST",),
    "/api/1.0/promotions/evaluate/": ("POST",),
    "/api/1.0/promotions/retailer/{retailer}/": ("GET",),
    "/api/1.0/promotions/store/{store_id}/": ("GET", "DELETE"),
    "/api/1.0/promotions/bulk/{store_id}/": ("POST",),
    "/api/1.0/promotions/suggestions/": ("POST",),
    "/api/1.0/promotions/item_recommendations/": ("POST",),
    "/api/1.0/promotions/{store_id}/{promo_id_retailer}": ("GET", "DELETE"),
    "/api/1.0/p/{store_id}/{promo_id_retailer}": ("GET", "DELETE"),
    "/health_check/": ("GET",),
    "/openapi.json": ("GET",),
    "/api/1.0/promotions/describe/": ("POST",),
    "/": ("GET",),
    "/console/": ("GET",),
    "/console/{asset}": ("GET",),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_MONEY = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "A decimal number as a string (an integer is accepted on input); "
    "never a binary float.",
    "examples": ["15.00"],
}
_MONEY_IN = {"oneOf": [_MONEY, {"type": "integer"}]}
_MONEY_OUT = {**_MONEY, "description": "Money with three decimal places.", "examples": ["5.000"]}
_DATETIME = {"type": "string", "format": "date-time"}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}


def _enum(*values: str, default: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        out["default"] = default
    return out


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _obj(
    properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        out["required"] = list(required)
    return out


_NODE_TYPE = _enum("i", "c1", "c2", "c3", "c4", "c5", "c6", "c7", default="i")
_SELECTION = _enum("l", "lc", "m", default="l")

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "title": _STR,
            "description": _STR,
            "errors": _array(
                _obj(
                    {
                        "path": {**_STR, "examples": ["basket.items[3].mrp"]},
                        "message": _STR,
                    },
                    ("path", "message"),
                )
            ),
        },
        ("title", "description", "errors"),
    ),
    "Node": _obj(
        {
            "node_id": {**_STR, "description": "SKU, category value, or ALL"},
            "node_type": _NODE_TYPE,
            "is_excluded": {**_BOOL, "default": False},
            "discount_type": {"oneOf": [_enum("p", "v", "f"), {"type": "null"}]},
            "discount_value": {"oneOf": [_MONEY_IN, {"type": "null"}]},
        },
        ("node_id",),
    ),
    "Group": _obj(
        {
            "name": {**_STR, "examples": ["g1"]},
            "qty_or_value_min": _MONEY_IN,
            "qty_or_value_max": {"oneOf": [_MONEY_IN, {"type": "null"}]},
            "promo_group_nodes": _array(_ref("Node"), minItems=1),
        },
        ("name", "qty_or_value_min", "promo_group_nodes"),
    ),
    "SpecialPromoInfo": _obj(
        {"group_qualifier_id": _STR, "description": _STR}, ("group_qualifier_id",)
    ),
    "Promotion": _obj(
        {
            "promo_id": {**_STR, "description": "KSUID assigned on create", "readOnly": True},
            "retailer": _STR,
            "promo_id_retailer": _STR,
            "family": _enum("e", "p", "c", "l", "b", "t", "r", "m", default="e"),
            "title": _STR,
            "description": _STR,
            "promo_short_code": _STR,
            "evaluate_criteria": _enum("p", "b", default="p"),
            "evaluate_priority": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
            "discount_type": _enum("p", "v", "f", default="p"),
            "discount_type_strategy": _enum("a", "e", default="a"),
            "discount_value": _MONEY_IN,
            "discount_value_on": _enum("m", "s", "f", default="m"),
            "max_application_limit": {"type": "integer", "minimum": 1, "default": 1},
            "max_discount": {"oneOf": [_MONEY_IN, {"type": "null"}]},
            "is_active": {**_BOOL, "default": True},
            "start_date_time": _DATETIME,
            "end_date_time": _DATETIME,
            "active_days": {"type": "string", "pattern": "^[01]{7}$", "default": "1111111"},
            "is_happy_hour": {**_BOOL, "default": False},
            "discounted_group_item_selection_criteria": _SELECTION,
            "requisite_groups_item_selection_criteria": _SELECTION,
            "target_discounted_group_name": {"oneOf": [_STR, {"type": "null"}]},
            "target_discounted_group_qty_min": {"oneOf": [_INT, {"type": "null"}]},
            "layer": {"type": "integer", "minimum": 1, "default": 1},
            "discount_apply_type": _enum("b", "c", "t", "p", default="b"),
            "availability": _enum("a", "s", default="a"),
            "apply_on_discounted_items": {**_BOOL, "default": True},
            "extra_data": {"type": "object"},
            "stores": _array(_STR),
            "special_promo_info": _array(_ref("SpecialPromoInfo")),
            "promo_groups": _array(_ref("Group"), minItems=1),
        },
        ("retailer", "promo_id_retailer", "start_date_time", "end_date_time", "promo_groups"),
    ),
    "PromotionList": _obj(
        {
            "promotions": _array(_ref("Promotion")),
            "next_cursor": {"oneOf": [_STR, {"type": "null"}]},
        },
        ("promotions",),
    ),
    "Category": _obj(
        {"type": {**_STR, "examples": ["c1"]}, "name": {**_STR, "deprecated": True}, "value": _STR},
        ("value",),
    ),
    "BasketItem": _obj(
        {
            "sku": _STR,
            "item_id": _STR,
            "barcode": _STR,
            "mrp": _MONEY_IN,
            "sp": _MONEY_IN,
            "qty": {"type": "integer", "minimum": 1},
            "weight": _MONEY_IN,
            "uom": _STR,
            "categories": _array(_ref("Category")),
            "catgories": {**_array(_ref("Category")), "deprecated": True},
        },
        ("sku", "mrp", "qty"),
    ),
    "Basket": _obj({"id": _STR, "items": _array(_ref("BasketItem"))}, ("items",)),
    "EvaluateRequest": _obj(
        {
            "store_id": _STR,
            "customer_id": _STR,
            "at": _DATETIME,
            "timezone": {**_STR, "default": "UTC", "examples": ["Europe/London"]},
            "currency_decimals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 2},
            "keep_zero_discount_promos": {**_BOOL, "default": False},
            "explain": {**_BOOL, "default": False},
            "version": {**_enum("v1", "v2"), "description": "accepted and ignored"},
            "special_promos": _array(
                _obj(
                    {
                        "program_name": _STR,
                        "group_qualifiers": _array(
                            _obj({"input": _STR, "qualifier_ids": _array(_STR)})
                        ),
                    }
                )
            ),
            "promo_override": _array(_ref("Promotion")),
            "basket": _ref("Basket"),
        },
        ("basket",),
    ),
    "AppliedPromo": _obj(
        {
            "promo_id": _STR,
            "promo_id_retailer": _STR,
            "promo_family": _STR,
            "promo_title": _STR,
            "layer": _INT,
            "discount": _MONEY_OUT,
            "promo_application_times": _INT,
            "evaluate_criteria": _STR,
            "discount_apply_type": _STR,
        }
    ),
    "DiscountInfo": _obj(
        {
            "consumed_qty": _INT,
            "discount": {**_MONEY_OUT, "description": "per unit"},
            "final_price": {**_MONEY_OUT, "description": "per unit"},
            "applied_promos": _array(_ref("AppliedPromo")),
        }
    ),
    "PromoSuggestion": _obj(
        {
            "promo_id_retailer": _STR,
            "missing_qty": _INT,
            "missing_value": _MONEY_OUT,
            "free_item_missing": _BOOL,
        }
    ),
    "EvaluatedItem": _obj(
        {
            "sku": _STR,
            "item_id": _STR,
            "qty": _INT,
            "mrp": _MONEY_OUT,
            "sp": _MONEY_OUT,
            "discount": _MONEY_OUT,
            "total_after_promos": _MONEY_OUT,
            "discount_info": _array(_ref("DiscountInfo")),
            "requisite_info": _array(_ref("DiscountInfo")),
            "remaining_info": _obj(
                {"remaining_qty": _INT, "promo_suggestions": _array(_ref("PromoSuggestion"))}
            ),
        }
    ),
    "EvaluateResponse": _obj(
        {
            "status": _BOOL,
            "status_msg": {"oneOf": [_STR, {"type": "null"}]},
            "customer_id": {"oneOf": [_STR, {"type": "null"}]},
            "best_discount_exact": _BOOL,
            "basket": _obj(
                {
                    "id": _STR,
                    "total_mrp": _MONEY_OUT,
                    "total_sp": _MONEY_OUT,
                    "discount": _MONEY_OUT,
                    "total_after_promos": _MONEY_OUT,
                    "special_promos_info": _obj(
                        {"discount": _MONEY_OUT, "applied_programs": _array({})}
                    ),
                    "basket_threshold_promos": _obj(
                        {"discount": _MONEY_OUT, "applied_promos": _array({})}
                    ),
                    "discount_by_apply_type": {
                        "type": "object",
                        "additionalProperties": _MONEY_OUT,
                    },
                    "items": _array(_ref("EvaluatedItem")),
                }
            ),
            "explanations": _array({"type": "object"}, description="only with explain: true"),
        },
        ("status", "basket"),
    ),
    "BulkOp": {
        "type": "object",
        "description": "One operation of a bulk transaction, chosen by `action`.",
        "required": ["action"],
        "oneOf": [
            _obj(
                {"action": {"const": "c"}, "body": _ref("Promotion")},
                ("action", "body"),
                title="create",
            ),
            _obj(
                {"action": {"const": "d"}, "promo_id_retailer": _STR, "store_id": _STR},
                ("action", "promo_id_retailer", "store_id"),
                title="soft-delete a store link",
            ),
            _obj(
                {
                    "action": {"const": "u"},
                    "promo_id_retailer": _STR,
                    "store_id": _STR,
                    "header": {
                        "type": "object",
                        "description": "header fields other than ids and retailer; "
                        "promo_groups: [{name, qty_or_value_min, qty_or_value_max}] "
                        "matched by name",
                    },
                },
                ("action", "promo_id_retailer", "store_id", "header"),
                title="update header",
            ),
            _obj(
                {
                    "action": {"const": "n"},
                    "promo_id_retailer": _STR,
                    "store_id": _STR,
                    "nodes": _array(_ref("Node")),
                },
                ("action", "promo_id_retailer", "store_id", "nodes"),
                title="replace the nodes of a one-group promotion",
            ),
            _obj(
                {
                    "action": {"const": "g"},
                    "promo_id_retailer": _STR,
                    "store_id": _STR,
                    "group_to_nodes": {
                        "type": "object",
                        "additionalProperties": _obj(
                            {
                                "qty_or_value_min": _MONEY_IN,
                                "qty_or_value_max": {"oneOf": [_MONEY_IN, {"type": "null"}]},
                                "nodes": _array(_ref("Node")),
                            },
                            ("qty_or_value_min", "nodes"),
                        ),
                    },
                },
                ("action", "promo_id_retailer", "store_id", "group_to_nodes"),
                title="replace all groups and nodes",
            ),
            _obj(
                {
                    "action": {"const": "s"},
                    "promo_id_retailer": _STR,
                    "store_id": _STR,
                    "special_promo_info": _array(_ref("SpecialPromoInfo")),
                },
                ("action", "promo_id_retailer", "store_id", "special_promo_info"),
                title="upsert special promo info",
            ),
        ],
    },
    "BulkTransaction": _obj(
        {"retailer": _STR, "ops": _array(_ref("BulkOp"), maxItems=10_000)},
        ("retailer", "ops"),
    ),
    "StoreDeletion": _obj(
        {"store_id": _STR, "unlinked": _INT, "deleted": _INT},
        ("store_id", "unlinked", "deleted"),
    ),
    "RetailerIds": _obj({"retailer_ids": _array(_STR, maxItems=10_000)}, ("retailer_ids",)),
    "NodeRef": _obj({"node_id": _STR, "node_type": _NODE_TYPE}, ("node_id",)),
    "SuggestionsRequest": _obj(
        {"store_id": _STR, "at": _DATETIME, "nodes": _array(_ref("NodeRef"), maxItems=1000)},
        ("store_id", "nodes"),
    ),
    "SuggestionsResponse": _obj(
        {
            "store_id": _STR,
            "suggestions": _array(
                _obj(
                    {
                        "node_id": _STR,
                        "node_type": _STR,
                        "promotions": _array(_ref("Promotion")),
                    }
                )
            ),
        }
    ),
    "ItemRecommendationsRequest": _obj(
        {"store_id": _STR, "at": _DATETIME, "timezone": _STR, "basket": _ref("Basket")},
        ("store_id", "basket"),
    ),
    "ItemRecommendationsResponse": _obj(
        {
            "store_id": _STR,
            "recommendations": _array(
                _obj(
                    {
                        "promo_id": _STR,
                        "promo_id_retailer": _STR,
                        "promo_family": _STR,
                        "promo_title": _STR,
                        "group": _STR,
                        "missing_qty": _INT,
                        "missing_value": _MONEY_OUT,
                        "completes": {
                            **_BOOL,
                            "description": "true: the basket does not yet earn the "
                            "promotion; false: it would earn one more application",
                        },
                        "nodes": _array(_ref("NodeRef")),
                    }
                )
            ),
        }
    ),
    "Health": _obj({"status": _enum("ok", "unavailable")}, ("status",)),
    "DescribeRequest": _obj(
        {
            "promotions": _array(_ref("Promotion"), maxItems=1000),
            "at": _DATETIME,
            "currency_decimals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 2},
        },
        ("promotions",),
    ),
    "DescribeResponse": _obj(
        {
            "at": _DATETIME,
            "promotions": _array(
                _obj(
                    {
                        "promo_id_retailer": _STR,
                        "description": _STR,
                        "state": _enum("live", "scheduled", "ended", "inactive"),
                    },
                    ("promo_id_retailer", "description", "state"),
                )
            ),
        },
        ("at", "promotions"),
    ),
}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": _ref(schema)}}}


def _resp(description: str, schema: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {JSON: {"schema": _ref(schema)}}
    return out


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Invalid input: the body names each field path and reason",
        401: "Missing or wrong bearer token (only when the service has an admin token)",
        404: "Not found",
        409: "A promotion with this promo_id_retailer already exists for the retailer",
        413: "Request body too large",
    }
    return {str(c): _resp(text[c], "Error") for c in codes}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_WRITE: list[dict[str, list[str]]] = [{"bearer": []}]


def _one_promotion(alias: bool) -> dict[str, Any]:
    params = [_path_param("store_id"), _path_param("promo_id_retailer")]
    return {
        "parameters": params,
        "get": {
            "operationId": "getPromotionAlias" if alias else "getPromotion",
            "summary": "One promotion linked to a store",
            "responses": {"200": _resp("The promotion", "Promotion"), **_errors(404)},
        },
        "delete": {
            "operationId": "unlinkPromotionAlias" if alias else "unlinkPromotion",
            "summary": "Soft-delete the promotion's link to the store",
            "security": _WRITE,
            "responses": {"204": _resp("Unlinked (idempotent)"), **_errors(401, 404)},
        },
    }


def _transaction(alias: bool) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "transactionAlias" if alias else "bulkTransaction",
            "summary": "Apply up to 10,000 ops, all or nothing",
            "security": _WRITE,
            "requestBody": _body("BulkTransaction"),
            "responses": {
                "204": _resp("All ops applied"),
                **_errors(400, 401, 413),
            },
        }
    }


def _paths() -> dict[str, Any]:
    return {
        "/api/1.0/promotions/": {
            "get": {
                "operationId": "listPromotions",
                "summary": "List promotions, paginated",
                "parameters": [
                    _query("retailer", {"type": "string"}, "only this retailer's"),
                    _query("store", {"type": "string"}, "only those linked to this store"),
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                        "page size",
                    ),
                    _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                ],
                "responses": {"200": _resp("One page", "PromotionList"), **_errors(400)},
            },
            "post": {
                "operationId": "createPromotion",
                "summary": "Create one promotion with its groups, nodes, stores, special info",
                "security": _WRITE,
                "requestBody": _body("Promotion"),
                "responses": {
                    "201": _resp("The stored promotion, ids assigned", "Promotion"),
                    **_errors(400, 401, 409, 413),
                },
            },
        },
        "/api/1.0/promotions/bulk_transaction/": _transaction(alias=False),
        "/api/1.0/promotions/transaction/": _transaction(alias=True),
        "/api/1.0/promotions/evaluate/": {
            "post": {
                "operationId": "evaluate",
                "summary": "Evaluate a basket against the store's promotions",
                "requestBody": _body("EvaluateRequest"),
                "responses": {
                    "200": _resp("The evaluated basket", "EvaluateResponse"),
                    **_errors(400, 413),
                },
            }
        },
        "/api/1.0/promotions/retailer/{retailer}/": {
            "parameters": [_path_param("retailer")],
            "get": {
                "operationId": "promotionsOfRetailer",
                "summary": "All promotions of a retailer",
                "responses": {"200": _resp("The promotions", "PromotionList")},
            },
        },
        "/api/1.0/promotions/store/{store_id}/": {
            "parameters": [_path_param("store_id")],
            "get": {
                "operationId": "promotionsOfStore",
                "summary": "Promotions linked (not soft-deleted) to a store",
                "responses": {"200": _resp("The promotions", "PromotionList")},
            },
            "delete": {
                "operationId": "deleteStore",
                "summary": "Unlink shared promotions, delete the store's own",
                "security": _WRITE,
                "responses": {
                    "200": _resp("Counts", "StoreDeletion"),
                    **_errors(401),
                },
            },
        },
        "/api/1.0/promotions/bulk/{store_id}/": {
            "parameters": [_path_param("store_id")],
            "post": {
                "operationId": "promotionsByRetailerIds",
                "summary": "Those promotions of the store, by promo_id_retailer",
                "requestBody": _body("RetailerIds"),
                "responses": {
                    "200": _resp("The promotions found", "PromotionList"),
                    **_errors(400, 413),
                },
            },
        },
        "/api/1.0/promotions/suggestions/": {
            "post": {
                "operationId": "suggestions",
                "summary": "Active promotions of the store that involve these products",
                "requestBody": _body("SuggestionsRequest"),
                "responses": {
                    "200": _resp("Per node, its promotions", "SuggestionsResponse"),
                    **_errors(400, 413),
                },
            }
        },
        "/api/1.0/promotions/item_recommendations/": {
            "post": {
                "operationId": "itemRecommendations",
                "summary": "Products that would complete or extend a promotion the basket "
                "partly meets",
                "requestBody": _body("ItemRecommendationsRequest"),
                "responses": {
                    "200": _resp("Recommendations", "ItemRecommendationsResponse"),
                    **_errors(400, 413),
                },
            }
        },
        "/api/1.0/promotions/describe/": {
            "post": {
                "operationId": "describePromotions",
                "summary": "Each promotion's rule in plain words and its state at `at`",
                "requestBody": _body("DescribeRequest"),
                "responses": {
                    "200": _resp("One sentence and state per promotion", "DescribeResponse"),
                    **_errors(400, 413),
                },
            }
        },
        "/api/1.0/promotions/{store_id}/{promo_id_retailer}": _one_promotion(alias=False),
        "/api/1.0/p/{store_id}/{promo_id_retailer}": _one_promotion(alias=True),
        "/health_check/": {
            "get": {
                "operationId": "healthCheck",
                "summary": "200 when the database answers, 503 otherwise",
                "responses": {
                    "200": _resp("Healthy", "Health"),
                    "503": _resp("The database does not answer", "Health"),
                },
            }
        },
        "/": {
            "get": {
                "operationId": "root",
                "summary": "Redirects to the console",
                "responses": {"302": {"description": "Location: /console/"}},
            }
        },
        "/console/": {
            "get": {
                "operationId": "console",
                "summary": "The web console (SPEC §10): an HTML page over this API",
                "responses": {"200": {"description": "The page", "content": {"text/html": {}}}},
            }
        },
        "/console/{asset}": {
            "parameters": [_path_param("asset")],
            "get": {
                "operationId": "consoleAsset",
                "summary": "The console's script and styles",
                "responses": {
                    "200": {"description": "A file of the console"},
                    **_errors(404),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def build_document(service_name: str = "mspromo", version: str = "1.0") -> dict[str, Any]:
    """A fresh copy of the OpenAPI document."""
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": f"{service_name} promotion engine API",
                "version": version,
                "description": (
                    "Every path is accepted with and without its trailing slash. Errors "
                    "use the Error schema. Every response carries X-Request-ID (the "
                    "request's own when it sends a sane one). Write endpoints need "
                    "'Authorization: Bearer <token>' when the service has an admin token."
                ),
            },
            "paths": _paths(),
            "components": {
                "schemas": SCHEMAS,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "responses": {},
            },
        }
    )
