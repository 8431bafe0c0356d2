"""Bearer-token protection of write endpoints when ``admin_token`` is set."""

from __future__ import annotations

from pathlib import Path

import falcon.testing
import pytest
from fakes import basket_request, client, migrated_repository, promo

from mspromo_service.storage import SqlRepository

TOKEN = "s3cret-token"

WRITES = [
    ("POST", "/api/1.0/promotions/", promo("P9")),
    ("POST", "/api/1.0/promotions/bulk_transaction/", {"retailer": "r1", "ops": []}),
    ("POST", "/api/1.0/promotions/transaction/", {"retailer": "r1", "ops": []}),
    ("DELETE", "/api/1.0/promotions/store/s-1/", None),
    ("DELETE", "/api/1.0/promotions/s-1/P1", None),
    ("DELETE", "/api/1.0/p/s-1/P1", None),
]

READS = [
    ("GET", "/api/1.0/promotions/", None),
    ("GET", "/api/1.0/promotions/retailer/r1/", None),
    ("GET", "/api/1.0/promotions/store/s-1/", None),
    ("GET", "/api/1.0/promotions/s-1/P1", None),
    ("GET", "/api/1.0/p/s-1/P1", None),
    ("POST", "/api/1.0/promotions/evaluate/", basket_request()),
    ("POST", "/api/1.0/promotions/bulk/s-1/", {"retailer_ids": ["P1"]}),
    (
        "POST",
        "/api/1.0/promotions/suggestions/",
        {"store_id": "s-1", "nodes": [{"node_id": "PEN"}]},
    ),
    ("POST", "/api/1.0/promotions/item_recommendations/", basket_request()),
    ("GET", "/health_check/", None),
    ("GET", "/openapi.json", None),
]


@pytest.fixture
def repo(tmp_path: Path) -> SqlRepository:
    repo = migrated_repository(f"sqlite:///{tmp_path / 'auth.sqlite3'}")
    repo.create_promotion(promo("P1"))
    return repo


@pytest.fixture
def api(repo: SqlRepository) -> falcon.testing.TestClient:
    return client(repo, admin_token=TOKEN)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer ☃"},
    ],
)
def test_writes_without_the_token_are_401_and_write_nothing(
    api: falcon.testing.TestClient,
    repo: SqlRepository,
    method: str,
    path: str,
    body: object,
    headers: dict[str, str],
) -> None:
    before = repo.promotions_of_retailer("r1")
    r = api.simulate_request(method, path, json=body, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert set(r.json) == {"title", "description", "errors"}
    assert repo.promotions_of_retailer("r1") == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"  beARer   {TOKEN} "],
)
def test_writes_with_the_token_go_through(
    api: falcon.testing.TestClient, method: str, path: str, body: object, authorization: str
) -> None:
    # The scheme name is case-insensitive (RFC 7235 §2.1); the token is not.
    r = api.simulate_request(method, path, json=body, headers={"Authorization": authorization})
    assert r.status_code in (200, 201, 204), r.text


def test_the_token_itself_is_case_sensitive(api: falcon.testing.TestClient) -> None:
    r = api.simulate_post(
        "/api/1.0/promotions/",
        json=promo("P3"),
        headers={"Authorization": f"Bearer {TOKEN.upper()}"},
    )
    assert r.status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_reads_stay_open(
    api: falcon.testing.TestClient, method: str, path: str, body: object
) -> None:
    r = api.simulate_request(method, path, json=body)
    assert r.status_code == 200, r.text


def test_without_a_token_writes_are_open(repo: SqlRepository) -> None:
    api = client(repo, admin_token=None)
    assert api.simulate_post("/api/1.0/promotions/", json=promo("P2")).status_code == 201
