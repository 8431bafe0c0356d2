"""Family c Combo — "buy N1 of g1 and N2 of g2, get a discount on the bundle" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def meal(**fields: object) -> dict[str, object]:
    return promo(
        "MEAL",
        "c",
        group("g1", 3, node("BURGER")),
        group("g2", 2, node("COKE")),
        discount_type="f",
        discount_value="50",
        **fields,
    )


def test_three_burgers_and_two_cokes_for_fifty_allocates_ten_off_by_price() -> None:
    wire = evaluate([item("BURGER", "10.00", 3), item("COKE", "15.00", 2)], meal())
    assert wire.unit_discounts("COKE") == [D("2.50"), D("2.50")]
    assert sorted(wire.unit_discounts("BURGER"), reverse=True) == [D("1.67"), D("1.67"), D("1.66")]
    assert wire.discount == D("10.00")
    assert wire.total_after_promos == D("50.00")


def test_a_missing_group_member_stops_the_combo_and_is_suggested() -> None:
    wire = evaluate([item("BURGER", "10.00", 3), item("COKE", "15.00", 1)], meal())
    assert wire.discount == D("0.00")
    assert wire.suggestions("COKE")[0]["missing_qty"] == 1


def test_a_unit_counts_in_one_group_only() -> None:
    wire = evaluate(
        [item("X", "10.00", 1)],
        promo(
            "TWO", "c", group("g1", 1, node("X")), group("g2", 1, node("X")), discount_value="50"
        ),
    )
    assert wire.discount == D("0.00")
