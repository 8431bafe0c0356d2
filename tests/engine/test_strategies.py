"""The public hypothesis strategies generate what they promise: valid by the codec's own
rules, every family with its group shape, every header option, overlapping scenarios."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from mspromo_engine import evaluate_json
from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.families import RULES
from mspromo_engine.model import Family, Promotion
from mspromo_engine.testing.strategies import (
    EVALUATION_TIME,
    Scenario,
    baskets,
    evaluation_requests,
    money,
    promotion_wires,
    promotions,
    rule_sets,
    scenarios,
    wire_requests,
)
from mspromo_engine.wire import promotion_from_wire, promotion_to_wire, request_from_wire

SETTINGS = settings(max_examples=50, deadline=None)
# Existence checks: generation only, no shrinking (the witness itself does not matter).
FIND = settings(
    max_examples=1000,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@SETTINGS
@given(promotion_wires(mixed_participation=True))
def test_every_generated_promotion_round_trips_through_the_codec(wire: dict[str, Any]) -> None:
    promo = promotion_from_wire(wire)
    assert promotion_from_wire(promotion_to_wire(promo)) == promo


@pytest.mark.parametrize("family", list(Family), ids=lambda f: f.value)
def test_every_family_is_generated_by_default(family: Family) -> None:
    found = find(promotions(), lambda p: p.family is family, settings=FIND)
    assert found.family is family


@SETTINGS
@given(promotions())
def test_each_family_gets_its_group_shape(promo: Promotion) -> None:
    n = len(promo.promo_groups)
    names = {g.name for g in promo.promo_groups}
    fam = promo.family
    if fam in (Family.EASY, Family.EASY_PLUS, Family.BASKET_THRESHOLD):
        assert n == 1
    elif fam is Family.COMBO:
        assert n >= 2
    elif fam is Family.LINE_SPECIAL:
        assert n >= 1
    elif fam is Family.BASKET_TARGET:
        assert n == 2
        assert promo.target_discounted_group_name in names
    else:
        assert n in (1, 2)
        if n == 1:
            assert promo.target_discounted_group_qty_min is not None
            assert (
                1 <= promo.target_discounted_group_qty_min <= promo.promo_groups[0].qty_or_value_min
            )
        else:
            assert promo.target_discounted_group_name in names


@SETTINGS
@given(promotions(families=["c", Family.LINE_SPECIAL]))
def test_families_argument_restricts_the_families(promo: Promotion) -> None:
    assert promo.family in (Family.COMBO, Family.LINE_SPECIAL)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(("discount_type", v) for v in "pvf"),
        *(("discount_type_strategy", v) for v in "ae"),
        *(("discount_value_on", v) for v in "msf"),
        *(("discounted_group_item_selection_criteria", v) for v in ("l", "lc", "m")),
        *(("requisite_groups_item_selection_criteria", v) for v in ("l", "lc", "m")),
        *(("evaluate_criteria", v) for v in "pb"),
        *(("discount_apply_type", v) for v in "bctp"),
        ("layer", 3),
        ("max_application_limit", 3),
        ("apply_on_discounted_items", False),
    ],
)
def test_every_header_option_is_generated(field: str, value: object) -> None:
    find(promotion_wires(), lambda w: w[field] == value, settings=FIND)


def test_max_discount_and_priority_are_sometimes_set() -> None:
    find(
        promotion_wires(),
        lambda w: w["max_discount"] is not None and w["evaluate_priority"] is not None,
        settings=FIND,
    )


def _nodes(w: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for g in w["promo_groups"] for n in g["promo_group_nodes"]]


def test_line_special_nodes_carry_their_own_discounts() -> None:
    find(
        promotion_wires(families="l"),
        lambda w: any("discount_type" in n for n in _nodes(w)),
        settings=FIND,
    )


@pytest.mark.parametrize(
    "kind",
    [
        lambda n: n["is_excluded"],
        lambda n: n["node_id"] == "ALL",
        lambda n: n["node_type"] != "i" and n["node_id"] != "ALL",
    ],
    ids=["excluded", "all", "category"],
)
def test_every_kind_of_node_is_generated(kind: Any) -> None:
    find(promotion_wires(), lambda w: any(kind(n) for n in _nodes(w)), settings=FIND)


@SETTINGS
@given(money(3, min_value=Decimal("1.5"), max_value=7))
def test_money_has_the_currency_places_and_stays_in_bounds(amount: Decimal) -> None:
    assert amount.as_tuple().exponent == -3
    assert Decimal("1.5") <= amount <= 7


@SETTINGS
@given(baskets())
def test_basket_lines_have_unique_ids_and_consistent_categories(
    lines: list[dict[str, Any]],
) -> None:
    assert len({line["item_id"] for line in lines}) == len(lines)
    by_sku: dict[str, list[Any]] = {}
    for line in lines:
        by_sku.setdefault(line["sku"], []).append(line["categories"])
        assert Decimal(line["sp"]) <= Decimal(line["mrp"])
    assert all(all(c == cats[0] for c in cats) for cats in by_sku.values())


@SETTINGS
@given(wire_requests(decimals=3))
def test_wire_requests_are_accepted_by_the_codec(body: dict[str, Any]) -> None:
    request = request_from_wire(body, now=EVALUATION_TIME)
    assert request.at == EVALUATION_TIME
    assert len(request.basket.items) == len(body["basket"]["items"])


@SETTINGS
@given(evaluation_requests())
def test_evaluation_requests_are_request_objects(request: EvaluationRequest) -> None:
    assert request.basket.items


@SETTINGS
@given(rule_sets(min_size=2))
def test_rule_sets_have_distinct_promotion_ids(rules: Any) -> None:
    ids = [p.promo_id_retailer for p in rules.promotions]
    assert len(ids) >= 2
    assert len(set(ids)) == len(ids)


@SETTINGS
@given(scenarios())
def test_scenario_promotions_only_name_the_basket_or_strangers(scenario: Scenario) -> None:
    lines = scenario.request["basket"]["items"]
    known = {("i", line["sku"]) for line in lines} | {
        (c["type"], c["value"]) for line in lines for c in line["categories"]
    }
    for wire in scenario.promotions:
        for n in _nodes(wire):
            pair = (n["node_type"], n["node_id"])
            assert n["node_id"] == "ALL" or pair in known or n["node_id"] in ("ZUCCHINI", "YAM")


def test_scenarios_overlap_enough_that_discounts_happen() -> None:
    registered = list(RULES)

    def discounted(s: Scenario) -> bool:
        response = evaluate_json(s.request, s.rules, now=EVALUATION_TIME)
        return Decimal(response["basket"]["discount"]) > 0

    found = find(scenarios(families=registered), discounted, settings=FIND)
    assert found.promotions


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_scenarios_with_promotions_are_valid(data: st.DataObject) -> None:
    scenario = data.draw(scenarios(min_promotions=2, max_promotions=3))
    assert len(scenario.rules) == len(scenario.promotions) >= 2


@pytest.mark.parametrize(
    "code",
    [
        "inactive",
        "outside_window",
        "inactive_day",
        "outside_happy_hour",
        "not_in_store",
        "qualifier_missing",
        "applied",
    ],
)
def test_mixed_participation_reaches_every_participation_rule(code: str) -> None:
    def explained(s: Scenario) -> bool:
        body = {**s.request, "explain": True}
        response = evaluate_json(body, s.rules, now=EVALUATION_TIME)
        return any(e["code"] == code for e in response["explanations"])

    strategy = scenarios(list(RULES), mixed_participation=True)
    find(strategy, explained, settings=FIND)


def test_the_engine_does_not_need_hypothesis() -> None:
    # hypothesis is the optional `testing` extra: only mspromo_engine.testing imports it.
    code = (
        "import sys, mspromo_engine, mspromo_engine.api, mspromo_engine.engine;"
        "sys.exit('hypothesis' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
