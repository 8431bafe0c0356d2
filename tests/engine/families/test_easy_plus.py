"""Family p Easy+ — "buy at least N, every unit gets the deal" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def at_least_three(**fields: object) -> dict[str, object]:
    return promo("PLUS", "p", group("g1", 3, node("PEN")), **fields)


def test_at_least_three_for_ten_off_gives_every_pen_its_share_of_ten_per_set() -> None:
    wire = evaluate(
        [item("PEN", "15.00", 4)], at_least_three(discount_type="v", discount_value="10")
    )
    # 3.33, 3.33, 3.34 for the first set of three, 3.33 for the fourth pen
    assert sorted(wire.unit_discounts("PEN")) == [D("3.33"), D("3.33"), D("3.33"), D("3.34")]
    assert wire.discount == D("13.33")


def test_at_least_three_for_ten_fixed_makes_each_pen_cost_its_share_of_ten() -> None:
    wire = evaluate(
        [item("PEN", "15.00", 4)], at_least_three(discount_type="f", discount_value="10")
    )
    assert sorted(wire.unit_finals("PEN")) == [D("3.33"), D("3.33"), D("3.33"), D("3.34")]
    assert wire.discount == D("46.67")
    assert wire.total_after_promos == D("13.33")


def test_below_the_minimum_nothing_applies_and_the_shortfall_is_suggested() -> None:
    wire = evaluate([item("PEN", "15.00", 2)], at_least_three(discount_value="10"))
    assert wire.discount == D("0.00")
    [suggestion] = wire.suggestions("PEN")
    assert suggestion["missing_qty"] == 1


def test_the_group_maximum_caps_the_discounted_units() -> None:
    wire = evaluate(
        [item("PEN", "15.00", 6)],
        promo("PLUS", "p", group("g1", 3, node("PEN"), qty_or_value_max="4"), discount_value="10"),
    )
    assert wire.unit_discounts("PEN") == [D("1.50")] * 4
    assert wire.remaining_qty("PEN") == 2
