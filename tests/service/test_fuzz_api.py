"""A hypothesis-generated stream of broken requests against every endpoint.

Whatever arrives — malformed JSON, wrong types, bad money, huge bodies, wrong methods,
odd path segments — the service answers 4xx (never 5xx) and the stored data is unchanged.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import falcon.testing
import pytest
from fakes import basket_request, client, promo, sql_repository
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from mspromo_engine import promotion_to_wire
from mspromo_service.storage import SqlRepository

MAX_BODY = 4096
TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# (method, path) of every endpoint that takes a body, with a valid body to break.
BODY_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/api/1.0/promotions/", promo("NEW")),
    (
        "POST",
        "/api/1.0/promotions/bulk_transaction/",
        {"retailer": "r1", "ops": [{"action": "c", "body": promo("NEW")}]},
    ),
    (
        "POST",
        "/api/1.0/promotions/transaction/",
        {
            "retailer": "r1",
            "ops": [
                {
                    "action": "u",
                    "promo_id_retailer": "P1",
                    "store_id": "s-1",
                    "header": {"title": "changed"},
                }
            ],
        },
    ),
    ("POST", "/api/1.0/promotions/evaluate/", basket_request()),
    ("POST", "/api/1.0/promotions/bulk/s-1/", {"retailer_ids": ["P1"]}),
    (
        "POST",
        "/api/1.0/promotions/suggestions/",
        {"store_id": "s-1", "nodes": [{"node_id": "PEN"}]},
    ),
    ("POST", "/api/1.0/promotions/item_recommendations/", basket_request()),
]
GET_ENDPOINTS = [
    "/api/1.0/promotions/",
    "/api/1.0/promotions/retailer/r1/",
    "/api/1.0/promotions/store/s-1/",
    "/api/1.0/promotions/s-1/P1",
    "/api/1.0/p/s-1/P1",
    "/health_check/",
    "/openapi.json",
]
ALL_PATHS = sorted({p for _, p, _ in BODY_ENDPOINTS} | set(GET_ENDPOINTS))

# Values that no field of the given kind accepts (so a broken write never stores anything).
BAD: dict[str, list[Any]] = {
    "str": [[], {}, None, True, 5, "", ["x"]],
    "date": ["abc", "2026-13-01", "", 5, [], {}, True, "0x10", "9" * 5000, "2026-01-01T25:00"],
    "money": ["abc", "NaN", "Infinity", "-1", "", "12.3.4", "0x10", [], {}, True, "1,5"],
    "list": ["abc", 5, {}, True, [None], [5]],
    "enum": ["zz", 5, [], {}, True, "☃" * 300],
    "object": ["abc", 5, [], True, [{}]],
    "tz": [
        "zz",
        5,
        [],
        {},
        True,
        "",
        "Mars/Base",
        "../../etc/passwd",
        "\u0000",
        "Europe/" + "x" * 300,
    ],
    "days": ["abc", "11111111", "1111112", 5, [], True],
    "any": ["\u0000", "9" * 5000, -5, 10**30, {"nested": {"deep": [None]}}, [{"a": 1}]],
}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False).map(str),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

# Fields (as paths into the valid bodies above) and the kind of bad value that breaks them.
BREAKABLE: dict[str, list[tuple[tuple[Any, ...], str]]] = {
    "/api/1.0/promotions/": [
        (("start_date_time",), "date"),
        (("end_date_time",), "date"),
        (("promo_groups",), "list"),
        (("retailer",), "str"),
        (("promo_id_retailer",), "str"),
        (("promo_groups", 0, "promo_group_nodes"), "list"),
        (("promo_groups", 0, "qty_or_value_min"), "money"),
        (("promo_groups", 0, "promo_group_nodes", 0, "node_id"), "str"),
        (("discount_value",), "money"),
        (("family",), "enum"),
        (("discount_type",), "enum"),
        (("active_days",), "days"),
        (("stores",), "list"),
    ],
    "/api/1.0/promotions/bulk_transaction/": [
        (("ops",), "list"),
        (("retailer",), "str"),
        (("ops", 0, "action"), "enum"),
        (("ops", 0, "body"), "object"),
        (("ops", 0, "body", "start_date_time"), "date"),
        (("ops", 0, "body", "promo_groups"), "list"),
        (("ops", 0, "body", "discount_value"), "money"),
    ],
    "/api/1.0/promotions/transaction/": [
        (("ops", 0, "header"), "object"),
        (("ops", 0, "promo_id_retailer"), "str"),
        (("ops", 0, "header", "discount_value"), "money"),
        (("ops", 0, "header", "start_date_time"), "date"),
        (("ops", 0, "header", "family"), "enum"),
    ],
    "/api/1.0/promotions/evaluate/": [
        (("basket",), "object"),
        (("basket", "items"), "list"),
        (("basket", "items", 0, "mrp"), "money"),
        (("basket", "items", 0, "sp"), "money"),
        (("basket", "items", 0, "qty"), "money"),
        (("basket", "items", 0, "sku"), "str"),
        (("at",), "date"),
        (("timezone",), "tz"),
        (("currency_decimals",), "money"),
        (("store_id",), "any"),
        (("promo_override",), "list"),
    ],
    "/api/1.0/promotions/bulk/s-1/": [(("retailer_ids",), "list")],
    "/api/1.0/promotions/suggestions/": [
        (("nodes",), "list"),
        (("store_id",), "str"),
        (("nodes", 0, "node_id"), "str"),
        (("nodes", 0, "node_type"), "enum"),
    ],
    "/api/1.0/promotions/item_recommendations/": [
        (("basket",), "object"),
        (("basket", "items", 0, "mrp"), "money"),
        (("basket", "items", 0, "qty"), "money"),
        (("store_id",), "str"),
    ],
}


INITIAL: list[dict[str, Any]] = []  # the stored promotions, as the module fixture made them


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[falcon.testing.TestClient, SqlRepository]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    repo = sql_repository(f"sqlite:///{path}")
    repo.create_promotion(promo("P1"))
    repo.create_promotion(promo("P2", stores=["s-1", "s-2"], sku="INK"))
    INITIAL.extend(_snapshot(repo))
    return client(repo, max_body_bytes=MAX_BODY, admin_token=TOKEN), repo


def _snapshot(repo: SqlRepository) -> list[dict[str, Any]]:
    page = repo.list_promotions(limit=1000)
    return sorted(
        (promotion_to_wire(p) for p in page.promotions), key=lambda w: w["promo_id_retailer"]
    )


def _check(world: tuple[falcon.testing.TestClient, SqlRepository], result: Any) -> None:
    """No 5xx, a JSON body (the error shape on 4xx), and the stored data unchanged."""
    _, repo = world
    assert result.status_code < 500, (result.status_code, result.text[:500])
    body = result.json
    if result.status_code >= 400:
        assert set(body) >= {"title", "description", "errors"}
    assert _snapshot(repo) == INITIAL


FUZZ = hsettings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(endpoint=st.sampled_from(BODY_ENDPOINTS), raw=st.binary(max_size=200))
def test_random_bytes(world: Any, endpoint: tuple[str, str, Any], raw: bytes) -> None:
    method, path, _ = endpoint
    try:
        json.loads(raw)
        return  # valid JSON is the other tests' business
    except ValueError:
        pass
    r = world[0].simulate_request(method, path, body=raw, headers=AUTH)
    _check(world, r)


@FUZZ
@given(endpoint=st.sampled_from(BODY_ENDPOINTS), value=JSON_VALUES)
def test_random_json(world: Any, endpoint: tuple[str, str, Any], value: Any) -> None:
    method, path, _ = endpoint
    if isinstance(value, dict) and path.endswith(("transaction/",)):
        value.setdefault("ops", "not-a-list")
    if isinstance(value, dict) and not path.endswith(("promotions/", "transaction/")):
        value.setdefault("basket", "not-an-object")
        value.setdefault("nodes", "not-a-list")
        value.setdefault("retailer_ids", "not-a-list")
    r = world[0].simulate_request(method, path, body=json.dumps(value), headers=AUTH)
    _check(world, r)


def _put(body: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value


@FUZZ
@given(data=st.data(), endpoint=st.sampled_from(BODY_ENDPOINTS))
def test_one_field_broken(world: Any, data: st.DataObject, endpoint: tuple[str, str, Any]) -> None:
    method, path, valid = endpoint
    field, kind = data.draw(st.sampled_from(BREAKABLE[path]))
    bad = data.draw(st.sampled_from(BAD[kind] + BAD["any"] if kind == "any" else BAD[kind]))
    body = copy.deepcopy(valid)
    _put(body, field, bad)
    r = world[0].simulate_request(method, path, body=json.dumps(body), headers=AUTH)
    _check(world, r)
    if path.endswith(("promotions/", "transaction/")):
        assert r.status_code in (400, 413), (field, bad, r.status_code, r.text[:300])


@FUZZ
@given(endpoint=st.sampled_from(BODY_ENDPOINTS), extra=st.integers(1, 3 * MAX_BODY))
def test_huge_bodies_are_413(world: Any, endpoint: tuple[str, str, Any], extra: int) -> None:
    method, path, valid = endpoint
    body = json.dumps(valid)
    body = body[:-1] + ', "padding": "' + "x" * (MAX_BODY + extra) + '"}'
    r = world[0].simulate_request(method, path, body=body, headers=AUTH)
    assert r.status_code == 413
    _check(world, r)


@FUZZ
@given(
    path=st.sampled_from(ALL_PATHS),
    method=st.sampled_from(["PUT", "PATCH", "HEAD", "TRACE", "POST", "GET"]),
)
def test_wrong_methods(world: Any, path: str, method: str) -> None:
    allowed_post = {p for m, p, _ in BODY_ENDPOINTS if m == "POST"}
    if (method == "POST" and path in allowed_post) or (method == "GET" and path in GET_ENDPOINTS):
        return
    if method == "HEAD" and path == "/health_check/":
        return  # the health check answers HEAD (load balancers probe with it)
    r = world[0].simulate_request(method, path, body=b"{}", headers=AUTH)
    assert r.status_code in (405, 404), (method, path, r.status_code)
    if method != "HEAD":
        _check(world, r)


@FUZZ
@given(a=st.text(min_size=1, max_size=300), b=st.text(min_size=1, max_size=300))
def test_odd_path_segments(world: Any, a: str, b: str) -> None:
    api, repo = world
    qa, qb = quote(a, safe=""), quote(b, safe="")
    for path in (
        f"/api/1.0/promotions/{qa}/{qb}",
        f"/api/1.0/p/{qa}/{qb}",
        f"/api/1.0/promotions/store/{qa}/",
        f"/api/1.0/promotions/retailer/{qa}/",
    ):
        r = api.simulate_get(path)
        assert r.status_code < 500, (path, r.status_code, r.text[:300])
    assert _snapshot(repo) == INITIAL


@FUZZ
@given(
    limit=st.text(max_size=12) | st.integers(-10, 5000).map(str),
    cursor=st.text(max_size=40),
    retailer=st.text(max_size=300),
)
def test_odd_query_parameters(world: Any, limit: str, cursor: str, retailer: str) -> None:
    api, _ = world
    r = api.simulate_get(
        "/api/1.0/promotions/", params={"limit": limit, "cursor": cursor, "retailer": retailer}
    )
    assert r.status_code < 500, (r.status_code, r.text[:300])
