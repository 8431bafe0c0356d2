"""The reference evaluator on the SPEC's own examples (§4), so that it is anchored to the
SPEC and not only to the engine."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from mspromo_engine import promotion_from_wire, request_from_wire
from mspromo_engine.testing.strategies import EVALUATION_TIME as NOW

from .evaluator import evaluate

STORE = "s-1"


def node(node_id: str, **extra: Any) -> dict[str, Any]:
    return {"node_id": node_id, "node_type": "i", "is_excluded": False, **extra}


def group(name: str, minimum: int, *nodes: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "qty_or_value_min": str(minimum), "promo_group_nodes": list(nodes)}


def promo(promo_id: str, family: str, *groups: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "family": family,
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": list(groups),
        **fields,
    }


def item(sku: str, price: str, qty: int = 1) -> dict[str, Any]:
    return {"sku": sku, "item_id": f"line-{sku}", "mrp": price, "sp": price, "qty": qty}


def reference(items: list[dict[str, Any]], *promotions: dict[str, Any]) -> dict[str, Any]:
    body = {"store_id": STORE, "basket": {"id": "b-1", "items": items}}
    return evaluate(request_from_wire(body, now=NOW), [promotion_from_wire(p) for p in promotions])


def per_unit(response: dict[str, Any], sku: str) -> list[D]:
    [line] = [i for i in response["items"] if i["sku"] == sku]
    return [D(e["discount"]) for e in line["discount_info"] for _ in range(e["consumed_qty"])]


def test_easy_buy_three_for_ten_off_on_four_pens() -> None:
    out = reference(
        [item("PEN", "15.00", 4)],
        promo("E", "e", group("g1", 3, node("PEN")), discount_type="v", discount_value="10"),
    )
    assert sorted(per_unit(out, "PEN")) == [D("3.33"), D("3.33"), D("3.34")]


def test_easy_plus_at_least_three_for_ten_off_on_four_pens() -> None:
    out = reference(
        [item("PEN", "15.00", 4)],
        promo("P", "p", group("g1", 3, node("PEN")), discount_type="v", discount_value="10"),
    )
    assert out["discount"] == "13.330"


def test_combo_three_burgers_and_two_cokes_for_fifty() -> None:
    out = reference(
        [item("BURGER", "10.00", 3), item("COKE", "15.00", 2)],
        promo(
            "C",
            "c",
            group("g1", 3, node("BURGER")),
            group("g2", 2, node("COKE")),
            discount_type="f",
            discount_value="50",
        ),
    )
    assert per_unit(out, "COKE") == [D("2.50")] * 2
    assert sorted(per_unit(out, "BURGER")) == [D("1.66"), D("1.67"), D("1.67")]


def test_line_special_books_pens_and_a_pencil() -> None:
    out = reference(
        [item("BOOK", "10.00", 2), item("PEN", "15.00", 2), item("PENCIL", "20.00", 1)],
        promo(
            "L",
            "l",
            group("g1", 2, node("BOOK", discount_type="p", discount_value="10")),
            group("g2", 2, node("PEN", discount_type="f", discount_value="10")),
            group("g3", 1, node("PENCIL", discount_type="v", discount_value="10")),
        ),
    )
    assert out["discount"] == "22.000"


@pytest.mark.parametrize(("criterion", "discount"), [("l", "11.000"), ("lc", "13.000")])
def test_requisite_buy_two_get_one_free_twice(criterion: str, discount: str) -> None:
    out = reference(
        [item(f"P{p}", f"{p}.00") for p in (10, 9, 8, 7, 6, 5)],
        promo(
            "R",
            "r",
            group("g1", 3, node("ALL")),
            target_discounted_group_qty_min=1,
            discount_value="100",
            max_application_limit=2,
            discounted_group_item_selection_criteria=criterion,
        ),
    )
    assert out["discount"] == discount


def test_even_multiline_five_oranges_buy_three_get_two_free() -> None:
    out = reference(
        [item("ORANGE", "20.00", 5)],
        promo(
            "M",
            "m",
            group("g1", 5, node("ALL")),
            target_discounted_group_qty_min=2,
            discount_value="100",
        ),
    )
    assert per_unit(out, "ORANGE") == [D("8.00")] * 5
