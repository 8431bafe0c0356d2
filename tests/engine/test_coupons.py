"""Coupons and usage limits in the engine (SPEC §9): the three participation codes,
``coupons_info`` and the usage counts passed in by the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mspromo_engine import (
    UsageCounts,
    ValidationError,
    evaluate_json,
    promotion_from_wire,
    promotion_to_wire,
    usage_from_wire,
)
from mspromo_engine.ruleset import RuleSet

STORE = "s-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def promo(promo_id: str = "P1", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "promo_id": f"id-{promo_id}",
        "family": "e",
        "discount_value": "10",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": [
            {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "PEN"}]}
        ],
    }
    out.update(fields)
    return out


def run(
    *promos: dict[str, Any], usage: UsageCounts | None = None, **request: Any
) -> dict[str, Any]:
    rules = RuleSet.compile(promotion_from_wire(p) for p in promos)
    body: dict[str, Any] = {
        "store_id": STORE,
        "explain": True,
        "basket": {"id": "b", "items": [{"sku": "PEN", "mrp": "10.00", "qty": 1}]},
    }
    body.update(request)
    if usage is None:
        return evaluate_json(body, rules, now=NOW)
    return evaluate_json(body, rules, now=NOW, usage=usage)


def codes(response: dict[str, Any]) -> dict[str, str]:
    return {e["promo_id_retailer"]: e["code"] for e in response["explanations"]}


def test_codes_are_stored_upper_case_and_survive_the_round_trip() -> None:
    p = promotion_from_wire(promo(coupon_codes=["save10", "Save10", "x-1_Z"]))
    assert p.coupon_codes == ("SAVE10", "X-1_Z")
    wire = promotion_to_wire(p)
    assert wire["coupon_codes"] == ["SAVE10", "X-1_Z"]
    assert wire["usage_limit"] is None and wire["usage_limit_per_customer"] is None
    assert promotion_from_wire(wire) == p


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("coupon_codes", ["no spaces"], "promotion.coupon_codes[0]"),
        ("coupon_codes", [""], "promotion.coupon_codes[0]"),
        ("coupon_codes", ["A" * 65], "promotion.coupon_codes"),
        ("coupon_codes", [f"C{i}" for i in range(101)], "promotion.coupon_codes"),
        ("usage_limit", 0, "promotion.usage_limit"),
        ("usage_limit_per_customer", 2_147_483_648, "promotion.usage_limit_per_customer"),
    ],
)
def test_bad_coupon_fields_are_rejected_naming_the_field(field: str, value: Any, path: str) -> None:
    with pytest.raises(ValidationError) as info:
        promotion_from_wire(promo(**{field: value}))
    assert path in [e.path for e in info.value.errors]


def test_a_coupon_promotion_needs_one_of_its_codes_case_insensitively() -> None:
    p = promo(coupon_codes=["SAVE10"])
    assert codes(run(p)) == {"P1": "coupon_missing"}
    assert codes(run(p, coupons=["OTHER"])) == {"P1": "coupon_missing"}
    response = run(p, coupons=["save10"])
    assert codes(response) == {"P1": "applied"}
    assert response["basket"]["discount"] == "1.000"


def test_coupons_info_one_entry_per_distinct_code_in_request_order() -> None:
    applied = promo("P1", coupon_codes=["SAVE10"])
    blocked = promo("P2", coupon_codes=["LATE"], is_active=False)
    also_late = promo("P0", coupon_codes=["LATE"], stores=["s-9"])  # not of this store
    response = run(applied, blocked, also_late, coupons=["late", "SAVE10", "nope", "Save10"])
    assert response["coupons_info"] == [
        {"code": "LATE", "status": "not_applied", "promo_id_retailer": "P2"},
        {"code": "SAVE10", "status": "applied", "promo_id_retailer": "P1"},
        {"code": "NOPE", "status": "unknown", "promo_id_retailer": None},
    ]
    assert codes(response)["P2"] == "inactive"


def test_coupons_info_is_absent_without_coupons_and_counts_overrides() -> None:
    assert "coupons_info" not in run(promo())
    override = promo("OV", coupon_codes=["FLY"], stores=[])
    response = run(promo_override=[override], coupons=["FLY"])
    assert response["coupons_info"] == [
        {"code": "FLY", "status": "applied", "promo_id_retailer": "OV"}
    ]


def test_the_request_may_carry_at_most_twenty_valid_codes() -> None:
    with pytest.raises(ValidationError) as info:
        run(promo(), coupons=[f"C{i}" for i in range(21)])
    assert [e.path for e in info.value.errors] == ["coupons"]
    with pytest.raises(ValidationError) as info:
        run(promo(), coupons=["ok", "not ok"])
    assert [e.path for e in info.value.errors] == ["coupons[1]"]


def test_a_global_limit_reached_stops_the_promotion() -> None:
    p = promo(usage_limit=5)
    key = ("acme", "P1")
    assert codes(run(p)) == {"P1": "applied"}  # no counts known: none used
    assert codes(run(p, usage=UsageCounts({key: 4}))) == {"P1": "applied"}
    reached = run(p, usage=UsageCounts({key: 5}))
    assert codes(reached) == {"P1": "usage_limit_reached"}
    assert reached["basket"]["discount"] == "0.000"


def test_a_per_customer_limit_needs_a_customer_and_counts_theirs() -> None:
    p = promo(usage_limit_per_customer=2)
    key = ("acme", "P1")
    assert codes(run(p)) == {"P1": "customer_required"}
    mine = UsageCounts(redemptions={key: 100}, customer_redemptions={key: 1})
    assert codes(run(p, customer_id="c-1", usage=mine)) == {"P1": "applied"}
    full = UsageCounts(customer_redemptions={key: 2})
    assert codes(run(p, customer_id="c-1", usage=full)) == {"P1": "usage_limit_reached"}


def test_the_checks_run_in_the_documented_order() -> None:
    p = promo(coupon_codes=["A"], usage_limit_per_customer=1, usage_limit=1)
    full = UsageCounts({("acme", "P1"): 1})
    assert codes(run(p, usage=full)) == {"P1": "coupon_missing"}
    assert codes(run(p, coupons=["A"], usage=full)) == {"P1": "customer_required"}
    assert codes(run(p, coupons=["A"], customer_id="c", usage=full)) == {
        "P1": "usage_limit_reached"
    }


def test_usage_counts_from_their_file_form() -> None:
    usage = usage_from_wire(
        {"promotions": [{"retailer": "acme", "promo_id_retailer": "P1", "redemptions": 3}]}
    )
    assert usage == UsageCounts({("acme", "P1"): 3}, {("acme", "P1"): 0})
    with pytest.raises(ValidationError) as info:
        usage_from_wire({"promotions": [{"retailer": "acme", "redemptions": -1}]})
    assert {e.path for e in info.value.errors} == {
        "promotions[0].promo_id_retailer",
        "promotions[0].redemptions",
    }


def test_the_engine_doc_example() -> None:
    """docs/engine.md, "Usage counts"."""
    promo_ = promotion_from_wire(
        {
            "retailer": "acme",
            "promo_id_retailer": "WELCOME",
            "family": "e",
            "discount_value": "10",
            "coupon_codes": ["welcome10"],
            "usage_limit": 1000,
            "usage_limit_per_customer": 1,
            "start_date_time": "2026-01-01T00:00:00Z",
            "end_date_time": "2027-01-01T00:00:00Z",
            "stores": ["s-1"],
            "promo_groups": [
                {"name": "g1", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "PEN"}]}
            ],
        }
    )
    rules = RuleSet.compile([promo_])
    request: dict[str, Any] = {
        "store_id": "s-1",
        "customer_id": "c-9",
        "coupons": ["WELCOME10"],
        "basket": {"items": [{"sku": "PEN", "mrp": "10.00", "qty": 1}]},
    }
    assert evaluate_json(request, rules, now=NOW)["coupons_info"] == [
        {"code": "WELCOME10", "status": "applied", "promo_id_retailer": "WELCOME"}
    ]
    used = UsageCounts(
        redemptions={("acme", "WELCOME"): 12}, customer_redemptions={("acme", "WELCOME"): 1}
    )
    response = evaluate_json({**request, "explain": True}, rules, now=NOW, usage=used)
    assert response["coupons_info"] == [
        {"code": "WELCOME10", "status": "not_applied", "promo_id_retailer": "WELCOME"}
    ]
    assert codes(response) == {"WELCOME": "usage_limit_reached"}


def test_a_usage_source_is_asked_only_for_limited_promotions_the_basket_meets() -> None:
    asked: list[tuple[tuple[str, ...], str | None]] = []

    def source(limited: tuple[Any, ...], customer: str | None) -> UsageCounts:
        asked.append((tuple(p.promo_id_retailer for p in limited), customer))
        return UsageCounts({("acme", "L"): 1})

    limited = promo("L", usage_limit=1)
    elsewhere = promo(
        "X",
        usage_limit=1,
        promo_groups=[
            {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "INK"}]}
        ],
    )
    rules = RuleSet.compile(promotion_from_wire(p) for p in (limited, elsewhere))
    body = {"store_id": STORE, "basket": {"items": [{"sku": "PEN", "mrp": "10", "qty": 1}]}}
    assert evaluate_json(body, rules, now=NOW, usage=source)["basket"]["discount"] == "0.000"
    assert asked == [(("L",), None)]
    plain = RuleSet.compile([promotion_from_wire(promo("P"))])
    evaluate_json(body, plain, now=NOW, usage=source)
    assert len(asked) == 1  # no limits: never asked
