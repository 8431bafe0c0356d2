"""A compiled RuleSet is shared by gthread workers: concurrent evaluations must agree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from mspromo_engine import RuleSet, evaluate_json, promotion_from_wire

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def _promotion(pid: str, sku: str, value: str) -> dict[str, object]:
    return {
        "retailer": "r",
        "promo_id_retailer": pid,
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": ["s-1"],
        "discount_type": "v",
        "discount_value": value,
        "max_application_limit": 5,
        "promo_groups": [
            {"name": "g1", "qty_or_value_min": 2, "promo_group_nodes": [{"node_id": sku}]}
        ],
    }


def _request(qty: int) -> dict[str, object]:
    return {
        "store_id": "s-1",
        "basket": {
            "id": f"b-{qty}",
            "items": [
                {"sku": "PEN", "item_id": "1", "mrp": "15.00", "qty": qty},
                {"sku": "INK", "item_id": "2", "mrp": "3.99", "qty": qty + 1},
            ],
        },
    }


def test_concurrent_evaluations_on_one_rule_set_match_sequential_ones() -> None:
    rules = RuleSet.compile(
        [
            promotion_from_wire(_promotion("P1", "PEN", "5")),
            promotion_from_wire(_promotion("P2", "INK", "1.50")),
        ]
    )
    requests = [_request(q) for q in range(1, 9)] * 25
    expected = [evaluate_json(r, rules, now=NOW) for r in requests]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda r: evaluate_json(r, rules, now=NOW), requests))
    assert got == expected
    assert expected[1]["basket"]["discount"] == "6.500"  # 2 pens: 5.00; 3 inks: 1.50
