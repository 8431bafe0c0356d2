"""``explain: true`` (SPEC §6): every promotion that took part or was considered gets a
stable code and a message; each code is reached through ``evaluate_json``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from mspromo_engine import evaluate_json, promotion_from_wire
from mspromo_engine.explain import Reason, describe
from mspromo_engine.ruleset import RuleSet

STORE = "s-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


def pens(promo_min: str = "3") -> dict[str, Any]:
    return {"name": "g1", "qty_or_value_min": promo_min, "promo_group_nodes": [{"node_id": "PEN"}]}


def promo(promo_id: str = "P1", **fields: Any) -> dict[str, Any]:
    """Easy "buy 3 pens, 10 % off" unless ``fields`` say otherwise."""
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "promo_id": f"id-{promo_id}",
        "family": "e",
        "discount_value": "10",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": [pens()],
    }
    out.update(fields)
    return out


def explain(
    *promos: dict[str, Any], qty: int = 3, items: list[dict[str, Any]] | None = None, **request: Any
) -> dict[str, dict[str, Any]]:
    rules = RuleSet.compile(promotion_from_wire(p) for p in promos)
    lines = items or [{"sku": "PEN", "item_id": "line-1", "mrp": "15.00", "qty": qty}]
    body: dict[str, Any] = {"store_id": STORE, "basket": {"id": "b-1", "items": lines}}
    body.update(request)
    response = evaluate_json({**body, "explain": True}, rules, now=NOW)
    return {e["promo_id_retailer"]: e for e in response["explanations"]}


def code(*promos: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    return {k: e["code"] for k, e in explain(*promos, **kwargs).items()}


def test_explanations_are_absent_unless_asked_for() -> None:
    rules = RuleSet.compile([promotion_from_wire(promo())])
    body = {"store_id": STORE, "basket": {"items": [{"sku": "PEN", "mrp": "1", "qty": 3}]}}
    assert "explanations" not in evaluate_json(body, rules, now=NOW)


def test_applied_reports_the_promotions_discount() -> None:
    assert explain(promo())["P1"] == {
        "promo_id": "id-P1",
        "promo_id_retailer": "P1",
        "code": "applied",
        "message": "applied",
        "discount": "4.500",
    }


def test_inactive() -> None:
    assert code(promo(is_active=False)) == {"P1": "inactive"}


def test_outside_window() -> None:
    assert code(promo(end_date_time="2026-11-25T10:00:00Z")) == {"P1": "outside_window"}


def test_inactive_day() -> None:
    assert code(promo(active_days="1101111")) == {"P1": "inactive_day"}


def test_outside_happy_hour() -> None:
    happy = promo(
        is_happy_hour=True,
        start_date_time="2026-01-01T17:00:00Z",
        end_date_time="2026-12-31T19:00:00Z",
    )
    assert code(happy) == {"P1": "outside_happy_hour"}
    assert code(happy, at="2026-11-25T17:30:00Z") == {"P1": "applied"}


def test_not_in_store() -> None:
    assert code(promo(stores=["s-2"])) == {"P1": "not_in_store"}


def test_qualifier_missing() -> None:
    special = promo(availability="s", special_promo_info=[{"group_qualifier_id": "GOLD"}])
    assert code(special) == {"P1": "qualifier_missing"}


def test_not_enough_units_says_how_many_are_missing() -> None:
    explanation = explain(promo(), qty=1)["P1"]
    assert explanation["code"] == "not_enough_units"
    assert explanation["missing_qty"] == 2
    assert explanation["message"] == "not enough eligible units: 2 more needed"
    assert explanation["discount"] == "0.000"


def test_spend_below_threshold_says_how_much_is_missing() -> None:
    spend_100 = promo(
        family="b",
        discount_type="v",
        discount_value="10",
        promo_groups=[
            {"name": "g1", "qty_or_value_min": "100", "promo_group_nodes": [{"node_id": "ALL"}]}
        ],
    )
    explanation = explain(spend_100, qty=3)["P1"]
    assert explanation["code"] == "spend_below_threshold"
    assert explanation["missing_value"] == "55.000"
    assert (
        explanation["message"] == "the qualifying spend is below the threshold: 55.00 more needed"
    )


def test_all_units_excluded() -> None:
    everything_but_pens = promo(
        promo_groups=[
            {
                "name": "g1",
                "qty_or_value_min": "1",
                "promo_group_nodes": [
                    {"node_id": "ALL"},
                    {"node_id": "PEN", "is_excluded": True},
                ],
            }
        ]
    )
    assert code(everything_but_pens) == {"P1": "all_units_excluded"}


def test_no_eligible_units() -> None:
    # The rule set's index never offers a stored promotion that no unit can match, so
    # this code is seen for on-the-fly promotions (docs/explain.md).
    ink = promo(
        promo_groups=[
            {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "INK"}]}
        ]
    )
    assert code(promo_override=[ink]) == {"P1": "no_eligible_units"}


def test_units_taken_by_an_earlier_priority_promotion_in_the_layer() -> None:
    first = promo("A", evaluate_priority=1, discount_value="20")
    second = promo("B", evaluate_priority=2)
    explanations = explain(first, second)
    assert explanations["A"]["code"] == "applied"
    assert explanations["B"]["code"] == "units_taken"
    assert "missing_qty" not in explanations["B"]


def test_units_taken_is_not_claimed_when_the_promotion_could_never_apply() -> None:
    first = promo("A", evaluate_priority=1)
    five = promo("B", evaluate_priority=2, promo_groups=[pens("5")])
    explanations = explain(first, five)
    assert explanations["B"]["code"] == "not_enough_units"
    # Counted on what this evaluation left it: A keeps its three pens, so five more.
    assert explanations["B"]["missing_qty"] == 5


def test_units_in_an_earlier_layer_are_free_again_so_both_apply() -> None:
    assert code(promo("A", layer=1), promo("B", layer=2)) == {"A": "applied", "B": "applied"}


def test_lost_best_discount_when_it_would_apply_alone() -> None:
    small = promo("A", evaluate_criteria="b", discount_value="10")
    large = promo("B", evaluate_criteria="b", discount_value="20")
    explanations = explain(small, large)
    assert explanations["B"]["code"] == "applied"
    assert explanations["A"]["code"] == "lost_best_discount"
    assert explanations["A"]["message"] == (
        "another combination of promotions gives a larger discount"
    )


def test_a_best_discount_promotion_that_cannot_apply_alone_is_not_a_loser() -> None:
    large = promo("A", evaluate_criteria="b", discount_value="20")
    five = promo("B", evaluate_criteria="b", promo_groups=[pens("5")])
    assert code(large, five) == {"A": "applied", "B": "not_enough_units"}


def test_zero_discount() -> None:
    assert code(promo(discount_value="0")) == {"P1": "zero_discount"}


def test_capped_by_max_discount_reports_the_capped_amount() -> None:
    explanation = explain(promo(discount_value="50", max_discount="5.00"))["P1"]
    assert explanation["code"] == "capped_by_max_discount"
    assert explanation["discount"] == "5.000"


def test_a_cap_that_does_not_bite_is_just_applied() -> None:
    assert code(promo(max_discount="100.00")) == {"P1": "applied"}


def test_every_promotion_considered_is_explained_once() -> None:
    explanations = explain(
        promo("A", evaluate_priority=1),
        promo("B", stores=["s-2"]),
        promo("C", is_active=False),
        promo("D", evaluate_priority=2),
    )
    assert sorted(explanations) == ["A", "B", "C", "D"]


def test_the_first_failing_check_gives_the_code() -> None:
    assert code(promo(is_active=False, stores=["s-2"])) == {"P1": "inactive"}
    late = {"start_date_time": "2027-01-01T00:00:00Z", "end_date_time": "2027-02-01T00:00:00Z"}
    assert code(promo(stores=["s-2"], **late)) == {"P1": "not_in_store"}
    assert code(promo(active_days="0000000", **late)) == {"P1": "outside_window"}
    special = {"availability": "s", "special_promo_info": [{"group_qualifier_id": "GOLD"}]}
    assert code(promo(active_days="0000000", **special)) == {"P1": "inactive_day"}


def test_reason_codes_are_the_documented_stable_strings() -> None:
    assert {r.value for r in Reason} == {
        "applied",
        "inactive",
        "outside_window",
        "inactive_day",
        "outside_happy_hour",
        "not_in_store",
        "qualifier_missing",
        "coupon_missing",
        "customer_required",
        "usage_limit_reached",
        "no_eligible_units",
        "all_units_excluded",
        "units_taken",
        "not_enough_units",
        "spend_below_threshold",
        "lost_best_discount",
        "zero_discount",
        "capped_by_max_discount",
    }


@pytest.mark.parametrize("reason", list(Reason))
def test_every_code_has_a_message(reason: Reason) -> None:
    assert describe(reason)


def test_messages_name_the_missing_amount() -> None:
    assert describe(Reason.NOT_ENOUGH_UNITS, 2) == "not enough eligible units: 2 more needed"
    text = describe(Reason.SPEND_BELOW_THRESHOLD, Decimal("5.50"))
    assert text == "the qualifying spend is below the threshold: 5.50 more needed"
