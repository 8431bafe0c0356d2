"""The engine against the reference evaluator (``evaluator.py``), response for response.

Generated promotions of every family (layers, both evaluate criteria, every selection
criterion, caps, weighed goods, 0/2/3 decimals, some not taking part, coupon codes and
usage limits of SPEC §9 against generated counts) and baskets over their products.
``MSPROMO_REFERENCE_EXAMPLES`` sets the number of examples (CI: 2,000;
``nox -s deep``: 50,000).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mspromo_engine import UsageCounts, evaluate_json, promotion_from_wire, request_from_wire
from mspromo_engine.testing.strategies import EVALUATION_TIME, Scenario, scenarios

from .evaluator import engine_projection, evaluate

EXAMPLES = int(os.environ.get("MSPROMO_REFERENCE_EXAMPLES", "2000"))


FAMILIES = "epclbtrm"


@st.composite
def cases(draw: st.DrawFn, decimals: int) -> Scenario:
    # A few families at a time, so that each meets its neighbours often enough.
    families = draw(st.sets(st.sampled_from(FAMILIES), min_size=1, max_size=3))
    scenario = draw(
        scenarios(
            families=sorted(families),
            decimals=decimals,
            min_promotions=1,
            max_promotions=5,
            max_lines=4,
            mixed_participation=draw(st.booleans()),
        )
    )
    if draw(st.booleans()):
        # Equal prices across lines, so that ties (SPEC §3.3: line order, then unit
        # order) decide which units are taken.
        items = scenario.request["basket"]["items"]
        pool = sorted({line["sp"] for line in items})[:2]
        flat = [dict(line, mrp=(p := draw(st.sampled_from(pool))), sp=p) for line in items]
        basket = {**scenario.request["basket"], "items": flat}
        scenario = Scenario({**scenario.request, "basket": basket}, scenario.promotions)
    # Some promotions arrive on the fly (SPEC §5.5): moved out of the store, or sent
    # again with the stored one's id, which they replace.
    stored = list(scenario.promotions)
    moved = draw(st.integers(0, len(stored)))
    again = draw(st.integers(0, len(stored) - moved))
    override = stored[:moved] + stored[moved : moved + again]
    if not override:
        return scenario
    request = {**scenario.request, "promo_override": [dict(p, stores=[]) for p in override]}
    return Scenario(request, tuple(stored[moved:]))


Counts = dict[tuple[str, str], int]


def usage_counts(draw: st.DrawFn, scenario: Scenario) -> tuple[Counts, Counts]:
    """Redemptions so far (SPEC §9) of some of the scenario's promotions: all customers,
    and the request's customer (never more than all of them)."""
    keys = sorted(
        {(p["retailer"], p["promo_id_retailer"]) for p in scenario.promotions}
        | {(p["retailer"], p["promo_id_retailer"]) for p in scenario.request["promo_override"]}
    )
    total: Counts = {}
    mine: Counts = {}
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))):
        total[key] = draw(st.integers(0, 3))
        mine[key] = draw(st.integers(0, total[key]))
    return total, mine


def both(scenario: Scenario, total: Counts, mine: Counts) -> tuple[dict[str, Any], dict[str, Any]]:
    decimals = int(scenario.request["currency_decimals"])
    request = request_from_wire(scenario.request, now=EVALUATION_TIME)
    stored = [promotion_from_wire(w, currency_decimals=decimals) for w in scenario.promotions]
    usage = UsageCounts(redemptions=total, customer_redemptions=mine)
    engine = evaluate_json(scenario.request, scenario.rules, now=EVALUATION_TIME, usage=usage)
    return engine_projection(engine), evaluate(request, stored, total, mine)


# One test per currency, so that two workers share the examples.
@pytest.mark.parametrize("decimals", [0, 2, 3])
@settings(
    max_examples=-(-EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_engine_answers_as_the_reference_evaluator_does(
    decimals: int, data: st.DataObject
) -> None:
    scenario = data.draw(cases(decimals), label="scenario")
    total, mine = usage_counts(data.draw, scenario)
    engine, reference = both(scenario, total, mine)
    assert engine == reference, (scenario.request, scenario.promotions, total, mine)
