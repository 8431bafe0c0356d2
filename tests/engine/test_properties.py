"""SPEC §5.6: determinism and the invariants of every evaluation, as hypothesis
properties over generated scenarios (a store's promotions overlapping a basket).

Only the families registered in ``RULES`` are generated, so every property covers a
new family as soon as it is registered.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mspromo_engine import evaluate, evaluate_json, request_from_wire
from mspromo_engine.families import RULES
from mspromo_engine.result import Evaluation
from mspromo_engine.testing.strategies import EVALUATION_TIME, Scenario, scenarios

REGISTERED = tuple(RULES)
# MSPROMO_PROPERTY_EXAMPLES raises the count for a deeper, occasional run.
PROPERTY = settings(
    max_examples=int(os.environ.get("MSPROMO_PROPERTY_EXAMPLES", "150")), deadline=None
)
# Some promotions do not take part (schedule, store, loyalty), as in a real store.
# Currencies with 0, 2 and 3 decimals (yen, euro, dinar).
SCENARIOS = st.sampled_from([2, 2, 0, 3]).flatmap(
    lambda decimals: scenarios(REGISTERED, decimals=decimals, mixed_participation=True)
)
MONEY = re.compile(r"^\d+\.\d{3}$")
MONEY_KEYS = frozenset(
    {
        "total_mrp",
        "total_sp",
        "discount",
        "total_after_promos",
        "mrp",
        "sp",
        "final_price",
        "missing_value",
    }
)
CASHBACK = "c"


def respond(scenario: Scenario, request: dict[str, Any] | None = None) -> dict[str, Any]:
    body = scenario.request if request is None else request
    return evaluate_json(body, scenario.rules, now=EVALUATION_TIME)


def evaluation(scenario: Scenario) -> Evaluation:
    return evaluate(request_from_wire(scenario.request, now=EVALUATION_TIME), scenario.rules)


def money(text: str) -> Decimal:
    return Decimal(text)


def lines(response: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = response["basket"]["items"]
    return items


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, leaf) of a JSON-shaped value; list members keep their list's key."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    else:
        yield key, value


@PROPERTY
@given(SCENARIOS)
def test_the_same_request_and_rules_always_give_the_same_response(scenario: Scenario) -> None:
    assert respond(scenario) == respond(scenario)


@PROPERTY
@given(SCENARIOS, st.randoms(use_true_random=False))
def test_the_order_of_lines_does_not_change_the_result(scenario: Scenario, rnd: Any) -> None:
    shuffled_items = list(scenario.request["basket"]["items"])
    rnd.shuffle(shuffled_items)
    shuffled = {
        **scenario.request,
        "basket": {**scenario.request["basket"], "items": shuffled_items},
    }

    original = respond(scenario)
    reordered = respond(scenario, shuffled)

    by_id = {line["item_id"]: line for line in lines(reordered)}
    assert {line["item_id"]: line for line in lines(original)} == by_id
    strip = {k: v for k, v in original["basket"].items() if k != "items"}
    assert strip == {k: v for k, v in reordered["basket"].items() if k != "items"}
    assert {k: v for k, v in original.items() if k != "basket"} == {
        k: v for k, v in reordered.items() if k != "basket"
    }


@PROPERTY
@given(SCENARIOS)
def test_every_unit_pays_between_nothing_and_its_sale_price(scenario: Scenario) -> None:
    for line in lines(respond(scenario)):
        sp = money(line["sp"])
        discounted_units = 0
        for entry in line["discount_info"]:
            assert Decimal(0) <= money(entry["final_price"]) <= sp
            assert money(entry["final_price"]) == sp - money(entry["discount"])
            discounted_units += entry["consumed_qty"]
        # The units without a discount_info entry pay sp, which is in range by itself.
        assert discounted_units <= line["qty"]


@PROPERTY
@given(SCENARIOS)
def test_the_basket_discount_is_the_sum_of_the_unit_discounts(scenario: Scenario) -> None:
    response = respond(scenario)
    line_total = Decimal(0)
    for line in lines(response):
        units_total = Decimal(0)
        for entry in line["discount_info"]:
            # A unit's discount is what its promotions took off, cashback aside (SPEC §6).
            lowering = sum(
                (
                    money(p["discount"])
                    for p in entry["applied_promos"]
                    if p["discount_apply_type"] != CASHBACK
                ),
                Decimal(0),
            )
            assert money(entry["discount"]) == lowering
            units_total += lowering * entry["consumed_qty"]
        assert money(line["discount"]) == units_total
        line_total += units_total
    assert money(response["basket"]["discount"]) == line_total


@PROPERTY
@given(SCENARIOS)
def test_discount_by_apply_type_adds_up_to_the_units(scenario: Scenario) -> None:
    # Each apply type's total is what its promotions gave the units; all but cashback
    # make up the basket discount.
    response = respond(scenario)
    by_type: dict[str, Decimal] = {}
    for line in lines(response):
        for entry in line["discount_info"]:
            for promo in entry["applied_promos"]:
                amount = money(promo["discount"]) * entry["consumed_qty"]
                code = promo["discount_apply_type"]
                by_type[code] = by_type.get(code, Decimal(0)) + amount
    reported = {k: money(v) for k, v in response["basket"]["discount_by_apply_type"].items()}
    assert {k: v for k, v in reported.items() if v} == {k: v for k, v in by_type.items() if v}
    lowering = sum((v for k, v in reported.items() if k != CASHBACK), Decimal(0))
    assert lowering == money(response["basket"]["discount"])


@PROPERTY
@given(SCENARIOS)
def test_total_after_promos_is_total_sp_minus_discount(scenario: Scenario) -> None:
    basket = respond(scenario)["basket"]
    total_sp = money(basket["total_sp"])
    assert money(basket["total_after_promos"]) == total_sp - money(basket["discount"])
    assert total_sp == sum(
        (money(line["sp"]) * line["qty"] for line in basket["items"]), Decimal(0)
    )
    for line in basket["items"]:
        expected = money(line["sp"]) * line["qty"] - money(line["discount"])
        assert money(line["total_after_promos"]) == expected


@PROPERTY
@given(SCENARIOS)
def test_within_a_layer_no_unit_is_consumed_twice(scenario: Scenario) -> None:
    # Exact, on the engine's own result: per layer, each unit is taken by at most one
    # promotion. (One promotion's applications may share units: a value-off basket
    # threshold allocates each of its applications over the same qualifying units.)
    consumed: dict[int, Counter[int]] = {}
    for result in evaluation(scenario).applied:
        assert result.outcome is not None
        units = {u for app in result.outcome.applications for u in app.units}
        consumed.setdefault(result.promotion.effective_layer, Counter()).update(units)
    for counts in consumed.values():
        assert all(n == 1 for n in counts.values()), counts

    # And as a client sees it: per line and layer, at most qty units are consumed.
    for line in lines(respond(scenario)):
        per_layer: Counter[int] = Counter()
        for entry in line["discount_info"] + line["requisite_info"]:
            promos = {(p["layer"], p["promo_id_retailer"]) for p in entry["applied_promos"]}
            for layer, _ in promos:
                per_layer[layer] += entry["consumed_qty"]
        assert all(n <= line["qty"] for n in per_layer.values()), per_layer


def _same_layer(wire: dict[str, Any], criteria: str, priority: int | None) -> dict[str, Any]:
    return {**wire, "layer": 1, "evaluate_criteria": criteria, "evaluate_priority": priority}


# A phase is what one best-discount resolution sees: one layer's item-level promotions, or
# its basket ones (which run after, on what the item-level ones left).
PHASES = [
    fams
    for fams in (
        [f for f in REGISTERED if not f.is_basket],
        [f for f in REGISTERED if f.is_basket],
    )
    if fams
]


@PROPERTY
@given(
    st.sampled_from(PHASES).flatmap(
        lambda fams: scenarios(fams, min_promotions=2, max_promotions=4)
    )
)
def test_best_discount_gives_at_least_any_single_order(scenario: Scenario) -> None:
    # All in one layer and one phase, so that every priority order is one of the orders
    # the best-discount resolution chooses from; with a handful of promotions it must be
    # exact (SPEC §5.3): no order beats it and it is one of them.
    def total(s: Scenario) -> tuple[Decimal, bool]:
        ev = evaluation(s)
        return sum((r.total for r in ev.applied), Decimal(0)), ev.best_discount_exact

    best, exact = total(
        scenario.with_promotions(_same_layer(w, "b", None) for w in scenario.promotions)
    )
    assert exact
    totals = {}
    for order in itertools.permutations(range(len(scenario.promotions))):
        ranked = scenario.with_promotions(
            _same_layer(scenario.promotions[i], "p", rank) for rank, i in enumerate(order)
        )
        totals[order], _ = total(ranked)
    assert all(best >= t for t in totals.values()), (best, totals)
    assert best == max(totals.values())


@PROPERTY
@given(SCENARIOS)
def test_money_is_printed_with_three_places(scenario: Scenario) -> None:
    body = {**scenario.request, "explain": True}
    for key, value in walk(respond(scenario, body)):
        if key in MONEY_KEYS:
            assert isinstance(value, str)
            assert MONEY.match(value), (key, value)


@PROPERTY
@given(SCENARIOS)
def test_no_float_anywhere_in_the_response(scenario: Scenario) -> None:
    body = {**scenario.request, "explain": True}
    floats = [(k, v) for k, v in walk(respond(scenario, body)) if isinstance(v, float)]
    assert not floats


@PROPERTY
@given(scenarios(REGISTERED))
def test_on_the_fly_promotions_act_as_if_linked_to_the_store(scenario: Scenario) -> None:
    # SPEC §5.5: the same promotions sent in promo_override, with none stored. The
    # explanations may differ: the store's rule set is indexed and never considers a
    # stored promotion none of whose nodes the basket has; an override is always read.
    on_the_fly = {**scenario.request, "promo_override": list(scenario.promotions)}
    alone = scenario.with_promotions(())
    from_request = respond(alone, on_the_fly)
    from_store = respond(scenario)
    from_request.pop("explanations", None)
    from_store.pop("explanations", None)
    assert from_request == from_store


@PROPERTY
@given(SCENARIOS, st.randoms(use_true_random=False))
def test_the_order_promotions_are_stored_in_does_not_change_the_result(
    scenario: Scenario, rnd: Any
) -> None:
    # A store's rules are a set: loading them in another order (another database, another
    # query plan) gives the same response, ties included.
    shuffled = list(scenario.promotions)
    rnd.shuffle(shuffled)
    assert respond(scenario.with_promotions(shuffled)) == respond(scenario)
