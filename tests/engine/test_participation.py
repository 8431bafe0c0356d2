"""Which promotions take part (SPEC §5.1, §5.4, §5.5): active flag, window, weekday and
happy hour in the store's time zone (DST days included), store scoping, special
availability, on-the-fly promotions, zero discounts and cashback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mspromo_engine import evaluate_json, promotion_from_wire
from mspromo_engine.ruleset import RuleSet

STORE = "s-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PENS = [{"sku": "PEN", "item_id": "line-1", "mrp": "15.00", "sp": "15.00", "qty": 3}]


def promo(promo_id: str = "P1", **fields: Any) -> dict[str, Any]:
    """Easy "buy 3 pens for 10 % off" (4.50 off three pens at 15.00), active all of 2026."""
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "family": "e",
        "discount_value": "10",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": [
            {"name": "g1", "qty_or_value_min": "3", "promo_group_nodes": [{"node_id": "PEN"}]}
        ],
    }
    out.update(fields)
    return out


def evaluate(*promos: dict[str, Any], **request: Any) -> dict[str, Any]:
    rules = RuleSet.compile(promotion_from_wire(p) for p in promos)
    body: dict[str, Any] = {"store_id": STORE, "basket": {"id": "b-1", "items": PENS}}
    body.update(request)
    return evaluate_json(body, rules, now=NOW)


def discount(response: dict[str, Any]) -> Decimal:
    return Decimal(response["basket"]["discount"])


def applies(*promos: dict[str, Any], **request: Any) -> bool:
    return discount(evaluate(*promos, **request)) > 0


def codes(response: dict[str, Any]) -> dict[str, str]:
    return {e["promo_id_retailer"]: e["code"] for e in response["explanations"]}


# ---------------------------------------------------------------------------------------
# Active flag and window (instants)


def test_an_active_promotion_in_its_window_applies() -> None:
    assert discount(evaluate(promo())) == Decimal("4.50")


def test_an_inactive_promotion_never_applies() -> None:
    assert not applies(promo(is_active=False))


def test_the_window_start_is_inclusive_and_the_end_exclusive() -> None:
    window = {"start_date_time": "2026-11-25T10:00:00Z", "end_date_time": "2026-11-25T12:00:00Z"}
    assert applies(promo(**window), at="2026-11-25T10:00:00Z")
    assert applies(promo(**window), at="2026-11-25T11:59:59.999999Z")
    assert not applies(promo(**window), at="2026-11-25T12:00:00Z")
    assert not applies(promo(**window), at="2026-11-25T09:59:59Z")


def test_the_window_is_compared_as_instants_whatever_the_offsets() -> None:
    # Ends at 12:00 in New York = 17:00Z: 16:59Z is inside, 17:00Z outside.
    window = {
        "start_date_time": "2026-11-25T00:00:00Z",
        "end_date_time": "2026-11-25T12:00:00-05:00",
    }
    assert applies(promo(**window), at="2026-11-25T11:59:00-05:00")
    assert applies(promo(**window), at="2026-11-25T16:59:00Z")
    assert not applies(promo(**window), at="2026-11-25T18:00:00+01:00")


# ---------------------------------------------------------------------------------------
# Weekday in the store's time zone


def test_active_days_use_the_weekday_in_the_requests_time_zone() -> None:
    # 23:30Z on Wednesday 25 Nov 2026 is already Thursday 08:30 in Tokyo.
    thursday_only = promo(active_days="0001000")
    at = "2026-11-25T23:30:00Z"
    assert not applies(thursday_only, at=at)  # UTC by default: Wednesday
    assert applies(thursday_only, at=at, timezone="Asia/Tokyo")
    assert not applies(promo(active_days="0010000"), at=at, timezone="Asia/Tokyo")


def test_active_days_are_monday_first() -> None:
    monday = "2026-11-23T10:00:00Z"
    assert applies(promo(active_days="1000000"), at=monday)
    assert not applies(promo(active_days="0111111"), at=monday)


# ---------------------------------------------------------------------------------------
# Happy hour: the wall-clock times written in start/end, in the store's time zone


def happy_hour(start: str, end: str, **fields: Any) -> dict[str, Any]:
    return promo(
        is_happy_hour=True,
        start_date_time=f"2026-01-01T{start}",
        end_date_time=f"2026-12-31T{end}",
        **fields,
    )


def in_london(at: str) -> bool:
    return applies(happy_hour("17:00:00Z", "19:00:00Z"), at=at, timezone="Europe/London")


def test_happy_hour_holds_on_the_spring_forward_day_in_london() -> None:
    # 29 Mar 2026: clocks go 01:00 GMT -> 02:00 BST, so 17:00 in London is 16:00Z.
    assert not in_london("2026-03-29T15:59:00Z")
    assert in_london("2026-03-29T16:00:00Z")
    assert in_london("2026-03-29T17:59:59Z")
    assert not in_london("2026-03-29T18:00:00Z")


def test_happy_hour_holds_on_the_fall_back_day_in_london() -> None:
    # 25 Oct 2026: clocks go 02:00 BST -> 01:00 GMT, so 17:00 in London is 17:00Z.
    assert not in_london("2026-10-25T16:59:00Z")
    assert in_london("2026-10-25T17:00:00Z")
    assert in_london("2026-10-25T18:59:59Z")
    assert not in_london("2026-10-25T19:00:00Z")


def test_happy_hour_in_the_repeated_hour_of_the_fall_back_night_counts_both_times() -> None:
    one_to_two = happy_hour("01:00:00Z", "02:00:00Z")
    # 01:30 happens twice in London that night: at 00:30Z (BST) and at 01:30Z (GMT).
    assert applies(one_to_two, at="2026-10-25T00:30:00Z", timezone="Europe/London")
    assert applies(one_to_two, at="2026-10-25T01:30:00Z", timezone="Europe/London")
    assert not applies(one_to_two, at="2026-10-25T02:00:00Z", timezone="Europe/London")


def test_happy_hour_ignores_the_offset_written_in_the_window() -> None:
    # "17:00+05:30" still means 17:00 on the store's clock.
    offset = happy_hour("17:00:00+05:30", "19:00:00+05:30")
    assert applies(offset, at="2026-11-25T17:30:00Z", timezone="Europe/London")
    assert not applies(offset, at="2026-11-25T12:00:00Z", timezone="Europe/London")


def test_happy_hour_may_cross_midnight() -> None:
    late = happy_hour("22:00:00Z", "02:00:00Z")
    assert not applies(late, at="2026-11-25T21:59:00Z")
    assert applies(late, at="2026-11-25T22:00:00Z")
    assert applies(late, at="2026-11-25T23:59:00Z")
    assert applies(late, at="2026-11-26T01:59:00Z")
    assert not applies(late, at="2026-11-26T02:00:00Z")
    assert not applies(late, at="2026-11-26T12:00:00Z")


def test_the_after_midnight_part_of_a_happy_hour_belongs_to_the_evening_it_started() -> None:
    friday_late = happy_hour("22:00:00Z", "02:00:00Z", active_days="0000100")
    assert applies(friday_late, at="2026-11-27T23:00:00Z")  # Friday evening
    assert applies(friday_late, at="2026-11-28T01:00:00Z")  # early Saturday
    assert not applies(friday_late, at="2026-11-27T01:00:00Z")  # early Friday: Thursday's
    assert not applies(friday_late, at="2026-11-28T23:00:00Z")  # Saturday evening


def test_equal_happy_hour_times_make_an_empty_daily_window() -> None:
    same = happy_hour("17:00:00Z", "17:00:00Z")
    assert not applies(same, at="2026-11-25T17:00:00Z")
    assert not applies(same, at="2026-11-25T10:00:00Z")


def test_happy_hour_still_needs_the_date_window() -> None:
    assert not applies(happy_hour("17:00:00Z", "19:00:00Z"), at="2027-01-05T17:30:00Z")


# ---------------------------------------------------------------------------------------
# Store scoping and on-the-fly promotions


def test_a_stored_promotion_of_another_store_does_not_apply() -> None:
    response = evaluate(promo(stores=["s-2"]), explain=True)
    assert discount(response) == 0
    assert codes(response) == {"P1": "not_in_store"}


def test_a_stored_promotion_with_no_stores_applies_nowhere() -> None:
    assert not applies(promo(stores=[]))


def test_an_override_takes_part_as_if_linked_to_the_store() -> None:
    response = evaluate(promo_override=[promo(stores=[])])
    assert discount(response) == Decimal("4.50")


def test_an_override_replaces_the_stored_promotion_with_the_same_retailer_id() -> None:
    stored = promo(discount_value="10")
    override = promo(discount_value="50")
    response = evaluate(stored, promo_override=[override], explain=True)
    assert discount(response) == Decimal("22.50")
    assert [e["promo_id_retailer"] for e in response["explanations"]] == ["P1"]


def test_an_override_of_another_retailer_does_not_replace_a_stored_promotion() -> None:
    other = promo(retailer="other", discount_value="50", evaluate_priority=0)
    response = evaluate(promo(evaluate_priority=1), promo_override=[other], explain=True)
    assert sorted(e["code"] for e in response["explanations"]) == ["applied", "units_taken"]
    assert discount(response) == Decimal("22.50")


def test_an_override_still_obeys_its_own_window() -> None:
    late = promo(start_date_time="2027-01-01T00:00:00Z", end_date_time="2027-02-01T00:00:00Z")
    assert discount(evaluate(promo_override=[late])) == 0


# ---------------------------------------------------------------------------------------
# Special (loyalty) availability (SPEC §5.4)

GOLD = [
    {"program_name": "club", "group_qualifiers": [{"input": "card", "qualifier_ids": ["GOLD"]}]}
]


def loyalty(**fields: Any) -> dict[str, Any]:
    return promo(
        availability="s",
        special_promo_info=[{"group_qualifier_id": "GOLD", "description": "gold card"}],
        **fields,
    )


def test_a_special_promotion_needs_one_of_its_qualifiers_in_the_request() -> None:
    assert not applies(loyalty())
    silver = [{"program_name": "club", "group_qualifiers": [{"qualifier_ids": ["SILVER"]}]}]
    assert not applies(loyalty(), special_promos=silver)
    assert applies(loyalty(), special_promos=GOLD)


def test_special_discounts_are_summed_with_their_programs() -> None:
    everyone = promo(
        "INK10",
        promo_groups=[
            {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "INK"}]}
        ],
    )
    items = [*PENS, {"sku": "INK", "mrp": "20.00", "qty": 1}]
    response = evaluate(
        loyalty(), everyone, special_promos=GOLD, basket={"id": "b-1", "items": items}
    )
    assert response["basket"]["discount"] == "6.500"
    # Only the loyalty promotion counts as special.
    info = response["basket"]["special_promos_info"]
    assert info == {"discount": "4.500", "applied_programs": ["club"]}


def test_without_special_promotions_the_special_info_is_empty() -> None:
    assert evaluate(promo())["basket"]["special_promos_info"] == {
        "discount": "0.000",
        "applied_programs": [],
    }


# ---------------------------------------------------------------------------------------
# Zero discount and apply types


def test_a_zero_discount_promotion_is_dropped_and_leaves_its_units_free() -> None:
    zero = promo("P0", discount_value="0", evaluate_priority=0)
    response = evaluate(zero, promo("P1", evaluate_priority=1))
    refs = [
        r["promo_id_retailer"]
        for e in response["basket"]["items"][0]["discount_info"]
        for r in e["applied_promos"]
    ]
    assert refs == ["P1"]
    assert discount(response) == Decimal("4.50")


def test_keep_zero_discount_promos_reports_the_zero_promotion() -> None:
    response = evaluate(promo(discount_value="0"), keep_zero_discount_promos=True)
    [entry] = response["basket"]["items"][0]["discount_info"]
    assert entry["consumed_qty"] == 3
    assert entry["discount"] == "0.000"
    assert entry["applied_promos"][0]["promo_id_retailer"] == "P1"
    assert response["basket"]["items"][0]["remaining_info"]["remaining_qty"] == 0


def test_cashback_is_reported_but_does_not_lower_what_the_customer_pays() -> None:
    response = evaluate(promo(discount_apply_type="c"))
    basket = response["basket"]
    assert basket["discount_by_apply_type"] == {"c": "4.500"}
    assert basket["discount"] == "0.000"
    assert basket["total_after_promos"] == basket["total_sp"] == "45.000"
    line = basket["items"][0]
    assert line["discount"] == "0.000"
    assert line["total_after_promos"] == "45.000"
    [entry] = line["discount_info"]
    assert entry["final_price"] == "15.000"
    assert entry["applied_promos"][0]["discount"] == "1.500"


def test_cashback_and_basket_discounts_are_booked_apart_and_totals_stay_consistent() -> None:
    pens = [{"sku": "PEN", "mrp": "15.00", "qty": 6}]
    response = evaluate(
        promo("CB", discount_apply_type="c", evaluate_priority=0),
        promo("BK", discount_apply_type="t", evaluate_priority=1, discount_value="20"),
        basket={"id": "b-1", "items": pens},
    )
    basket = response["basket"]
    assert basket["discount_by_apply_type"] == {"c": "4.500", "t": "9.000"}
    assert basket["discount"] == "9.000"
    total_sp = Decimal(basket["total_sp"])
    assert Decimal(basket["total_after_promos"]) == total_sp - Decimal(basket["discount"])
    assert Decimal(basket["items"][0]["discount"]) == Decimal(basket["discount"])


def test_cashback_still_consumes_its_units_in_its_layer() -> None:
    cashback = promo("CB", discount_apply_type="c", evaluate_priority=0)
    response = evaluate(cashback, promo("BK", evaluate_priority=1), explain=True)
    assert codes(response) == {"CB": "applied", "BK": "units_taken"}
    assert response["basket"]["discount_by_apply_type"] == {"c": "4.500"}


# ---------------------------------------------------------------------------------------
# Property: time does not matter inside the window, and nothing applies outside it

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
TIMELESS = [
    promo(
        "E", start_date_time=START.isoformat(), end_date_time=END.isoformat(), evaluate_priority=0
    ),
    promo(
        "L",
        family="l",
        discount_type="f",
        discount_type_strategy="e",
        discount_value="12.00",
        max_application_limit=2,
        start_date_time=START.isoformat(),
        end_date_time=END.isoformat(),
        promo_groups=[
            {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "INK"}]}
        ],
    ),
]
MIXED = {
    "id": "b-1",
    "items": [
        {"sku": "PEN", "item_id": "1", "mrp": "15.00", "qty": 4},
        {"sku": "INK", "item_id": "2", "mrp": "13.50", "sp": "13.00", "qty": 2},
    ],
}
RULES = RuleSet.compile(promotion_from_wire(p) for p in TIMELESS)
SPAN = int((END - START).total_seconds())
ZONES = st.sampled_from(
    ["UTC", "Europe/London", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe"]
)


def _at(offset: int, zone: str) -> dict[str, Any]:
    body: dict[str, Any] = {"store_id": STORE, "basket": MIXED, "timezone": zone}
    body["at"] = (START + timedelta(seconds=offset)).isoformat()
    return evaluate_json(body, RULES, now=NOW)


REFERENCE = _at(0, "UTC")


def test_the_timeless_reference_basket_gets_both_promotions() -> None:
    # 10 % of 15.00 on three pens, and ink at 13.00 fixed to 12.00 each.
    assert REFERENCE["basket"]["discount"] == "6.500"


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(min_value=0, max_value=SPAN - 1), zone=ZONES)
def test_any_time_inside_the_window_gives_the_same_result(offset: int, zone: str) -> None:
    assert _at(offset, zone)["basket"] == REFERENCE["basket"]


@settings(max_examples=40, deadline=None)
@given(
    offset=st.one_of(
        st.integers(min_value=-10 * SPAN, max_value=-1),
        st.integers(min_value=SPAN, max_value=10 * SPAN),
    ),
    zone=ZONES,
)
def test_no_discount_outside_the_window(offset: int, zone: str) -> None:
    basket = _at(offset, zone)["basket"]
    assert basket["discount"] == "0.000"
    assert all(not line["discount_info"] for line in basket["items"])


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_the_window_edges_are_instants_in_every_zone(zone: str) -> None:
    assert _at(0, zone)["basket"]["discount"] == "6.500"
    assert _at(SPAN, zone)["basket"]["discount"] == "0.000"
