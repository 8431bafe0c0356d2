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
