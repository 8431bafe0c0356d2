"""Family ``c`` Combo — "buy N1 of g1 and N2 of g2 (…), get a discount on the bundle"
(SPEC §4). Each application takes the required units from every group (a unit counts in
one group only) and discounts the whole set together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mspromo_engine.families import words
from mspromo_engine.families.common import (
    Candidate,
    LayerView,
    Outcome,
    application,
    discount_units,
    multi_group_outcome,
    order_for_discount,
    take_from_every_group,
    units_per_group,
)
from mspromo_engine.families.rule import (
    ExampleDraw,
    FamilyRule,
    applications_of_sets,
    at_least_groups,
    group_names,
    sum_of_group_minima,
    wire_group,
)
from mspromo_engine.model import Family, Promotion


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    criterion = promo.discounted_group_item_selection_criteria
    needs = units_per_group(promo)
    queues = [
        order_for_discount(view, promo, view.free(promo, units), criterion)
        for units in candidate.groups
    ]
    sets, missing = take_from_every_group(queues, needs, promo.max_application_limit)
    applications = [application(discount_units(view, promo, s)) for s in sets]
    return multi_group_outcome(candidate, applications, missing)


def most_applications(promo: Promotion, free: Sequence[int], free_all: int) -> int:
    """Sets of N distinct free units from every group, as ``take_from_every_group``
    makes them (the search's bound)."""
    return applications_of_sets(promo, free, free_all, units_per_group(promo))


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 3 BURGER + 2 COKE, the set for 50.00"."""
    bundle = " + ".join(
        f"{words.count(g.qty_or_value_min)} {words.products(g)}" for g in promo.promo_groups
    )
    offer = words.deal(
        promo.discount_type,
        promo.discount_value,
        promo.discount_type_strategy,
        "the set",
        decimals,
    )
    return words.with_limits(promo, f"Buy {bundle}, {offer}", decimals)


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    names = group_names(draw.units(2, max(2, draw.max_groups)))
    return [wire_group(g, draw.units(1, 2), draw.nodes()) for g in names], {}


RULE = FamilyRule(
    Family.COMBO,
    "Combo — buy N1 of g1 and N2 of g2 (…), get a discount on the bundle",
    apply,
    check_groups=at_least_groups(2),
    example_groups=_examples,
    discounted_per_application=sum_of_group_minima,
    most_applications=most_applications,
    units_per_application=sum_of_group_minima,
    allocates_value=True,
    describe=describe,
)
