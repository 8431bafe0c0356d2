"""Family m Evenly distributed multiline — like r, the discount shared by every unit of
the application (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def buy_three_get_two_free(**fields: object) -> dict[str, object]:
    return promo(
        "EVEN",
        "m",
        group("g1", 5, node("ALL")),
        target_discounted_group_qty_min=2,
        discount_value="100",
        **fields,
    )


def test_five_oranges_buy_three_get_two_free_takes_eight_off_each() -> None:
    wire = evaluate([item("ORANGE", "20.00", 5)], buy_three_get_two_free())
    assert wire.unit_discounts("ORANGE") == [D("8.00")] * 5
    assert wire.unit_finals("ORANGE") == [D("12.00")] * 5
    assert wire.discount == D("40.00")
    assert wire.requisite_qty("ORANGE") == 0


def test_the_discount_is_spread_in_proportion_to_price_by_default() -> None:
    # favour retailer frees the two cheapest (10 + 10 = 20), shared over 100 of goods
    wire = evaluate(
        [item("A", "30.00", 2), item("B", "20.00", 1), item("C", "10.00", 2)],
        buy_three_get_two_free(),
    )
    assert wire.discount == D("20.00")
    assert wire.unit_discounts("A") == [D("6.00")] * 2
    assert wire.unit_discounts("B") == [D("4.00")]
    assert wire.unit_discounts("C") == [D("2.00")] * 2


def test_split_e_spreads_the_discount_in_equal_parts() -> None:
    wire = evaluate(
        [item("A", "30.00", 2), item("B", "20.00", 1), item("C", "10.00", 2)],
        buy_three_get_two_free(
            extra_data={"evenly_distributed_multiline_discount_split_type": "e"}
        ),
    )
    for sku in ("A", "B", "C"):
        assert set(wire.unit_discounts(sku)) == {D("4.00")}
    assert wire.discount == D("20.00")


def test_equal_parts_put_the_rounding_remainder_on_the_cheapest_unit() -> None:
    wire = evaluate(
        [item("A", "9.00", 1), item("B", "8.00", 1), item("C", "5.00", 1)],
        promo(
            "EVEN",
            "m",
            group("g1", 3, node("ALL")),
            target_discounted_group_qty_min=1,
            discount_value="100",
            extra_data={"evenly_distributed_multiline_discount_split_type": "e"},
        ),
    )
    # 5.00 free, shared in three: 1.67 + 1.67 + 1.66
    assert wire.line_discount("A") == D("1.67")
    assert wire.line_discount("B") == D("1.67")
    assert wire.line_discount("C") == D("1.66")


def test_favour_customer_uses_the_same_sets_as_requisite_target() -> None:
    wire = evaluate(
        [item(f"P{p}", f"{p}.00") for p in (10, 9, 8, 7, 6, 5)],
        promo(
            "EVEN",
            "m",
            group("g1", 3, node("ALL")),
            target_discounted_group_qty_min=1,
            discount_value="100",
            max_application_limit=2,
            discounted_group_item_selection_criteria="lc",
        ),
    )
    # sets 10,9,8 (8 free) and 7,6,5 (5 free): 13.00 spread over all six units
    assert wire.discount == D("13.00")
    assert wire.line_discount("P10") == D("2.96")  # 8 × 10/27
    assert wire.line_discount("P7") == D("1.94")  # 5 × 7/18


def test_two_groups_share_the_target_discount_with_the_requisite() -> None:
    phone_and_case = promo(
        "EVEN",
        "m",
        group("phones", 1, node("PHONE")),
        group("cases", 1, node("CASE")),
        target_discounted_group_name="cases",
        discount_value="50",
    )
    wire = evaluate([item("PHONE", "500.00", 1), item("CASE", "20.00", 1)], phone_and_case)
    # r would take 10.00 off the case; shared 500 : 20 that is 9.62 + 0.38
    assert wire.line_discount("PHONE") == D("9.62")
    assert wire.line_discount("CASE") == D("0.38")
    assert wire.requisite_qty("PHONE") == 0


def dear_target_cheap_requisite(split: str) -> dict[str, object]:
    """Buy 1 get 1 free, most expensive: the 100.00 unit is free, the 10.00 one qualifies."""
    return promo(
        "EVEN",
        "m",
        group("g1", 2, node("ALL")),
        target_discounted_group_qty_min=1,
        discount_value="100",
        discounted_group_item_selection_criteria="m",
        extra_data={"evenly_distributed_multiline_discount_split_type": split},
    )


def test_equal_split_passes_a_capped_share_to_the_other_units() -> None:
    # r would give 100.00; halves of 50.00 do not fit the 10.00 unit, so it pays nothing
    # and the 100.00 unit takes the other 90.00: the application gives what r gives.
    wire = evaluate(
        [item("DEAR", "100.00"), item("CHEAP", "10.00")], dear_target_cheap_requisite("e")
    )
    assert wire.line_discount("CHEAP") == D("10.00")
    assert wire.line_discount("DEAR") == D("90.00")
    assert wire.discount == D("100.00")


def test_price_split_passes_a_capped_share_to_the_other_units() -> None:
    # Shares by MRP (100 : 100) do not fit the unit on sale at 10.00.
    wire = evaluate(
        [item("DEAR", "100.00"), {**item("SALE", "100.00"), "sp": "10.00"}],
        dear_target_cheap_requisite("p"),
    )
    assert wire.line_discount("SALE") == D("10.00")
    assert wire.line_discount("DEAR") == D("90.00")
    assert wire.discount == D("100.00")


def test_equal_split_of_equal_prices_is_the_same_under_every_criterion() -> None:
    for criterion in ("l", "lc", "m"):
        wire = evaluate(
            [item("A", "10.00", 3)],
            {
                **dear_target_cheap_requisite("e"),
                "discounted_group_item_selection_criteria": criterion,
            },
        )
        assert wire.unit_discounts("A") == [D("5.00")] * 2, criterion
