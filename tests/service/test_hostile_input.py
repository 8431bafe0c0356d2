"""Hostile input (SPEC §7.1): every attack is a clear 4xx (or a correct 200 where it is
valid), answered without the costly work, and leaves the stored data unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
import sqlalchemy as sa
from fakes import basket_request, client, promo, sql_repository

from mspromo_service import storage
from mspromo_service.rules import RulesCache
from mspromo_service.storage import SqlRepository

EVALUATE = "/api/1.0/promotions/evaluate/"
CREATE = "/api/1.0/promotions/"
BULK = "/api/1.0/promotions/bulk_transaction/"
SUGGESTIONS = "/api/1.0/promotions/suggestions/"
RECOMMEND = "/api/1.0/promotions/item_recommendations/"
BY_IDS = "/api/1.0/promotions/bulk/s-1/"
MARK = "__NUMBER__"

# Numbers that once held a worker for 30 s, overflowed a column, or are not integers.
HUGE = ["1e999999", "-1e999999", "9" * 5000, "2147483648", "9223372036854775808", "1.5"]


@pytest.fixture
def repo(tmp_path: Path) -> SqlRepository:
    return sql_repository(f"sqlite:///{tmp_path / 'hostile.sqlite3'}")


@pytest.fixture
def cache(repo: SqlRepository) -> RulesCache:
    return RulesCache(repo, 1.0)


@pytest.fixture
def api(repo: SqlRepository, cache: RulesCache) -> Iterator[falcon.testing.TestClient]:
    app = client(repo, cache=cache)
    assert app.simulate_post(CREATE, json=promo("P1")).status_code == 201
    yield app


def snapshot(repo: SqlRepository) -> dict[str, list[Any]]:
    with repo.engine.connect() as conn:
        return {
            t.name: sorted(map(repr, conn.execute(sa.select(t)).all()))
            for t in storage.metadata.sorted_tables
        }


@pytest.fixture
def unchanged(repo: SqlRepository, api: falcon.testing.TestClient) -> Iterator[None]:
    """The stored data is the same after the test as before it."""
    before = snapshot(repo)
    yield
    assert snapshot(repo) == before


def with_number(body: Any, number: str) -> str:
    """``body`` as JSON text with the MARK string replaced by the raw number text."""
    return json.dumps(body).replace(f'"{MARK}"', number)


def post(api: falcon.testing.TestClient, path: str, text: str | bytes, **kw: Any) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return api.simulate_post(path, body=raw, headers={"Content-Type": "application/json"}, **kw)


def assert_400(r: Any, path: str | None = None) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    body: dict[str, Any] = r.json
    assert len(body["errors"]) <= 100
    if path is not None:
        assert path in [e["path"] for e in body["errors"]], body
    return body


def _override(**fields: Any) -> dict[str, Any]:
    return promo("O1", **fields)


def _group_fields(field: str) -> dict[str, Any]:
    return {"family": "r", "target_discounted_group_qty_min": MARK} if field else {}


EVALUATE_INTEGER_FIELDS: list[tuple[Callable[[], dict[str, Any]], str]] = [
    (lambda: basket_request(qty=MARK), "basket.items[0].qty"),  # type: ignore[arg-type]
    (lambda: basket_request(currency_decimals=MARK), "currency_decimals"),
    (lambda: basket_request(promo_override=[_override(layer=MARK)]), "promo_override[0].layer"),
    (
        lambda: basket_request(promo_override=[_override(max_application_limit=MARK)]),
        "promo_override[0].max_application_limit",
    ),
    (
        lambda: basket_request(promo_override=[_override(evaluate_priority=MARK)]),
        "promo_override[0].evaluate_priority",
    ),
    (
        lambda: basket_request(
            promo_override=[_override(family="r", target_discounted_group_qty_min=MARK)]
        ),
        "promo_override[0].target_discounted_group_qty_min",
    ),
]


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(("build", "path"), EVALUATE_INTEGER_FIELDS)
def test_huge_and_exponent_numbers_in_evaluate_integer_fields(
    api: falcon.testing.TestClient, build: Callable[[], dict[str, Any]], path: str, number: str
) -> None:
    assert_400(post(api, EVALUATE, with_number(build(), number)), path)


def test_an_integral_exponent_within_range_is_a_valid_integer(
    api: falcon.testing.TestClient,
) -> None:
    r = post(api, EVALUATE, with_number(basket_request(qty=MARK), "4e0"))  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    assert r.json["basket"]["discount"] == "10.000"


CREATE_INTEGER_FIELDS = [
    "layer",
    "max_application_limit",
    "evaluate_priority",
    "target_discounted_group_qty_min",
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("field", CREATE_INTEGER_FIELDS)
def test_huge_numbers_in_a_created_promotion_store_nothing(
    api: falcon.testing.TestClient, field: str, number: str
) -> None:
    body = promo("P9", **{field: MARK})
    assert_400(post(api, CREATE, with_number(body, number)), field)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("field", ["layer", "max_application_limit", "evaluate_priority"])
def test_huge_numbers_in_bulk_ops_store_nothing(
    api: falcon.testing.TestClient, field: str, number: str
) -> None:
    ops = [
        {"action": "c", "body": promo("P8", retailer="r1")},
        {"action": "u", "promo_id_retailer": "P1", "header": {field: MARK}},
    ]
    r = post(api, BULK, with_number({"retailer": "r1", "ops": ops}, number))
    assert_400(r, f"ops[1].header.{field}")
    r = post(
        api,
        BULK,
        with_number(
            {"retailer": "r1", "ops": [{"action": "c", "body": promo("P7", **{field: MARK})}]},
            number,
        ),
    )
    assert_400(r, f"ops[0].body.{field}")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"a":' * 100_000,
        '{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":NaN,"qty":1}]}}',
        '{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":Infinity,"qty":1}]}}',
        '{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":"15","qty":-Infinity}]}}',
        '{"store_id":"s-1",',
        "",
    ],
    ids=["deep-arrays", "deep-objects", "nan", "infinity", "minus-infinity", "truncated", "empty"],
)
def test_malformed_or_deeply_nested_json_is_a_400(
    api: falcon.testing.TestClient, text: str
) -> None:
    r = post(api, EVALUATE, text)
    assert r.status_code == 400, r.text
    assert r.json["title"] == "Malformed JSON"


@pytest.mark.parametrize(
    "raw",
    [b'{"store_id":"\xff"}', b'{"store_id":"\xed\xa0\x80"}', b"\xef\xbb\xbf{}"],
    ids=["invalid-byte", "encoded-surrogate", "bom"],
)
def test_bytes_that_are_not_utf8_json_are_a_400(api: falcon.testing.TestClient, raw: bytes) -> None:
    r = post(api, EVALUATE, raw)
    assert r.status_code == 400, r.text


SURROGATE_BODIES = [
    (EVALUATE, '{"store_id":"\\ud800","basket":{"items":[]}}', "store_id"),
    (EVALUATE, '{"store_id":"s-1","customer_id":"\\udfff","basket":{"items":[]}}', "customer_id"),
    (BY_IDS, '{"retailer_ids":["P1","\\ud800"]}', "retailer_ids[1]"),
    (
        BULK,
        '{"retailer":"r1","ops":[{"action":"d","promo_id_retailer":"P1","store_id":"\\ud800"}]}',
        "ops[0].store_id",
    ),
    (CREATE, json.dumps(promo("P5", title="x")).replace('"x"', '"\\udbff"'), "title"),
    (SUGGESTIONS, '{"store_id":"s-1","nodes":[{"node_id":"\\ud800x"}]}', "nodes[0].node_id"),
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("path", "text", "where"), SURROGATE_BODIES)
def test_a_lone_surrogate_anywhere_is_a_400_naming_it(
    api: falcon.testing.TestClient, path: str, text: str, where: str
) -> None:
    assert_400(post(api, path, text), where)


def test_a_valid_surrogate_pair_is_a_character(api: falcon.testing.TestClient) -> None:
    r = post(api, EVALUATE, json.dumps(basket_request(customer_id="\U0001f600"), ensure_ascii=True))
    assert r.status_code == 200, r.text
    assert r.json["customer_id"] == "\U0001f600"


def test_a_body_over_the_limit_is_a_413_with_or_without_content_length(
    repo: SqlRepository,
) -> None:
    api = client(repo, max_body_bytes=1000)
    big = json.dumps(basket_request(customer_id="x" * 2000)).encode()
    assert post(api, EVALUATE, big).status_code == 413
    chunked = {"CONTENT_LENGTH": ""}
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    r = api.simulate_post(EVALUATE, body=big, headers=headers, extras=chunked)
    assert r.status_code == 413, r.text


def test_a_chunked_body_is_read(api: falcon.testing.TestClient) -> None:
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    body = json.dumps(basket_request()).encode()
    r = api.simulate_post(EVALUATE, body=body, headers=headers, extras={"CONTENT_LENGTH": ""})
    assert r.status_code == 200, r.text
    assert r.json["basket"]["discount"] == "10.000"


def test_many_bad_lines_list_one_hundred_errors_and_count_the_rest(
    api: falcon.testing.TestClient,
) -> None:
    items = [{"sku": "PEN", "mrp": "x", "qty": 1}] * 10_000
    body = assert_400(
        post(api, EVALUATE, json.dumps({"store_id": "s-1", "basket": {"items": items}}))
    )
    assert len(body["errors"]) == 100
    assert body["errors_omitted"] == 9_900


def test_more_lines_than_allowed_are_refused_before_any_is_read(
    api: falcon.testing.TestClient,
) -> None:
    items = [{"bad": True}] * 350_000
    body = assert_400(
        post(api, EVALUATE, json.dumps({"store_id": "s-1", "basket": {"items": items}}))
    )
    assert body["errors"] == [{"path": "basket.items", "message": "at most 10000 items"}]
    assert "errors_omitted" not in body


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        (EVALUATE, basket_request(store_id="s" * 1_000_000), "store_id"),
        (SUGGESTIONS, {"store_id": "s" * 1_000_000, "nodes": []}, "store_id"),
        (RECOMMEND, basket_request(store_id="s" * 1_000_000), "store_id"),
        (EVALUATE, basket_request(store_id=17), "store_id"),
        (SUGGESTIONS, {"store_id": 17, "nodes": []}, "store_id"),
        (RECOMMEND, basket_request(store_id=17), "store_id"),
    ],
    ids=[
        "evaluate-long",
        "suggestions-long",
        "recommend-long",
        "evaluate-number",
        "suggestions-number",
        "recommend-number",
    ],
)
def test_a_store_id_that_is_too_long_or_not_a_string_never_reaches_the_cache(
    api: falcon.testing.TestClient, cache: RulesCache, path: str, body: Any, where: str
) -> None:
    seen: list[str] = []
    real_get = cache.get
    cache.get = lambda store_id: seen.append(store_id) or real_get(store_id)  # type: ignore[method-assign]
    assert_400(api.simulate_post(path, json=body), where)
    assert seen == []


@pytest.mark.usefixtures("unchanged")
def test_long_ids_in_writes_store_nothing(api: falcon.testing.TestClient) -> None:
    assert_400(api.simulate_post(CREATE, json=promo("P" * 256)), "promo_id_retailer")
    assert_400(api.simulate_post(CREATE, json=promo("P6", retailer="r" * 129)), "retailer")
    assert_400(api.simulate_post(CREATE, json=promo("P6", stores=["s" * 256])), "stores")
    ops = [{"action": "d", "promo_id_retailer": "P1", "store_id": "s" * 256}]
    assert_400(api.simulate_post(BULK, json={"retailer": "r1", "ops": ops}), "ops[0].store_id")
    r = api.simulate_get("/api/1.0/promotions/store/" + "s" * 300 + "/")
    assert r.status_code == 400


def test_best_discount_override_floods_are_bounded(api: falcon.testing.TestClient) -> None:
    def override(i: int) -> dict[str, Any]:
        return promo(f"O{i}", evaluate_criteria="b", value="1", qty=1)

    flood = basket_request(promo_override=[override(i) for i in range(4_000)])
    body = assert_400(api.simulate_post(EVALUATE, json=flood), "promo_override")
    assert body["errors"] == [{"path": "promo_override", "message": "at most 100 items"}]
    at_the_limit = basket_request(promo_override=[override(i) for i in range(100)])
    r = api.simulate_post(EVALUATE, json=at_the_limit)
    assert r.status_code == 200, r.text
    assert r.json["basket"]["discount"] != "0.000"


@pytest.mark.usefixtures("unchanged")
def test_bulk_op_and_retailer_id_floods_are_bounded(api: falcon.testing.TestClient) -> None:
    ops = [{"action": "d", "promo_id_retailer": "P1", "store_id": "s-1"}] * 10_001
    body = assert_400(api.simulate_post(BULK, json={"retailer": "r1", "ops": ops}), "ops")
    assert body["errors"] == [{"path": "ops", "message": "at most 10000 items"}]
    body = assert_400(api.simulate_post(BY_IDS, json={"retailer_ids": ["P1"] * 10_001}))
    assert body["errors"] == [{"path": "retailer_ids", "message": "at most 10000 items"}]
