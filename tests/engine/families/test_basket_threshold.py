"""Family b Basket threshold — "spend X, get a discount" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def spend(threshold: str, **fields: object) -> dict[str, object]:
    return promo("SPEND", "b", group("g1", threshold, node("ALL")), **fields)


def test_spend_one_hundred_get_ten_percent_off_every_qualifying_unit() -> None:
    wire = evaluate(
        [item("A", "60.00", 1), item("B", "45.00", 1)], spend("100", discount_value="10")
    )
    assert wire.line_discount("A") == D("6.00")
    assert wire.line_discount("B") == D("4.50")
    assert wire.basket["basket_threshold_promos"]["discount"] == "10.500"


def test_value_off_applies_once_per_threshold_reached_and_allocates_by_price() -> None:
    wire = evaluate(
        [item("A", "150.00", 1), item("B", "60.00", 1)],
        spend("100", discount_type="v", discount_value="10", max_application_limit=3),
    )
    # 210.00 of spend reaches 100 twice: 2 × 10.00, each split 150:60
    assert wire.application_times("SPEND") == 2
    assert wire.discount == D("20.00")
    assert wire.line_discount("A") == D("14.28")
    assert wire.line_discount("B") == D("5.72")
    # Both applications on the one unit of A are reported as one entry with their sum.
    [entry] = wire.line("A")["discount_info"]
    assert [(p["promo_id_retailer"], p["discount"]) for p in entry["applied_promos"]] == [
        ("SPEND", "14.280")
    ]
    assert wire.suggestions("A") == [
        {"promo_id": "", "promo_id_retailer": "SPEND", "missing_value": "90.000"}
    ]


def test_value_off_stops_at_the_application_limit() -> None:
    wire = evaluate(
        [item("A", "500.00", 1)],
        spend("100", discount_type="v", discount_value="10", max_application_limit=2),
    )
    assert wire.discount == D("20.00")
    assert wire.suggestions("A") == []


def test_value_off_needs_at_least_the_value_as_spend() -> None:
    # a threshold below the value would give money away: the threshold becomes 30.00
    wire = evaluate([item("A", "25.00", 1)], spend("10", discount_type="v", discount_value="30"))
    assert wire.discount == D("0.00")
    assert wire.suggestions("A")[0]["missing_value"] == "5.000"


def test_fixed_price_makes_the_qualifying_units_cost_the_value_together() -> None:
    wire = evaluate(
        [item("A", "30.00", 1), item("B", "20.00", 1)],
        spend("40", discount_type="f", discount_value="40", discount_type_strategy="e"),
    )
    assert wire.discount == D("10.00")
    assert wire.line_discount("A") == D("6.00")
    assert wire.line_discount("B") == D("4.00")


def test_below_the_threshold_the_missing_spend_is_suggested_and_explained() -> None:
    wire = evaluate([item("A", "60.00", 1)], spend("100", discount_value="10"), explain=True)
    assert wire.discount == D("0.00")
    assert wire.suggestions("A")[0]["missing_value"] == "40.000"
    [explanation] = wire.body["explanations"]
    assert explanation["code"] == "spend_below_threshold"
    assert explanation["missing_value"] == "40.000"


def test_runs_after_item_level_promotions_on_their_lowered_prices() -> None:
    pens_half_price = promo("HALF", "e", group("g1", 1, node("PEN")), discount_value="50")
    # item-level promotion in layer 1, basket promotion raised from layer 1 to 100
    wire = evaluate(
        [item("PEN", "100.00", 1), item("BOOK", "50.00", 1)],
        pens_half_price,
        spend("100", discount_value="10", discount_value_on="f", layer=1),
    )
    # spend after the pen's 50 % is 50 + 50 = 100: the threshold is met on lowered
    # prices, and 10 % of the final price is 5.00 on each line
    assert wire.line_discount("PEN") == D("55.00")
    assert wire.line_discount("BOOK") == D("5.00")
    [entry] = wire.line("PEN")["discount_info"]
    assert [(p["promo_id_retailer"], p["layer"]) for p in entry["applied_promos"]] == [
        ("HALF", 1),
        ("SPEND", 100),
    ]


def test_the_lowered_prices_can_also_leave_the_spend_short() -> None:
    pens_half_price = promo("HALF", "e", group("g1", 1, node("PEN")), discount_value="50")
    wire = evaluate(
        [item("PEN", "100.00", 1), item("BOOK", "40.00", 1)],
        pens_half_price,
        spend("100", discount_value="10"),
    )
    assert wire.discount == D("50.00")
    # the pen line is consumed by an item-level promotion but still shows the basket
    # threshold suggestion
    assert wire.suggestions("PEN") == [
        {"promo_id": "", "promo_id_retailer": "SPEND", "missing_value": "10.000"}
    ]


def test_units_discounted_earlier_do_not_count_when_apply_on_discounted_items_is_false() -> None:
    pens_half_price = promo("HALF", "e", group("g1", 1, node("PEN")), discount_value="50")
    wire = evaluate(
        [item("PEN", "100.00", 1), item("BOOK", "80.00", 1)],
        pens_half_price,
        spend("60", discount_value="10", apply_on_discounted_items=False),
    )
    assert wire.line_discount("PEN") == D("50.00")
    assert wire.line_discount("BOOK") == D("8.00")


def test_in_the_same_layer_item_level_promotions_run_first_and_keep_their_units() -> None:
    pens_half_price = promo(
        "HALF", "e", group("g1", 1, node("PEN")), discount_value="50", layer=100
    )
    wire = evaluate(
        [item("PEN", "100.00", 1), item("BOOK", "80.00", 1)],
        spend("60", discount_value="10", evaluate_priority=0),
        pens_half_price,
    )
    # the pen is consumed in layer 100 by the item-level promotion, although the basket
    # promotion has the better priority: only the book's 80.00 is qualifying spend
    assert wire.line_discount("PEN") == D("50.00")
    assert wire.line_discount("BOOK") == D("8.00")
