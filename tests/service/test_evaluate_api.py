"""``POST /api/1.0/promotions/evaluate/`` through the app with the real repository."""

from __future__ import annotations

from pathlib import Path

import falcon.testing
import pytest
from fakes import basket_request, client, promo, sql_repository

from mspromo_service.storage import SqlRepository

EVALUATE = "/api/1.0/promotions/evaluate/"


@pytest.fixture
def repo(tmp_path: Path) -> SqlRepository:
    return sql_repository(f"sqlite:///{tmp_path / 'evaluate.sqlite3'}")


@pytest.fixture
def api(repo: SqlRepository) -> falcon.testing.TestClient:
    return client(repo)


def test_buy_3_for_10_off(api: falcon.testing.TestClient) -> None:
    assert api.simulate_post("/api/1.0/promotions/", json=promo("P1")).status_code == 201
    r = api.simulate_post(EVALUATE, json=basket_request(customer_id="c-9"))
    assert r.status_code == 200, r.text
    body = r.json
    assert body["status"] is True
    assert body["customer_id"] == "c-9"
    basket = body["basket"]
    assert basket["total_mrp"] == "60.000"
    assert basket["discount"] == "10.000"
    assert basket["total_after_promos"] == "50.000"
    line = basket["items"][0]
    assert line["discount"] == "10.000"
    assert sum(d["consumed_qty"] for d in line["discount_info"]) == 3
    applied = line["discount_info"][0]["applied_promos"][0]
    assert applied["promo_id_retailer"] == "P1"
    assert applied["promo_id"]


def test_other_store_gets_no_discount(api: falcon.testing.TestClient) -> None:
    api.simulate_post("/api/1.0/promotions/", json=promo("P1", stores=["s-1"]))
    body = api.simulate_post(EVALUATE, json=basket_request("s-2")).json
    assert body["basket"]["discount"] == "0.000"


def test_promo_override_applies_and_is_not_stored(api: falcon.testing.TestClient) -> None:
    request = basket_request("s-9", promo_override=[promo("OTF", stores=[])])
    body = api.simulate_post(EVALUATE, json=request).json
    assert body["basket"]["discount"] == "10.000"
    assert api.simulate_get("/api/1.0/promotions/").json["promotions"] == []


def test_version_and_misspelt_categories_are_accepted(api: falcon.testing.TestClient) -> None:
    request = basket_request(version="v2")
    request["basket"]["items"][0]["catgories"] = [{"name": "c1", "value": "STATIONERY"}]
    assert api.simulate_post(EVALUATE, json=request).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda r: r["basket"]["items"][0].update(mrp="abc"), "basket.items[0].mrp"),
        (lambda r: r["basket"]["items"][0].update(qty="many"), "basket.items[0].qty"),
        (lambda r: r.update(timezone="Mars/Base"), "timezone"),
        (lambda r: r.update(at="yesterday"), "at"),
        (lambda r: r.pop("basket"), "basket"),
    ],
)
def test_input_errors_are_400_naming_the_path(
    api: falcon.testing.TestClient, mutate: object, path: str
) -> None:
    request = basket_request()
    mutate(request)  # type: ignore[operator]
    r = api.simulate_post(EVALUATE, json=request)
    assert r.status_code == 400
    assert path in [e["path"] for e in r.json["errors"]], r.json


def test_overlong_timezone_is_400(api: falcon.testing.TestClient) -> None:
    r = api.simulate_post(EVALUATE, json=basket_request(timezone="Europe/" + "x" * 300))
    assert r.status_code == 400
    assert r.json["errors"][0]["path"] == "timezone"


@pytest.mark.parametrize("store_id", [None, 42, "", ["s-1"]])
def test_odd_store_ids_never_500(api: falcon.testing.TestClient, store_id: object) -> None:
    request = basket_request()
    request["store_id"] = store_id
    assert api.simulate_post(EVALUATE, json=request).status_code in (200, 400)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "basket",
        1,
        None,
        True,
        {"basket": "not-an-object"},
    ],
)
def test_non_object_body_is_400(api: falcon.testing.TestClient, body: object) -> None:
    assert api.simulate_post(EVALUATE, json=body).status_code == 400


def test_suggestions_and_recommendations(api: falcon.testing.TestClient) -> None:
    api.simulate_post("/api/1.0/promotions/", json=promo("P1"))
    r = api.simulate_post(
        "/api/1.0/promotions/suggestions/",
        json={
            "store_id": "s-1",
            "at": "2026-11-25T10:00:00Z",
            "nodes": [{"node_id": "PEN", "node_type": "i"}, {"node_id": "INK"}],
        },
    )
    assert r.status_code == 200, r.text
    by_node = {s["node_id"]: s["promotions"] for s in r.json["suggestions"]}
    assert [p["promo_id_retailer"] for p in by_node["PEN"]] == ["P1"]
    assert by_node["INK"] == []

    r = api.simulate_post("/api/1.0/promotions/item_recommendations/", json=basket_request(qty=2))
    assert r.status_code == 200, r.text
    rec = r.json["recommendations"][0]
    assert rec["promo_id_retailer"] == "P1"
    assert rec["missing_qty"] == 1
    assert rec["completes"] is True
    assert rec["nodes"] == [{"node_id": "PEN", "node_type": "i"}]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"nodes": []}, "store_id"),
        ({"store_id": "s-1"}, "nodes"),
        ({"store_id": "s-1", "nodes": [{"node_type": "i"}]}, "nodes[0].node_id"),
        ({"store_id": "s-1", "nodes": [{"node_id": "X", "node_type": "zz"}]}, "nodes[0].node_type"),
    ],
)
def test_suggestions_validate(api: falcon.testing.TestClient, body: object, path: str) -> None:
    r = api.simulate_post("/api/1.0/promotions/suggestions/", json=body)
    assert r.status_code == 400
    assert path in [e["path"] for e in r.json["errors"]]
