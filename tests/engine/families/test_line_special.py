"""Family l Line special — "each group has its own price" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def stationery() -> dict[str, object]:
    return promo(
        "LINE",
        "l",
        group("g1", 2, node("BOOK", discount_type="p", discount_value="10")),
        group("g2", 2, node("PEN", discount_type="f", discount_value="10")),
        group("g3", 1, node("PENCIL", discount_type="v", discount_value="10")),
    )


def test_each_group_gets_its_own_node_price_for_twenty_two_off() -> None:
    wire = evaluate(
        [item("BOOK", "10.00", 2), item("PEN", "15.00", 2), item("PENCIL", "20.00", 1)],
        stationery(),
    )
    assert wire.unit_discounts("BOOK") == [D("1.00")] * 2
    assert wire.unit_discounts("PEN") == [D("5.00")] * 2
    assert wire.unit_discounts("PENCIL") == [D("10.00")]
    assert wire.discount == D("22.00")


def test_a_unit_whose_fixed_price_is_above_its_price_is_passed_over() -> None:
    wire = evaluate(
        [item("CHEAP", "8.00", 1), item("DEAR", "15.00", 1)],
        promo(
            "LINE",
            "l",
            group("g1", 1, node("ALL")),
            discount_type="f",
            discount_value="10",
            discount_type_strategy="e",
        ),
    )
    assert wire.line_discount("CHEAP") == D("0.00")
    assert wire.line_discount("DEAR") == D("5.00")


def test_nodes_without_their_own_discount_fall_back_to_the_header() -> None:
    wire = evaluate(
        [item("BOOK", "10.00", 1)],
        promo("LINE", "l", group("g1", 1, node("BOOK")), discount_value="20"),
    )
    assert wire.discount == D("2.00")


def fixed_or_percent(criterion: str) -> dict[str, object]:
    """Issue 11's reproduction: X at a fixed 35.00, Y 5 % off, one unit per application."""
    return promo(
        "LINE",
        "l",
        group(
            "g1",
            1,
            node("X", discount_type="f", discount_value="35.00"),
            node("Y", discount_type="p", discount_value="5"),
        ),
        discounted_group_item_selection_criteria=criterion,
    )


def test_favour_customer_takes_the_largest_discount_not_the_dearest_unit() -> None:
    wire = evaluate([item("X", "40.00"), item("Y", "60.00")], fixed_or_percent("lc"))
    assert wire.unit_discounts("X") == [D("5.00")]
    assert wire.unit_discounts("Y") == []
    assert wire.discount == D("5.00")


def test_favour_retailer_takes_the_cheapest_unit_whatever_its_discount() -> None:
    wire = evaluate([item("X", "40.00"), item("Y", "60.00")], fixed_or_percent("l"))
    assert wire.unit_discounts("X") == [D("5.00")]
    assert wire.discount == D("5.00")
    # With the prices swapped round the cheapest unit is the one with the small discount.
    wire = evaluate([item("X", "60.00"), item("Y", "40.00")], fixed_or_percent("l"))
    assert wire.unit_discounts("Y") == [D("2.00")]
    assert wire.discount == D("2.00")


def test_most_expensive_takes_the_dearest_unit_whatever_its_discount() -> None:
    wire = evaluate([item("X", "40.00"), item("Y", "60.00")], fixed_or_percent("m"))
    assert wire.unit_discounts("Y") == [D("3.00")]
    assert wire.discount == D("3.00")


def test_favour_customer_prefers_the_larger_discount_on_a_cheaper_weighed_unit() -> None:
    # 2.00 off per kg: the 1.5 kg bag (3.00 off) beats the dearer 0.5 kg bag (1.00 off).
    wire = evaluate(
        [item("HEAVY", "6.00", weight="1.5"), item("LIGHT", "9.00", weight="0.5")],
        promo(
            "LINE",
            "l",
            group("g1", 1, node("HEAVY"), node("LIGHT")),
            discount_type="v",
            discount_value="2.00",
            discount_type_strategy="e",
            discounted_group_item_selection_criteria="lc",
        ),
    )
    assert wire.unit_discounts("HEAVY") == [D("3.00")]
    assert wire.unit_discounts("LIGHT") == []


def equal_discounts(criterion: str) -> dict[str, object]:
    return promo(
        "LINE",
        "l",
        group("g1", 1, node("A"), node("B")),
        discount_type="v",
        discount_value="5.00",
        discount_type_strategy="e",
        max_application_limit=1,
        discounted_group_item_selection_criteria=criterion,
    )


def test_favour_customer_breaks_an_equal_discount_across_lines_by_line_order() -> None:
    # 5.00 off either way: the first line in (canonical) line order gets it.
    for items in (
        [item("A", "20.00"), item("B", "10.00")],
        [item("B", "10.00"), item("A", "20.00")],
    ):
        wire = evaluate(items, equal_discounts("lc"))
        assert wire.unit_discounts("A") == [D("5.00")]
        assert wire.unit_discounts("B") == []


def test_equal_priced_units_of_one_line_are_taken_in_unit_order() -> None:
    for criterion in ("l", "lc", "m"):
        wire = evaluate([item("A", "10.00", 3)], equal_discounts(criterion))
        assert wire.unit_discounts("A") == [D("5.00")]
        assert wire.remaining_qty("A") == 2
