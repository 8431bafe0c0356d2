"""The application's plumbing: routes, trailing slashes, error mapping, JSON, health."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from fakes import (
    FakeRepository,
    basket_request,
    client,
    migrated_repository,
    promo,
    sql_repository,
)

from mspromo_service.migrations import head_revisions
from mspromo_service.storage import SqlRepository


@pytest.fixture
def repo(tmp_path: Path) -> SqlRepository:
    return migrated_repository(f"sqlite:///{tmp_path / 'app.sqlite3'}")


@pytest.fixture
def api(repo: SqlRepository) -> falcon.testing.TestClient:
    return client(repo)


@pytest.mark.parametrize(
    "path",
    [
        "/api/1.0/promotions/",
        "/api/1.0/promotions",
        "/api/1.0/promotions/store/s-1/",
        "/api/1.0/promotions/store/s-1",
        "/api/1.0/promotions/retailer/r1/",
        "/api/1.0/promotions/retailer/r1",
        "/health_check/",
        "/health_check",
        "/openapi.json",
    ],
)
def test_get_routes_answer_with_and_without_trailing_slash(
    api: falcon.testing.TestClient, path: str
) -> None:
    assert api.simulate_get(path).status_code == 200


def test_literal_segments_win_over_the_promotion_route(api: falcon.testing.TestClient) -> None:
    api.simulate_post("/api/1.0/promotions/", json=promo(stores=["store"]))
    # "store/s-1" is the store listing, not promotion "s-1" of a store named "store".
    body = api.simulate_get("/api/1.0/promotions/store/s-1/").json
    assert body == {"promotions": []}


def test_unknown_path_is_404_with_the_error_shape(api: falcon.testing.TestClient) -> None:
    r = api.simulate_get("/api/1.0/nothing/here/at/all")
    assert r.status_code == 404
    assert set(r.json) == {"title", "description", "errors"}


def test_wrong_method_is_405(api: falcon.testing.TestClient) -> None:
    r = api.simulate_put("/api/1.0/promotions/evaluate/", json={})
    assert r.status_code == 405
    assert set(r.json) == {"title", "description", "errors"}


@pytest.mark.parametrize(
    "raw", [b"{", b"not json", b"", b"   ", b"\xff\xfe\x00", b"[1,]", b'{"a": NaN}', b"[" * 100_000]
)
def test_malformed_json_is_400(api: falcon.testing.TestClient, raw: bytes) -> None:
    r = api.simulate_post(
        "/api/1.0/promotions/evaluate/", body=raw, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json["title"] == "Malformed JSON"
    assert r.json["errors"][0]["path"] == ""


def test_body_over_the_limit_is_413(repo: SqlRepository) -> None:
    api = client(repo, max_body_bytes=1000)
    body = json.dumps(basket_request(customer_id="x" * 2000))
    r = api.simulate_post("/api/1.0/promotions/evaluate/", body=body)
    assert r.status_code == 413
    assert r.json["title"] == "Request body too large"


def test_declared_length_over_the_limit_is_413_before_reading(repo: SqlRepository) -> None:
    api = client(repo, max_body_bytes=1000)
    r = api.simulate_request(
        "POST", "/api/1.0/promotions/evaluate/", body=b"{}", extras={"CONTENT_LENGTH": "5000"}
    )
    assert r.status_code == 413


def test_validation_error_is_400_with_paths(api: falcon.testing.TestClient) -> None:
    request = basket_request()
    request["basket"]["items"][0]["mrp"] = "abc"
    r = api.simulate_post("/api/1.0/promotions/evaluate/", json=request)
    assert r.status_code == 400
    assert set(r.json) == {"title", "description", "errors"}
    assert {"path": "basket.items[0].mrp", "message": "not a decimal"} in r.json["errors"]


def test_float_prices_are_read_as_decimals(api: falcon.testing.TestClient) -> None:
    # 0.1 + 0.2 is exact in decimal: a float anywhere would show as 0.30000000000000004.
    request = basket_request(mrp="0")
    raw = json.dumps(request).replace('"0"', "0.1", 1).replace('"0"', "0.1", 1)
    r = api.simulate_post("/api/1.0/promotions/evaluate/", body=raw)
    # The engine rejects JSON numbers with a fraction as money (no float on a price path)
    # or reads them as exact decimals; never a binary float and never a 500.
    assert r.status_code in (200, 400)
    assert "0000000000" not in r.text


class _Exploding(FakeRepository):
    def promotions_of_retailer(self, retailer: str) -> list[Any]:
        raise RuntimeError("boom: secret internals")


def test_unexpected_error_is_500_generic_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    api = client(_Exploding())
    with caplog.at_level(logging.ERROR, logger="mspromo_service"):
        r = api.simulate_get("/api/1.0/promotions/retailer/r1/", headers={"X-Request-ID": "rid-1"})
    assert r.status_code == 500
    assert "secret internals" not in r.text
    assert "rid-1" in r.json["description"]
    records = [rec for rec in caplog.records if rec.name == "mspromo_service.app"]
    assert records and "boom: secret internals" in records[0].exc  # type: ignore[attr-defined]
    assert records[0].request_id == "rid-1"  # type: ignore[attr-defined]


def test_health_ok_and_unavailable() -> None:
    repo = FakeRepository()
    api = client(repo)
    r = api.simulate_get("/health_check/")
    assert (r.status_code, r.json) == (200, {"status": "ok"})
    repo.fail_ping = True
    r = api.simulate_get("/health_check/")
    assert (r.status_code, r.json["status"]) == (503, "unavailable")
    assert r.json["problem"] == "the database does not answer"
    assert "ConnectionError" not in r.text  # the driver's words stay in the log


def test_health_with_a_real_database(api: falcon.testing.TestClient) -> None:
    assert api.simulate_get("/health_check/").json == {"status": "ok"}
    head = api.simulate_head("/health_check/")
    assert (head.status_code, head.content) == (200, b"")


def test_health_is_503_when_the_schema_is_not_at_head(tmp_path: Path) -> None:
    api = client(sql_repository(f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"))
    r = api.simulate_get("/health_check/")
    assert r.status_code == 503
    assert r.json["problem"].startswith("the database schema is not at the migration head")
    assert (r.json["schema_revisions"], r.json["head"]) == ([], list(head_revisions()))
    assert api.simulate_head("/health_check/").status_code == 503
    assert client(FakeRepository(schema=("0000",))).simulate_get("/health_check").json[
        "schema_revisions"
    ] == ["0000"]


def test_the_health_warning_carries_the_request_id_and_service(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = client(FakeRepository(fail_ping=True), service_name="promo-eu")
    with caplog.at_level(logging.WARNING, logger="mspromo_service.health"):
        api.simulate_get("/health_check/", headers={"X-Request-ID": "rid-h"})
    (record,) = [r for r in caplog.records if r.name == "mspromo_service.health"]
    assert (record.request_id, record.service) == ("rid-h", "promo-eu")  # type: ignore[attr-defined]


def test_responses_are_json(api: falcon.testing.TestClient) -> None:
    r = api.simulate_get("/api/1.0/promotions/")
    assert r.headers["content-type"].startswith("application/json")
