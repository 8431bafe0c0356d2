"""Redemptions over HTTP (SPEC §9): redeem, repeat, conflict, get, cancel; limits read by
evaluate; ``usage`` on promotions; auth on the writes. On SQLite and MySQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest
from fakes import basket_request, client, count_statements, promo, sql_repository

from mspromo_service.storage import SqlRepository

URL = "/api/1.0/promotions/redemptions/"


@pytest.fixture
def repo(database_url: str) -> Iterator[SqlRepository]:
    repository = sql_repository(database_url)
    try:
        yield repository
    finally:
        repository.engine.dispose()


@pytest.fixture
def api(repo: SqlRepository) -> falcon.testing.TestClient:
    return client(repo, rules_max_staleness=0.0)


def order(order_id: str = "o-1", **extra: Any) -> dict[str, Any]:
    return {**basket_request(qty=3), "order_id": order_id, **extra}


def test_a_redemption_records_the_applied_promotions_and_answers_201(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", usage_limit=5))
    repo.create_promotion(promo("P2", sku="INK"))  # does not apply
    result = api.simulate_post(URL, json=order(customer_id="c-1"))
    assert result.status_code == 201, result.text
    body = result.json
    assert body["order_id"] == "o-1" and body["store_id"] == "s-1"
    assert body["customer_id"] == "c-1"
    assert body["redeemed"] == ["P1"]
    assert body["evaluation"]["basket"]["discount"] == "10.000"
    got = api.simulate_get(f"{URL}s-1/o-1")
    assert got.status_code == 200
    assert got.json == {**body, "cancelled_at": None}
    shown = api.simulate_get("/api/1.0/promotions/s-1/P1").json
    assert shown["usage"] == {"redemptions": 1}
    assert api.simulate_get("/api/1.0/promotions/s-1/P2").json["usage"] == {"redemptions": 0}


def test_the_same_order_again_is_the_stored_answer_and_counts_nothing(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", usage_limit=5))
    first = api.simulate_post(URL, json=order())
    # Key order does not matter: the same body.
    again = api.simulate_post(URL, json=dict(reversed(list(order().items()))))
    assert again.status_code == 200
    assert again.text == first.text
    assert api.simulate_get("/api/1.0/promotions/s-1/P1").json["usage"] == {"redemptions": 1}
    other = api.simulate_post(URL, json=order(customer_id="someone-else"))
    assert other.status_code == 409
    assert api.simulate_get("/api/1.0/promotions/s-1/P1").json["usage"] == {"redemptions": 1}


def test_a_limit_reached_stops_the_promotion_in_redeem_and_in_evaluate(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", usage_limit=2))
    assert [api.simulate_post(URL, json=order(f"o-{i}")).json["redeemed"] for i in range(3)] == [
        ["P1"],
        ["P1"],
        [],
    ]
    evaluated = api.simulate_post(
        "/api/1.0/promotions/evaluate/", json={**basket_request(qty=3), "explain": True}
    ).json
    assert evaluated["basket"]["discount"] == "0.000"
    assert [e["code"] for e in evaluated["explanations"]] == ["usage_limit_reached"]
    # A cancellation gives the use back.
    assert api.simulate_delete(f"{URL}s-1/o-0").status_code == 204
    assert api.simulate_post(URL, json=order("o-9")).json["redeemed"] == ["P1"]


def test_a_per_customer_limit_counts_each_customer_and_needs_one(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", usage_limit_per_customer=1))
    assert api.simulate_post(URL, json=order("a", customer_id="c-1")).json["redeemed"] == ["P1"]
    assert api.simulate_post(URL, json=order("b", customer_id="c-1")).json["redeemed"] == []
    assert api.simulate_post(URL, json=order("c", customer_id="c-2")).json["redeemed"] == ["P1"]
    anonymous = api.simulate_post(URL, json=order("d", explain=True)).json
    assert anonymous["redeemed"] == []
    assert [e["code"] for e in anonymous["evaluation"]["explanations"]] == ["customer_required"]


def test_cancel_is_idempotent_and_unknown_orders_are_404(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", usage_limit=1))
    api.simulate_post(URL, json=order())
    assert api.simulate_delete(f"{URL}s-1/o-1").status_code == 204
    assert api.simulate_delete(f"{URL}s-1/o-1").status_code == 204
    assert api.simulate_get("/api/1.0/promotions/s-1/P1").json["usage"] == {"redemptions": 0}
    assert api.simulate_get(f"{URL}s-1/o-1").json["cancelled_at"] is not None
    assert api.simulate_delete(f"{URL}s-1/never").status_code == 404
    assert api.simulate_get(f"{URL}s-1/never").status_code == 404
    assert api.simulate_delete(f"{URL}s-2/o-1").status_code == 404  # orders are per store
    # A cancelled order stays cancelled: a new sale needs a new order id.
    assert api.simulate_post(URL, json=order()).status_code == 409


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"order_id": ""}, "order_id"),
        ({"order_id": "x" * 129}, "order_id"),
        ({"order_id": 7}, "order_id"),
        ({"store_id": ""}, "store_id"),
        ({"coupons": ["not valid"]}, "coupons[0]"),
    ],
)
def test_bad_redemptions_are_400_and_record_nothing(
    api: falcon.testing.TestClient, repo: SqlRepository, change: dict[str, Any], path: str
) -> None:
    repo.create_promotion(promo("P1", usage_limit=1))
    result = api.simulate_post(URL, json={**order(), **change})
    assert result.status_code == 400, result.text
    assert path in [e["path"] for e in result.json["errors"]]
    assert api.simulate_get("/api/1.0/promotions/s-1/P1").json["usage"] == {"redemptions": 0}


def test_writes_need_the_admin_token_when_one_is_set(repo: SqlRepository) -> None:
    repo.create_promotion(promo("P1"))
    api = client(repo, admin_token="secret")
    assert api.simulate_post(URL, json=order()).status_code == 401
    assert api.simulate_delete(f"{URL}s-1/o-1").status_code == 401
    auth = {"Authorization": "Bearer secret"}
    assert api.simulate_post(URL, json=order(), headers=auth).status_code == 201
    assert api.simulate_get(f"{URL}s-1/o-1").status_code == 200  # reads stay open
    assert api.simulate_delete(f"{URL}s-1/o-1", headers=auth).status_code == 204


def test_coupons_gate_redemptions_and_are_reported(
    api: falcon.testing.TestClient, repo: SqlRepository
) -> None:
    repo.create_promotion(promo("P1", coupon_codes=["save10"], usage_limit=1))
    without = api.simulate_post(URL, json=order("a")).json
    assert without["redeemed"] == []
    with_code = api.simulate_post(URL, json=order("b", coupons=["Save10"])).json
    assert with_code["redeemed"] == ["P1"]
    assert with_code["evaluation"]["coupons_info"] == [
        {"code": "SAVE10", "status": "applied", "promo_id_retailer": "P1"}
    ]
    spent = api.simulate_post(URL, json=order("c", coupons=["SAVE10"])).json
    assert spent["evaluation"]["coupons_info"] == [
        {"code": "SAVE10", "status": "not_applied", "promo_id_retailer": "P1"}
    ]


EVALUATE = "/api/1.0/promotions/evaluate/"


def test_evaluate_in_a_store_without_limits_makes_no_query_in_steady_state(
    repo: SqlRepository,
) -> None:
    repo.create_promotion(promo("P1"))
    api = client(repo, rules_max_staleness=60.0)
    assert api.simulate_post(EVALUATE, json=basket_request(qty=3)).status_code == 200
    with count_statements(repo.engine) as statements:
        for customer in (None, "c-1"):
            result = api.simulate_post(EVALUATE, json=basket_request(qty=3, customer_id=customer))
            assert result.json["basket"]["discount"] == "10.000"
    assert statements == []


def test_evaluate_with_limited_promotions_makes_one_indexed_query(repo: SqlRepository) -> None:
    repo.create_promotion(promo("P1", usage_limit=5, usage_limit_per_customer=1))
    repo.create_promotion(promo("P2", sku="INK", usage_limit=5))  # not in the basket
    api = client(repo, rules_max_staleness=60.0)
    api.simulate_post(URL, json=order(customer_id="c-1"))
    api.simulate_post(EVALUATE, json=basket_request(qty=3))
    with count_statements(repo.engine) as statements:
        mine = api.simulate_post(EVALUATE, json=basket_request(qty=3, customer_id="c-1")).json
    assert len(statements) == 1
    assert "promo_usage" in statements[0]
    assert mine["basket"]["discount"] == "0.000"  # c-1 used their one
    with count_statements(repo.engine) as statements:
        # A basket that meets no limited promotion asks nothing.
        api.simulate_post(EVALUATE, json=basket_request(qty=3, sku="PAPER"))
    assert statements == []
