"""``/openapi.json`` describes exactly the routes the app serves."""

from __future__ import annotations

from typing import Any

import falcon.inspect
from fakes import FakeRepository, client, settings

from mspromo_service.app import create_app
from mspromo_service.openapi import build_document

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def _served() -> dict[str, set[str]]:
    app = create_app(settings(), FakeRepository())
    out: dict[str, set[str]] = {}
    for route in falcon.inspect.inspect_app(app).routes:
        methods = {m.method for m in route.methods if not m.internal}
        out[route.path] = methods
    return out


def _documented(doc: dict[str, Any]) -> dict[str, set[str]]:
    return {
        path.rstrip("/") or "/": {m.upper() for m in item if m in HTTP_METHODS}
        for path, item in doc["paths"].items()
    }


def test_every_route_is_documented_and_vice_versa() -> None:
    assert _served() == _documented(build_document())


def test_served_document_is_openapi_3_1() -> None:
    r = client(FakeRepository()).simulate_get("/openapi.json")
    assert r.status_code == 200
    doc = r.json
    assert doc["openapi"].startswith("3.1")
    assert _documented(doc) == _served()


def test_every_reference_resolves_and_every_operation_has_responses() -> None:
    doc = build_document()
    schemas = doc["components"]["schemas"]
    for name in (
        "Promotion",
        "Group",
        "Node",
        "EvaluationRequest",
        "EvaluateResponse",
        "BulkTransaction",
        "CreateOp",
        "ErrorBody",
    ):
        assert name in schemas

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                assert ref.startswith("#/components/schemas/")
                assert ref.rsplit("/", 1)[1] in schemas, ref
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    op_ids = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                assert op["responses"], (path, method)
                op_ids.append(op["operationId"])
        for name in [p["name"] for p in item.get("parameters", []) if p["in"] == "path"]:
            assert "{" + name + "}" in path
    assert len(op_ids) == len(set(op_ids))


def test_the_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate

    validate(build_document())


def test_every_limit_is_published_with_the_value_the_service_runs_with() -> None:
    from mspromo_engine import wire

    limits = wire.Limits(basket_lines=7, promo_override=3, bulk_ops=11, retailer_ids=13)
    schemas = build_document(limits=limits)["components"]["schemas"]
    assert schemas["Basket"]["properties"]["items"]["maxItems"] == 7
    assert schemas["EvaluationRequest"]["properties"]["promo_override"]["anyOf"][0]["maxItems"] == 3
    assert schemas["BulkTransaction"]["properties"]["ops"]["maxItems"] == 11
    assert schemas["RetailerIds"]["properties"]["retailer_ids"]["maxItems"] == 13
    assert schemas["Item"]["properties"]["qty"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100_000,
    }
    assert schemas["Promotion"]["properties"]["layer"]["maximum"] == 2_147_483_647
    assert schemas["Promotion"]["properties"]["retailer"]["maxLength"] == 128
    assert schemas["Node"]["properties"]["node_id"]["maxLength"] == 255


def test_the_served_document_uses_the_settings_limits() -> None:
    from mspromo_engine import wire

    api = client(FakeRepository(), limits=wire.Limits(basket_lines=5))
    doc = api.simulate_get("/openapi.json").json
    assert doc["components"]["schemas"]["Basket"]["properties"]["items"]["maxItems"] == 5


def test_response_shapes_say_what_the_service_sends() -> None:
    schemas = build_document()["components"]["schemas"]
    suggestion = schemas["PromoSuggestion"]["properties"]
    assert "promo_id" in suggestion
    assert suggestion["free_item_missing"]["anyOf"][0]["type"] == "integer"
    ops = schemas["BulkTransaction"]["properties"]["ops"]["items"]
    assert ops["discriminator"] == {"propertyName": "action"}
    assert len(ops["oneOf"]) == 6


def test_the_response_check_of_the_suite_catches_a_body_that_breaks_the_contract() -> None:
    import pytest

    import response_contract

    good = {"promotions": [], "next_cursor": None}
    response_contract.check("GET", "/api/1.0/promotions/", 200, "application/json", good)
    with pytest.raises(response_contract.ContractViolation):
        response_contract.check(
            "GET", "/api/1.0/promotions/", 200, "application/json", {"promotions": "x"}
        )
    with pytest.raises(response_contract.ContractViolation):
        response_contract.check("POST", "/api/1.0/promotions/evaluate/", 418, None, None)
