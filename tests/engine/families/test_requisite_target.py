"""Family r Requisite with discounted target — "buy N, get M discounted" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import Wire, evaluate, group, item, node, promo


def buy_get(n: int, m: int, **fields: object) -> dict[str, object]:
    """One group: the minimum is N + M, M of them discounted."""
    fields.setdefault("discount_value", "100")
    return promo(
        "BUYGET",
        "r",
        group("g1", n + m, node("ALL")),
        target_discounted_group_qty_min=m,
        **fields,
    )


SIX = [item(f"P{price}", f"{price}.00") for price in (10, 9, 8, 7, 6, 5)]


def freed(wire: Wire) -> dict[str, D]:
    """The lines of SIX that got a discount, with their discount."""
    skus = [f"P{price}" for price in (10, 9, 8, 7, 6, 5)]
    return {sku: wire.line_discount(sku) for sku in skus if wire.line_discount(sku)}


def test_five_mice_buy_three_get_two_free_takes_three_hundred_off() -> None:
    wire = evaluate([item("MOUSE", "150.00", 5)], buy_get(3, 2))
    assert wire.unit_discounts("MOUSE") == [D("150.00")] * 2
    assert wire.requisite_qty("MOUSE") == 3
    assert wire.discount == D("300.00")


def test_buy_two_get_one_free_twice_favours_retailer_by_freeing_six_and_five() -> None:
    wire = evaluate(SIX, buy_get(2, 1, max_application_limit=2))
    assert freed(wire) == {"P6": D("6.00"), "P5": D("5.00")}
    assert wire.discount == D("11.00")
    # the requisites are the four most expensive units
    assert [wire.requisite_qty(f"P{p}") for p in (10, 9, 8, 7)] == [1, 1, 1, 1]


def test_buy_two_get_one_free_twice_favours_customer_by_freeing_eight_and_five() -> None:
    wire = evaluate(
        SIX,
        buy_get(2, 1, max_application_limit=2, discounted_group_item_selection_criteria="lc"),
    )
    assert freed(wire) == {"P8": D("8.00"), "P5": D("5.00")}
    assert wire.discount == D("13.00")
    assert [wire.requisite_qty(f"P{p}") for p in (10, 9, 7, 6)] == [1, 1, 1, 1]


def test_most_expensive_discounts_the_dearest_units_and_uses_the_next_as_requisites() -> None:
    wire = evaluate(
        SIX,
        buy_get(2, 1, max_application_limit=2, discounted_group_item_selection_criteria="m"),
    )
    assert freed(wire) == {"P10": D("10.00"), "P9": D("9.00")}
    assert [wire.requisite_qty(f"P{p}") for p in (8, 7, 6, 5)] == [1, 1, 1, 1]


def test_requisites_favouring_the_customer_use_the_cheapest_units() -> None:
    wire = evaluate(
        SIX,
        buy_get(
            2,
            1,
            discounted_group_item_selection_criteria="m",
            requisite_groups_item_selection_criteria="lc",
        ),
    )
    assert freed(wire) == {"P10": D("10.00")}
    assert [wire.requisite_qty(f"P{p}") for p in (6, 5)] == [1, 1]
    assert wire.remaining_qty("P9") == 1


def test_applications_stop_at_the_limit() -> None:
    wire = evaluate([item("MOUSE", "150.00", 10)], buy_get(3, 2))
    assert wire.application_times("BUYGET") == 1
    assert wire.discount == D("300.00")
    assert wire.remaining_qty("MOUSE") == 5


def test_with_no_requisites_it_behaves_as_easy() -> None:
    requisite_free = promo(
        "R",
        "r",
        group("g1", 2, node("ALL")),
        target_discounted_group_qty_min=2,
        discount_type="v",
        discount_value="10",
    )
    easy = promo("E", "e", group("g1", 2, node("ALL")), discount_type="v", discount_value="10")
    basket = [item("A", "15.00", 1), item("B", "5.00", 2)]
    r_wire, e_wire = evaluate(basket, requisite_free), evaluate(basket, easy)
    assert r_wire.unit_discounts("A") == e_wire.unit_discounts("A")
    assert r_wire.unit_discounts("B") == e_wire.unit_discounts("B") == [D("5.00"), D("5.00")]
    assert r_wire.requisite_qty("A") == 0


def test_two_groups_discount_the_target_and_take_requisites_from_the_dearest() -> None:
    phone_and_case = promo(
        "CASE",
        "r",
        group("phones", 1, node("PHONE-A"), node("PHONE-B")),
        group("cases", 1, node("CASE")),
        target_discounted_group_name="cases",
        discount_value="50",
        max_application_limit=2,
    )
    wire = evaluate(
        [item("PHONE-A", "300.00", 1), item("PHONE-B", "500.00", 1), item("CASE", "20.00", 1)],
        phone_and_case,
    )
    assert wire.unit_discounts("CASE") == [D("10.00")]
    assert wire.requisite_qty("PHONE-B") == 1
    assert wire.requisite_qty("PHONE-A") == 0
    # a second case would earn the second application with the cheaper phone (the case
    # line is fully consumed, so the suggestion shows on the phone line only)
    assert wire.suggestions("PHONE-A")[0]["missing_qty"] == 1
    assert wire.suggestions("CASE") == []


def test_suggests_the_units_missing_for_the_first_application() -> None:
    wire = evaluate([item("MOUSE", "150.00", 3)], buy_get(3, 2), explain=True)
    assert wire.discount == D("0.00")
    assert wire.suggestions("MOUSE")[0]["missing_qty"] == 2
    [explanation] = wire.body["explanations"]
    assert explanation["code"] == "not_enough_units"
    assert explanation["missing_qty"] == 2


def test_favour_retailer_takes_the_earlier_of_equal_priced_requisites() -> None:
    # Issue 11: buy 1 get 1 free on A, B, C; B and C cost the same, so B (the earlier line)
    # is the requisite and C stays free for the 50 % promotion that follows.
    half_off_c = promo("HALF", "p", group("g1", 1, node("C")), discount_value="50")
    wire = evaluate(
        [item("A", "5.00"), item("B", "10.00"), item("C", "10.00")],
        {**buy_get(1, 1), "evaluate_priority": 1},
        {**half_off_c, "evaluate_priority": 2},
    )
    assert wire.unit_discounts("A") == [D("5.00")]
    assert wire.requisite_qty("B") == 1
    assert wire.unit_discounts("C") == [D("5.00")]
    assert wire.discount == D("10.00")


def test_equal_prices_across_lines_discount_the_earlier_line_under_every_criterion() -> None:
    # Two lines at the same price, buy 1 get 1 free: whichever criterion, the discounted
    # unit is the earlier line's (line order breaks the tie) and the later one qualifies.
    for criterion in ("l", "lc", "m"):
        for lines in (
            [item("A", "10.00"), item("B", "10.00")],
            [item("B", "10.00"), item("A", "10.00")],
        ):
            wire = evaluate(
                lines, buy_get(1, 1, discounted_group_item_selection_criteria=criterion)
            )
            assert wire.unit_discounts("A") == [D("10.00")], criterion
            assert wire.requisite_qty("B") == 1, criterion


def test_equal_priced_units_of_one_line_split_into_targets_and_requisites() -> None:
    for criterion in ("l", "lc", "m"):
        wire = evaluate(
            [item("A", "10.00", 7)],
            buy_get(
                2, 1, max_application_limit=2, discounted_group_item_selection_criteria=criterion
            ),
        )
        assert wire.unit_discounts("A") == [D("10.00")] * 2, criterion
        assert wire.requisite_qty("A") == 4, criterion
        assert wire.remaining_qty("A") == 1, criterion
