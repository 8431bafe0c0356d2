"""Suggestions and item recommendations (mspromo_engine.recommend)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mspromo_engine import RuleSet, ValidationError, evaluate_json, promotion_from_wire
from mspromo_engine.recommend import item_recommendations_json, suggestions_json

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def _promo(pid: str, nodes: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": "r1",
        "promo_id_retailer": pid,
        "family": "e",
        "discount_type": "v",
        "discount_value": "10",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "promo_groups": [{"name": "g1", "qty_or_value_min": 3, "promo_group_nodes": nodes}],
    }
    out.update(kw)
    return out


def _rules(*promos: dict[str, Any]) -> RuleSet:
    return RuleSet.compile(promotion_from_wire(p) for p in promos)


RULES = _rules(
    _promo("PEN3", [{"node_id": "PEN", "node_type": "i"}]),
    _promo(
        "DAIRY",
        [
            {"node_id": "DAIRY", "node_type": "c1"},
            {"node_id": "MILK", "node_type": "i", "is_excluded": True},
        ],
    ),
    _promo(
        "ALL",
        [
            {"node_id": "ALL", "node_type": "i"},
            {"node_id": "TOBACCO", "node_type": "c1", "is_excluded": True},
        ],
        evaluate_priority=1,
    ),
    _promo("OLD", [{"node_id": "PEN", "node_type": "i"}], end_date_time="2026-02-01T00:00:00Z"),
    _promo("OFF", [{"node_id": "PEN", "node_type": "i"}], is_active=False),
)


def _suggest(nodes: list[dict[str, Any]]) -> dict[str, list[str]]:
    body = suggestions_json({"store_id": "s-1", "nodes": nodes}, RULES, now=NOW)
    return {
        s["node_id"]: [p["promo_id_retailer"] for p in s["promotions"]] for s in body["suggestions"]
    }


def test_suggestions_match_items_categories_and_all_but_not_exclusions() -> None:
    got = _suggest(
        [
            {"node_id": "PEN", "node_type": "i"},
            {"node_id": "DAIRY", "node_type": "c1"},
            {"node_id": "MILK"},
            {"node_id": "TOBACCO", "node_type": "c1"},
        ]
    )
    assert got["PEN"] == ["ALL", "PEN3"]  # priority 1 first; OLD expired, OFF inactive
    assert got["DAIRY"] == ["ALL", "DAIRY"]
    assert got["MILK"] == ["ALL"]  # excluded from DAIRY by SKU
    assert got["TOBACCO"] == []


def test_suggestions_respect_at() -> None:
    body = suggestions_json(
        {
            "store_id": "s-1",
            "at": "2026-01-15T00:00:00+00:00",
            "nodes": [{"node_id": "PEN", "node_type": "i"}],
        },
        RULES,
        now=NOW,
    )
    ids = [p["promo_id_retailer"] for p in body["suggestions"][0]["promotions"]]
    assert "OLD" in ids


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ([], ""),
        ({"nodes": []}, "store_id"),
        ({"store_id": "s", "nodes": "PEN"}, "nodes"),
        ({"store_id": "s", "nodes": [5]}, "nodes[0]"),
        ({"store_id": "s", "nodes": [{"node_id": ""}]}, "nodes[0].node_id"),
        ({"store_id": "s", "nodes": [{"node_id": "X", "node_type": "c9"}]}, "nodes[0].node_type"),
        ({"store_id": "s", "nodes": [], "at": "soon"}, "at"),
        ({"store_id": "s", "nodes": [{"node_id": "X"}] * 1001}, "nodes"),
    ],
)
def test_suggestions_validation(body: Any, path: str) -> None:
    with pytest.raises(ValidationError) as info:
        suggestions_json(body, RULES, now=NOW)
    assert path in [e.path for e in info.value.errors]


def _recommend(items: list[dict[str, Any]], rules: RuleSet = RULES) -> list[dict[str, Any]]:
    body = item_recommendations_json(
        {"store_id": "s-1", "basket": {"items": items}}, rules, now=NOW
    )
    recs: list[dict[str, Any]] = body["recommendations"]
    return recs


def test_recommends_what_completes_a_partly_met_promotion() -> None:
    recs = _recommend([{"sku": "PEN", "mrp": "15", "qty": 2}])
    by_id = {r["promo_id_retailer"]: r for r in recs}
    assert by_id["PEN3"]["missing_qty"] == 1
    assert by_id["PEN3"]["completes"] is True
    assert by_id["PEN3"]["nodes"] == [{"node_id": "PEN", "node_type": "i"}]
    assert by_id["ALL"]["missing_qty"] == 1
    assert "DAIRY" not in by_id  # nothing of it in the basket


def test_recommends_extending_when_applications_remain() -> None:
    rules = _rules(_promo("PEN3", [{"node_id": "PEN"}], max_application_limit=2))
    recs = _recommend([{"sku": "PEN", "mrp": "15", "qty": 4}], rules)
    assert recs == [
        {
            "promo_id": "",
            "promo_id_retailer": "PEN3",
            "promo_family": "e",
            "promo_title": "",
            "group": "g1",
            "completes": False,
            "nodes": [{"node_id": "PEN", "node_type": "i"}],
            "missing_qty": 2,
        }
    ]
    assert _recommend([{"sku": "PEN", "mrp": "15", "qty": 6}], rules) == []


def test_basket_threshold_recommends_missing_spend() -> None:
    rules = _rules(
        _promo(
            "SPEND50",
            [{"node_id": "ALL"}],
            family="b",
            promo_groups=[
                {"name": "g1", "qty_or_value_min": "50", "promo_group_nodes": [{"node_id": "ALL"}]}
            ],
        )
    )
    recs = _recommend([{"sku": "PEN", "mrp": "15.50", "qty": 2}], rules)
    assert recs[0]["missing_value"] == "19.000"
    assert "missing_qty" not in recs[0]


def test_excluded_items_do_not_count() -> None:
    recs = _recommend(
        [{"sku": "MILK", "mrp": "1", "qty": 2, "categories": [{"type": "c1", "value": "DAIRY"}]}]
    )
    assert "DAIRY" not in {r["promo_id_retailer"] for r in recs}


def test_special_promotions_need_their_qualifier() -> None:
    rules = _rules(
        _promo(
            "GOLD",
            [{"node_id": "PEN"}],
            availability="s",
            special_promo_info=[{"group_qualifier_id": "GOLD"}],
        )
    )
    assert _recommend([{"sku": "PEN", "mrp": "1", "qty": 1}], rules) == []
    body = item_recommendations_json(
        {
            "store_id": "s-1",
            "basket": {"items": [{"sku": "PEN", "mrp": "1", "qty": 1}]},
            "special_promos": [{"group_qualifiers": [{"qualifier_ids": ["GOLD"]}]}],
        },
        rules,
        now=NOW,
    )
    assert [r["promo_id_retailer"] for r in body["recommendations"]] == ["GOLD"]


def test_recommendations_validate_like_evaluate() -> None:
    with pytest.raises(ValidationError) as info:
        item_recommendations_json(
            {"store_id": "s-1", "basket": {"items": [{"sku": "PEN", "mrp": "x", "qty": 1}]}},
            RULES,
            now=NOW,
        )
    assert info.value.errors[0].path == "basket.items[0].mrp"
    with pytest.raises(ValidationError):
        item_recommendations_json({"basket": {"items": []}}, RULES, now=NOW)


# --------------------------------------------------------------------------------------
# The participation check of an evaluation (SPEC §5.1): weekdays and happy hours count.
# NOW is Wednesday 10:00 UTC; in Asia/Kolkata it is 15:30.

PEN = [{"node_id": "PEN", "node_type": "i"}]
SCHEDULED = _rules(
    _promo("ANYDAY", PEN, stores=["s-1"]),
    _promo("NOT-WEDNESDAY", PEN, active_days="1101111", stores=["s-1"]),
    _promo("WEDNESDAY", PEN, active_days="0010000", stores=["s-1"]),
    # 09:00-11:00 wall clock: open at 10:00 UTC, closed at 15:30 in Kolkata.
    _promo(
        "MORNING",
        PEN,
        is_happy_hour=True,
        stores=["s-1"],
        start_date_time="2026-01-01T09:00:00Z",
        end_date_time="2027-01-01T11:00:00Z",
    ),
    # 17:00-19:00 wall clock: closed at 10:00 UTC and at 15:30 in Kolkata.
    _promo(
        "EVENING",
        PEN,
        is_happy_hour=True,
        stores=["s-1"],
        start_date_time="2026-01-01T17:00:00Z",
        end_date_time="2027-01-01T19:00:00Z",
    ),
)


def test_suggestions_leave_out_promotions_off_their_weekday_or_happy_hour() -> None:
    body = suggestions_json({"store_id": "s-1", "nodes": PEN}, SCHEDULED, now=NOW)
    [suggestion] = body["suggestions"]
    ids = [p["promo_id_retailer"] for p in suggestion["promotions"]]
    assert sorted(ids) == ["ANYDAY", "MORNING", "WEDNESDAY"]


def test_recommendations_leave_out_promotions_off_their_weekday_or_happy_hour() -> None:
    recs = _recommend([{"sku": "PEN", "mrp": "15", "qty": 2}], SCHEDULED)
    assert sorted(r["promo_id_retailer"] for r in recs) == ["ANYDAY", "MORNING", "WEDNESDAY"]


def test_recommendations_see_the_happy_hour_in_the_request_time_zone() -> None:
    body = item_recommendations_json(
        {
            "store_id": "s-1",
            "timezone": "Asia/Kolkata",
            "basket": {"items": [{"sku": "PEN", "mrp": "15", "qty": 2}]},
        },
        SCHEDULED,
        now=NOW,
    )
    ids = sorted(r["promo_id_retailer"] for r in body["recommendations"])
    assert ids == ["ANYDAY", "WEDNESDAY"]


def test_suggestions_list_exactly_the_promotions_an_evaluation_lets_take_part() -> None:
    # Each promotion alone on three pens: it applies exactly when it is suggested.
    body = {"store_id": "s-1", "basket": {"items": [{"sku": "PEN", "mrp": "15", "qty": 3}]}}
    applied = []
    for promotion in SCHEDULED.promotions:
        response = evaluate_json(body, RuleSet.compile([promotion]), now=NOW)
        if response["basket"]["discount"] != "0.000":
            applied.append(promotion.promo_id_retailer)
    suggested = suggestions_json({"store_id": "s-1", "nodes": PEN}, SCHEDULED, now=NOW)
    listed = [p["promo_id_retailer"] for p in suggested["suggestions"][0]["promotions"]]
    assert sorted(applied) == sorted(listed) == ["ANYDAY", "MORNING", "WEDNESDAY"]
