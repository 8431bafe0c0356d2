"""SPEC §3.3: favour customer gives "the largest discount the rule allows", meant
literally; favour retailer the cheapest units, most expensive the dearest — for every
family that selects units, on weighed goods whose discount does not grow with price."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from .helpers import evaluate, group, item, node, promo

# 2.00 off per kg: the cheaper 1.5 kg bag gets 3.00, the dearer 0.5 kg bag 1.00.
BAGS = [item("HEAVY", "6.00", weight="1.5"), item("LIGHT", "9.00", weight="0.5")]
PER_KG = {"discount_type": "v", "discount_value": "2.00", "discount_type_strategy": "e"}
EXPECTED = {"l": "HEAVY", "lc": "HEAVY", "m": "LIGHT"}


def bags(minimum: int = 1) -> dict[str, Any]:
    return group("bags", minimum, node("HEAVY"), node("LIGHT"))


def one_bag_promotions(criterion: str) -> dict[str, dict[str, Any]]:
    """One promotion per family, each discounting exactly one of the two bags."""
    fields = {**PER_KG, "discounted_group_item_selection_criteria": criterion}
    till = group("till", 1, node("RECEIPT"))
    return {
        "e": promo("E", "e", bags(), **fields),
        "p": promo("P", "p", {**bags(), "qty_or_value_max": "1"}, **fields),
        "c": promo("C", "c", bags(), till, **fields),
        "l": promo("L", "l", bags(), **fields),
        "r": promo("R", "r", till, bags(), target_discounted_group_name="bags", **fields),
        "t": promo(
            "T",
            "t",
            bags(),
            group("spend", "0", node("RECEIPT")),
            target_discounted_group_name="bags",
            **fields,
        ),
    }


@pytest.mark.parametrize("criterion", ["l", "lc", "m"])
@pytest.mark.parametrize("family", ["e", "p", "c", "l", "r", "t"])
def test_each_criterion_picks_its_bag_in_every_family(family: str, criterion: str) -> None:
    wire = evaluate([*BAGS, item("RECEIPT", "1.00")], one_bag_promotions(criterion)[family])
    picked = EXPECTED[criterion]
    other = "LIGHT" if picked == "HEAVY" else "HEAVY"
    assert wire.unit_discounts(picked) == [D("3.00") if picked == "HEAVY" else D("1.00")]
    assert wire.unit_discounts(other) == []


def test_favour_customer_takes_the_larger_percentage_of_a_lower_final_price() -> None:
    # 50 % of MRP, clamped to what the unit costs now: the sale unit (MRP 40.00, now
    # 5.00) gets only 5.00, the full-price 30.00 unit 15.00, so favour customer takes it.
    wire = evaluate(
        [{**item("SALE", "40.00"), "sp": "5.00"}, item("FULL", "30.00")],
        promo(
            "E",
            "e",
            group("g1", 1, node("SALE"), node("FULL")),
            discount_value="50",
            discounted_group_item_selection_criteria="lc",
        ),
    )
    assert wire.unit_discounts("FULL") == [D("15.00")]
    assert wire.unit_discounts("SALE") == []


def test_favour_customer_with_an_allocated_value_takes_the_dearest_units() -> None:
    # 10.00 off a set of one: every unit would get 10.00, so the dearest is taken.
    wire = evaluate(
        [item("A", "20.00"), item("B", "30.00")],
        promo(
            "E",
            "e",
            group("g1", 1, node("A"), node("B")),
            discount_type="v",
            discount_value="10",
            discounted_group_item_selection_criteria="lc",
        ),
    )
    assert wire.unit_discounts("B") == [D("10.00")]
