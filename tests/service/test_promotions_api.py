"""Promotion storage endpoints (SPEC §7) over the real SqlRepository on SQLite and MySQL."""

from __future__ import annotations

import falcon.testing
import pytest
from fakes import client, promo, sql_repository

from mspromo_service.storage import SqlRepository


@pytest.fixture
def repo(database_url: str) -> SqlRepository:
    return sql_repository(database_url)


@pytest.fixture
def api(repo: SqlRepository) -> falcon.testing.TestClient:
    return client(repo)


def _create(api: falcon.testing.TestClient, **kw: object) -> dict[str, object]:
    r = api.simulate_post("/api/1.0/promotions/", json=promo(**kw))  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json
    return body


def test_create_returns_201_with_ids(api: falcon.testing.TestClient) -> None:
    body = _create(api, pid="P1", stores=["s-1", "s-2"])
    assert body["promo_id"] and isinstance(body["promo_id"], str)
    assert body["promo_id_retailer"] == "P1"
    assert sorted(body["stores"]) == ["s-1", "s-2"]  # type: ignore[type-var]
    assert body["discount_value"] == "10"
    group = body["promo_groups"][0]  # type: ignore[index]
    assert group["promo_group_nodes"][0]["node_id"] == "PEN"


@pytest.mark.parametrize(
    ("store", "pid"), [("s-1", "P1"), ("store 7", "P#1?x%")], ids=["plain", "escaped"]
)
def test_create_answers_the_stored_form_and_where_to_get_it(
    api: falcon.testing.TestClient, store: str, pid: str
) -> None:
    r = api.simulate_post(
        "/api/1.0/promotions/",
        json=promo(pid, stores=[store], value="3.00", max_application_limit=2),
    )
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert location.startswith("/api/1.0/promotions/")
    again = api.simulate_get(location)
    assert again.status_code == 200, (location, again.text)
    assert r.json == again.json  # what a GET right after says, "3" and not "3.00"
    assert r.json["discount_value"] == "3"


def test_create_duplicate_is_409(api: falcon.testing.TestClient) -> None:
    _create(api, pid="P1")
    r = api.simulate_post("/api/1.0/promotions/", json=promo("P1"))
    assert r.status_code == 409
    assert set(r.json) == {"title", "description", "errors"}


def test_create_invalid_is_400_naming_the_field(api: falcon.testing.TestClient) -> None:
    bad = promo("P1", end_date_time="2025-01-01T00:00:00Z")
    r = api.simulate_post("/api/1.0/promotions/", json=bad)
    assert r.status_code == 400
    assert any(e["path"].endswith("end_date_time") for e in r.json["errors"])


@pytest.mark.parametrize("body", [[], "x", 3, None])
def test_create_non_object_is_400(api: falcon.testing.TestClient, body: object) -> None:
    r = api.simulate_post("/api/1.0/promotions/", json=body)
    assert r.status_code == 400


def test_list_paginates(api: falcon.testing.TestClient) -> None:
    for i in range(5):
        _create(api, pid=f"P{i}")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "2", "retailer": "r1"}
        if cursor:
            params["cursor"] = cursor
        body = api.simulate_get("/api/1.0/promotions/", params=params).json
        assert len(body["promotions"]) <= 2
        seen += [p["promo_id_retailer"] for p in body["promotions"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"P{i}" for i in range(5)]


def test_list_filters_by_store(api: falcon.testing.TestClient) -> None:
    _create(api, pid="A", stores=["s-1"])
    _create(api, pid="B", stores=["s-2"])
    body = api.simulate_get("/api/1.0/promotions/", params={"store": "s-2"}).json
    assert [p["promo_id_retailer"] for p in body["promotions"]] == ["B"]


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "1.5", "-1"])
def test_list_bad_limit_is_400_naming_it(api: falcon.testing.TestClient, limit: str) -> None:
    r = api.simulate_get("/api/1.0/promotions/", params={"limit": limit})
    assert r.status_code == 400
    assert r.json["errors"][0]["path"] == "limit"


def test_list_bad_cursor_is_400(api: falcon.testing.TestClient) -> None:
    r = api.simulate_get("/api/1.0/promotions/", params={"cursor": "!!not-a-cursor!!"})
    assert r.status_code == 400


def test_retailer_listing(api: falcon.testing.TestClient) -> None:
    _create(api, pid="A")
    _create(api, pid="B", retailer="other")
    body = api.simulate_get("/api/1.0/promotions/retailer/r1/").json
    assert [p["promo_id_retailer"] for p in body["promotions"]] == ["A"]


def test_store_listing_and_delete_counts(api: falcon.testing.TestClient) -> None:
    _create(api, pid="OWN", stores=["s-1"])
    _create(api, pid="SHARED", stores=["s-1", "s-2"])
    body = api.simulate_get("/api/1.0/promotions/store/s-1/").json
    assert sorted(p["promo_id_retailer"] for p in body["promotions"]) == ["OWN", "SHARED"]
    r = api.simulate_delete("/api/1.0/promotions/store/s-1/")
    assert r.status_code == 200
    assert r.json == {"store_id": "s-1", "unlinked": 1, "deleted": 1}
    assert api.simulate_get("/api/1.0/promotions/store/s-1/").json == {"promotions": []}
    remaining = api.simulate_get("/api/1.0/promotions/store/s-2/").json["promotions"]
    assert [p["promo_id_retailer"] for p in remaining] == ["SHARED"]


def test_bulk_by_retailer_ids(api: falcon.testing.TestClient) -> None:
    for pid in ("A", "B", "C"):
        _create(api, pid=pid)
    r = api.simulate_post("/api/1.0/promotions/bulk/s-1/", json={"retailer_ids": ["A", "C", "Z"]})
    assert r.status_code == 200
    assert sorted(p["promo_id_retailer"] for p in r.json["promotions"]) == ["A", "C"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "retailer_ids"),
        ({"retailer_ids": "A"}, "retailer_ids"),
        ({"retailer_ids": [1]}, "retailer_ids[0]"),
    ],
)
def test_bulk_by_ids_validates(api: falcon.testing.TestClient, body: object, path: str) -> None:
    r = api.simulate_post("/api/1.0/promotions/bulk/s-1/", json=body)
    assert r.status_code == 400
    assert r.json["errors"][0]["path"] == path


@pytest.mark.parametrize("prefix", ["/api/1.0/promotions", "/api/1.0/p"])
def test_one_promotion_get_and_delete(api: falcon.testing.TestClient, prefix: str) -> None:
    _create(api, pid="P1", stores=["s-1", "s-2"])
    r = api.simulate_get(f"{prefix}/s-1/P1")
    assert r.status_code == 200 and r.json["promo_id_retailer"] == "P1"
    assert api.simulate_get(f"{prefix}/s-1/P1/").status_code == 200
    assert api.simulate_delete(f"{prefix}/s-1/P1").status_code == 204
    assert api.simulate_delete(f"{prefix}/s-1/P1").status_code == 204  # idempotent
    assert api.simulate_get(f"{prefix}/s-1/P1").status_code == 404
    assert api.simulate_get(f"{prefix}/s-2/P1").status_code == 200


def test_one_promotion_unknown_is_404(api: falcon.testing.TestClient) -> None:
    r = api.simulate_get("/api/1.0/promotions/s-1/NOPE")
    assert r.status_code == 404
    assert set(r.json) == {"title", "description", "errors"}
    assert api.simulate_delete("/api/1.0/p/s-1/NOPE").status_code == 404
