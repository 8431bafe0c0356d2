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


def on_sale(sku: str, mrp: str, sp: str) -> dict[str, object]:
    return {**item(sku, mrp), "sp": sp}


def test_value_off_for_the_set_moves_a_share_a_unit_cannot_take_to_the_other_unit() -> None:
    # 30.00 off two units, allocated by MRP (15.00 each); the one on sale at 5.00 can take
    # only 5.00, so the other takes 25.00 and the set still gets 30.00 off.
    wire = evaluate(
        [on_sale("A", "40.00", "40.00"), on_sale("B", "40.00", "5.00")],
        promo(
            "SET", "e", group("g1", 2, node("A"), node("B")), discount_type="v", discount_value="30"
        ),
    )
    assert wire.line_discount("A") == D("25.00")
    assert wire.line_discount("B") == D("5.00")


def test_fixed_price_for_the_set_is_met_when_a_unit_cannot_take_its_share() -> None:
    # The set (45.00 now) should cost 20.00: 25.00 off, 12.50 each by MRP, but B costs
    # only 5.00, so A takes 20.00 and the set costs exactly 20.00.
    wire = evaluate(
        [on_sale("A", "40.00", "40.00"), on_sale("B", "40.00", "5.00")],
        promo(
            "SET", "e", group("g1", 2, node("A"), node("B")), discount_type="f", discount_value="20"
        ),
    )
    assert wire.unit_finals("A") == [D("20.00")]
    assert wire.unit_finals("B") == [D("0.00")]
    assert wire.total_after_promos == D("20.00")
