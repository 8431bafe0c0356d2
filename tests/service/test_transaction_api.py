"""``POST /api/1.0/promotions/bulk_transaction/`` (and ``/transaction/``): all or nothing."""

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


def _ids(api: falcon.testing.TestClient, store: str = "s-1") -> list[str]:
    body = api.simulate_get(f"/api/1.0/promotions/store/{store}/").json
    return sorted(p["promo_id_retailer"] for p in body["promotions"])


@pytest.mark.parametrize(
    "path", ["/api/1.0/promotions/bulk_transaction/", "/api/1.0/promotions/transaction"]
)
def test_ops_apply_and_return_204(api: falcon.testing.TestClient, path: str) -> None:
    ops = [{"action": "c", "body": promo(f"P{i}")} for i in range(3)]
    r = api.simulate_post(path, json={"retailer": "r1", "ops": ops})
    assert r.status_code == 204, r.text
    assert _ids(api) == ["P0", "P1", "P2"]
    ops2 = [
        {"action": "d", "promo_id_retailer": "P0", "store_id": "s-1"},
        {
            "action": "u",
            "promo_id_retailer": "P1",
            "store_id": "s-1",
            "header": {"title": "renamed"},
        },
    ]
    assert api.simulate_post(path, json={"retailer": "r1", "ops": ops2}).status_code == 204
    assert _ids(api) == ["P1", "P2"]
    assert api.simulate_get("/api/1.0/p/s-1/P1").json["title"] == "renamed"


def test_first_failing_op_is_400_naming_its_index_and_nothing_is_written(
    api: falcon.testing.TestClient,
) -> None:
    bad = promo("P2", end_date_time="2020-01-01T00:00:00Z")
    ops = [{"action": "c", "body": promo("P1")}, {"action": "c", "body": bad}]
    r = api.simulate_post(
        "/api/1.0/promotions/bulk_transaction/", json={"retailer": "r1", "ops": ops}
    )
    assert r.status_code == 400
    assert any(e["path"].startswith("ops[1]") for e in r.json["errors"]), r.json
    assert _ids(api) == []


def test_duplicate_create_inside_a_transaction_is_400(api: falcon.testing.TestClient) -> None:
    api.simulate_post("/api/1.0/promotions/", json=promo("P1"))
    ops = [{"action": "c", "body": promo("P1")}]
    r = api.simulate_post(
        "/api/1.0/promotions/bulk_transaction/", json={"retailer": "r1", "ops": ops}
    )
    assert r.status_code == 400


def test_unknown_promotion_delete_is_400(api: falcon.testing.TestClient) -> None:
    ops = [{"action": "d", "promo_id_retailer": "NOPE", "store_id": "s-1"}]
    r = api.simulate_post(
        "/api/1.0/promotions/bulk_transaction/", json={"retailer": "r1", "ops": ops}
    )
    assert r.status_code == 400
    assert r.json["errors"][0]["path"].startswith("ops")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"ops": []}, "retailer"),
        ({"retailer": "r1"}, "ops"),
        ({"retailer": "r1", "ops": {}}, "ops"),
        ({"retailer": "r1", "ops": [1]}, "ops[0]"),
        ({"retailer": "r1", "ops": [{}] * 10_001}, "ops"),
    ],
)
def test_envelope_is_validated(api: falcon.testing.TestClient, body: object, path: str) -> None:
    r = api.simulate_post("/api/1.0/promotions/bulk_transaction/", json=body)
    assert r.status_code == 400
    assert path in [e["path"] for e in r.json["errors"]]
