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
        "EvaluateRequest",
        "EvaluateResponse",
        "BulkTransaction",
        "BulkOp",
        "Error",
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
