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
