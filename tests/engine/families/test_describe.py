"""The rule in plain words (``describe_promotion``), for every family, and the state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mspromo_engine import (
    PromotionState,
    describe_promotion,
    promotion_from_wire,
    promotion_state,
)
from mspromo_engine.model import Family

from .helpers import group, node, promo

CASES: list[tuple[dict[str, Any], str]] = [
    (
        promo("E", "e", group("g1", 3, node("PEN")), discount_type="v", discount_value="10"),
        "Buy 3 PEN, 10.00 off the 3",
    ),
    (
        promo(
            "E2",
            "e",
            group("g1", 3, node("PEN")),
            discount_type="f",
            discount_value="10",
            discount_type_strategy="e",
            max_application_limit=2,
        ),
        "Buy 3 PEN, 10.00 each; up to 2 times",
    ),
    (
        promo("P", "p", group("g1", 3, node("PEN")), discount_type="v", discount_value="10"),
        "Buy at least 3 PEN, every one gets the deal: 10.00 off every 3",
    ),
    (
        promo(
            "P2",
            "p",
            group("g1", 1, node("DAIRY", "c1"), node("BUTTER", is_excluded=True)),
            discount_value="10",
        ),
        "Buy at least 1 category DAIRY except BUTTER, every one gets the deal: 10% off",
    ),
    (
        promo(
            "C",
            "c",
            group("g1", 3, node("BURGER")),
            group("g2", 2, node("COKE")),
            discount_type="f",
            discount_value="50",
        ),
        "Buy 3 BURGER + 2 COKE, the set for 50.00",
    ),
    (
        promo(
            "L",
            "l",
            group("g1", 2, node("BOOK", discount_type="p", discount_value="10")),
            group("g2", 2, node("PEN", discount_type="f", discount_value="10")),
            group("g3", 1, node("PENCIL", discount_type="v", discount_value="10")),
        ),
        "Buy 2 BOOK (10% off) + 2 PEN (10.00 each) + 1 PENCIL (10.00 off each)",
    ),
    (
        promo(
            "L2",
            "l",
            group(
                "g1",
                1,
                node("BOOK", discount_type="p", discount_value="10"),
                node("NOVEL", discount_type="p", discount_value="20"),
            ),
        ),
        "Buy 1 of BOOK (10% off) or NOVEL (20% off)",
    ),
    (
        promo("B", "b", group("g1", "100", node("ALL")), discount_value="10"),
        "Spend 100.00 on any item, 10% off the lot",
    ),
    (
        promo(
            "B2",
            "b",
            group("g1", "100", node("ALL")),
            discount_type="v",
            discount_value="10",
            max_application_limit=3,
            max_discount="25",
        ),
        "Spend 100.00 on any item, 10.00 off per 100.00 spent; up to 3 times;"
        " at most 25.00 off in total",
    ),
    (
        promo(
            "T",
            "t",
            group("g1", "50", node("TEA")),
            group("g2", 1, node("MUG")),
            target_discounted_group_name="g2",
            discount_value="100",
        ),
        "Spend 50.00 on TEA, get 1 MUG free",
    ),
    (
        promo(
            "R",
            "r",
            group("g1", 5, node("MOUSE")),
            target_discounted_group_qty_min=2,
            discount_value="100",
        ),
        "Buy 3 MOUSE, get 2 more free (the cheapest)",
    ),
    (
        promo(
            "R2",
            "r",
            group("g1", 3, node("MOUSE")),
            group("g2", 2, node("PAD"), node("MAT")),
            target_discounted_group_name="g2",
            discount_value="50",
            discounted_group_item_selection_criteria="m",
        ),
        "Buy 3 MOUSE, get 2 PAD or MAT 50% off (the dearest)",
    ),
    (
        promo(
            "M",
            "m",
            group("g1", 5, node("ORANGE")),
            target_discounted_group_qty_min=2,
            discount_value="100",
            discounted_group_item_selection_criteria="lc",
        ),
        "Buy 3 ORANGE, get 2 more free, shared by all 5 units in proportion to price",
    ),
    (
        promo(
            "M2",
            "m",
            group("g1", 3, node("ORANGE")),
            target_discounted_group_qty_min=1,
            discount_value="100",
            extra_data={"evenly_distributed_multiline_discount_split_type": "e"},
            availability="s",
            special_promo_info=[{"group_qualifier_id": "GOLD"}],
            active_days="1111100",
        ),
        "Buy 2 ORANGE, get 1 more free (the cheapest), shared by all 3 units in equal parts;"
        " loyalty only (GOLD); Mon, Tue, Wed, Thu, Fri only",
    ),
]


@pytest.mark.parametrize(
    ("wire", "expected"), CASES, ids=[c[0]["promo_id_retailer"] for c in CASES]
)
def test_describes_the_rule_in_plain_words(wire: dict[str, Any], expected: str) -> None:
    assert describe_promotion(promotion_from_wire(wire)) == expected


def test_every_family_is_described() -> None:
    assert {promotion_from_wire(w).family for w, _ in CASES} == set(Family)


def test_money_uses_the_currency_decimals() -> None:
    wire = promo("E", "e", group("g1", 3, node("PEN")), discount_type="v", discount_value="10")
    assert describe_promotion(promotion_from_wire(wire), currency_decimals=0) == (
        "Buy 3 PEN, 10 off the 3"
    )
    assert describe_promotion(promotion_from_wire(wire), currency_decimals=3) == (
        "Buy 3 PEN, 10.000 off the 3"
    )


def test_long_node_lists_are_shortened() -> None:
    nodes = [node(f"SKU{i}") for i in range(6)]
    wire = promo("E", "e", group("g1", 1, *nodes), discount_value="5")
    assert describe_promotion(promotion_from_wire(wire)) == (
        "Buy 1 SKU0, SKU1, SKU2 or 3 more, 5% off"
    )


def test_happy_hour_is_named() -> None:
    wire = promo(
        "H",
        "e",
        group("g1", 1, node("BEER")),
        discount_value="20",
        is_happy_hour=True,
        start_date_time="2026-01-01T17:00:00Z",
        end_date_time="2027-01-01T19:00:00Z",
    )
    assert describe_promotion(promotion_from_wire(wire)).endswith("; 17:00–19:00 only")


@pytest.mark.parametrize(
    ("at", "active", "state"),
    [
        (datetime(2025, 12, 31, 23, 59, tzinfo=UTC), True, PromotionState.SCHEDULED),
        (datetime(2026, 1, 1, tzinfo=UTC), True, PromotionState.LIVE),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), True, PromotionState.LIVE),
        (datetime(2027, 1, 1, tzinfo=UTC), True, PromotionState.ENDED),
        (datetime(2026, 6, 1, tzinfo=UTC), False, PromotionState.INACTIVE),
    ],
)
def test_state_at_a_time(at: datetime, active: bool, state: PromotionState) -> None:
    wire = promo("E", "e", group("g1", 1, node("PEN")), is_active=active)
    assert promotion_state(promotion_from_wire(wire), at) is state
