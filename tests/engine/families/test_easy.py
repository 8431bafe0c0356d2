"""Family e Easy — "buy N, get a discount on those N" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def pens(**fields: object) -> dict[str, object]:
    return promo("PENS", "e", group("g1", 3, node("PEN")), **fields)


def test_buy_three_for_ten_off_splits_ten_over_three_pens_and_leaves_the_fourth() -> None:
    wire = evaluate([item("PEN", "15.00", 4)], pens(discount_type="v", discount_value="10"))
    assert sorted(wire.unit_discounts("PEN")) == [D("3.33"), D("3.33"), D("3.34")]
    assert wire.discount == D("10.00")
    assert wire.remaining_qty("PEN") == 1
    assert wire.total_after_promos == D("50.00")


def test_buy_three_for_ten_each_takes_five_off_each_of_three_pens() -> None:
    wire = evaluate(
        [item("PEN", "15.00", 4)],
        pens(discount_type="f", discount_value="10", discount_type_strategy="e"),
    )
    assert wire.unit_discounts("PEN") == [D("5.00")] * 3
    assert wire.unit_finals("PEN") == [D("10.00")] * 3
    assert wire.discount == D("15.00")


def test_applies_once_per_full_set_up_to_the_limit() -> None:
    wire = evaluate(
        [item("PEN", "15.00", 7)],
        pens(discount_type="p", discount_value="10", max_application_limit=3),
    )
    assert wire.application_times("PENS") == 2
    assert wire.unit_discounts("PEN") == [D("1.50")] * 6
    assert wire.remaining_qty("PEN") == 1


def test_favour_retailer_discounts_the_cheapest_units() -> None:
    wire = evaluate(
        [item("A", "10.00", 2), item("B", "20.00", 2)],
        promo("HALF", "e", group("g1", 2, node("ALL")), discount_value="50"),
    )
    assert wire.line_discount("A") == D("10.00")
    assert wire.line_discount("B") == D("0.00")


def test_favour_customer_discounts_the_most_expensive_units() -> None:
    wire = evaluate(
        [item("A", "10.00", 2), item("B", "20.00", 2)],
        promo(
            "HALF",
            "e",
            group("g1", 2, node("ALL")),
            discount_value="50",
            discounted_group_item_selection_criteria="lc",
        ),
    )
    assert wire.line_discount("B") == D("20.00")
    assert wire.line_discount("A") == D("0.00")


def test_suggests_the_units_missing_for_the_next_application() -> None:
    wire = evaluate([item("PEN", "15.00", 4)], pens(discount_value="10", max_application_limit=2))
    [suggestion] = wire.suggestions("PEN")
    assert suggestion["missing_qty"] == 2
