"""Family t Basket threshold with discounted target — "spend X on g1, get Y from g2
discounted" (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal as D

from .helpers import evaluate, group, item, node, promo


def spend_get(threshold: str, per_app: int = 1, **fields: object) -> dict[str, object]:
    fields.setdefault("discount_value", "100")
    return promo(
        "GIFT",
        "t",
        group("spend", threshold, node("ALL")),
        group("gift", per_app, node("MUG")),
        target_discounted_group_name="gift",
        **fields,
    )


def test_spend_fifty_get_a_mug_free() -> None:
    wire = evaluate([item("TEA", "30.00", 2), item("MUG", "8.00", 1)], spend_get("50"))
    assert wire.unit_discounts("MUG") == [D("8.00")]
    assert wire.requisite_qty("TEA") == 2
    assert wire.discount == D("8.00")
    assert wire.basket["basket_threshold_promos"]["applied_promos"][0]["discount"] == "8.000"


def test_the_target_units_do_not_count_towards_the_spend() -> None:
    # the mugs alone would reach 50, but they are the gift
    wire = evaluate([item("TEA", "30.00", 1), item("MUG", "25.00", 1)], spend_get("50"))
    assert wire.discount == D("0.00")
    assert wire.suggestions("TEA")[0]["missing_value"] == "20.000"


def test_the_largest_number_of_applications_the_spend_reaches_applies() -> None:
    wire = evaluate(
        [item("TEA", "30.00", 5), item("MUG", "8.00", 3)],
        spend_get("50", discount_value="50", max_application_limit=3),
    )
    # with the 3 mugs as targets the spend is the tea alone, 150.00 >= 3 × 50.00:
    # three applications, each mug at half price
    assert wire.application_times("GIFT") == 3
    assert wire.unit_discounts("MUG") == [D("4.00")] * 3


def test_a_target_that_would_also_be_spend_is_counted_only_as_a_target() -> None:
    # ALL spend group includes the mugs: 2 mugs as targets leave 60 + 8 = 68 < 2 × 50,
    # so one application (60 + 2 × 8 = 76 ≥ 50)
    wire = evaluate(
        [item("TEA", "60.00", 1), item("MUG", "8.00", 3)],
        spend_get("50", max_application_limit=2),
    )
    assert wire.application_times("GIFT") == 1
    assert wire.line_discount("MUG") == D("8.00")


def test_an_earned_free_item_that_is_not_in_the_basket_is_suggested() -> None:
    wire = evaluate(
        [item("TEA", "30.00", 4), item("MUG", "8.00", 1)],
        spend_get("50", max_application_limit=3),
    )
    # 120.00 of tea earns two free mugs; only one is in the basket
    assert wire.application_times("GIFT") == 1
    assert wire.suggestions("TEA") == [
        {"promo_id": "", "promo_id_retailer": "GIFT", "free_item_missing": 1}
    ]


def test_with_no_target_in_the_basket_the_earned_free_items_are_suggested() -> None:
    wire = evaluate([item("TEA", "30.00", 2)], spend_get("50"), explain=True)
    assert wire.discount == D("0.00")
    assert wire.suggestions("TEA")[0]["free_item_missing"] == 1
    assert wire.body["explanations"][0]["code"] == "not_enough_units"


def test_favour_customer_discounts_the_dearest_target() -> None:
    wire = evaluate(
        [item("TEA", "60.00", 1), item("MUG", "8.00", 1), item("MUG-XL", "12.00", 1)],
        promo(
            "GIFT",
            "t",
            group("spend", "50", node("TEA")),
            group("gift", 1, node("MUG"), node("MUG-XL")),
            target_discounted_group_name="gift",
            discount_value="100",
            discounted_group_item_selection_criteria="lc",
        ),
    )
    assert wire.line_discount("MUG-XL") == D("12.00")
    assert wire.line_discount("MUG") == D("0.00")


def test_runs_in_layer_one_hundred_on_prices_lowered_by_item_level_promotions() -> None:
    tea_half_price = promo(
        "HALF", "e", group("g1", 1, node("TEA")), discount_value="50", max_application_limit=9
    )
    wire = evaluate(
        [item("TEA", "30.00", 3), item("MUG", "8.00", 1)], tea_half_price, spend_get("50")
    )
    # tea now costs 45.00 in all: below 50, no free mug
    assert wire.line_discount("MUG") == D("0.00")
    assert wire.suggestions("TEA")[0]["missing_value"] == "5.000"
