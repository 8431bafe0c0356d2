"""Family ``e`` Easy — "buy N, get a discount on those N" (SPEC §4).

Each application consumes exactly N units of the one group, all of them discounted;
units beyond the last full multiple get nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mspromo_engine.explain import Reason
from mspromo_engine.families import words
from mspromo_engine.families.common import (
    Candidate,
    LayerView,
    Outcome,
    Suggestion,
    application,
    discount_units,
    order_for_discount,
    units_per_group,
)
from mspromo_engine.families.rule import (
    ExampleDraw,
    FamilyRule,
    applications_of_sets,
    exactly_groups,
    sum_of_group_minima,
    wire_group,
)
from mspromo_engine.model import Family, Promotion


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    n = max(1, int(promo.promo_groups[0].qty_or_value_min))
    free = view.free(promo, candidate.groups[0])
    ordered = order_for_discount(view, promo, free, promo.discounted_group_item_selection_criteria)
    count = min(promo.max_application_limit, len(ordered) // n)
    applications = tuple(
        application(discount_units(view, promo, ordered[k * n : (k + 1) * n])) for k in range(count)
    )
    return Outcome(applications, *_shortfall(candidate, n, len(ordered) - count * n, count))


def _shortfall(
    candidate: Candidate, n: int, leftover: int, count: int
) -> tuple[Suggestion | None, Reason | None, int | None]:
    promo = candidate.promotion
    suggestion = None
    if count < promo.max_application_limit:
        suggestion = Suggestion(candidate.units_of(0), missing_qty=n - leftover)
    if count:
        return suggestion, None, None
    if not candidate.groups[0]:
        return suggestion, Reason.NO_ELIGIBLE_UNITS, None
    return suggestion, Reason.NOT_ENOUGH_UNITS, n - leftover


def most_applications(promo: Promotion, free: Sequence[int], free_all: int) -> int:
    """Applications of N free units each, as ``apply`` makes them (the search's bound)."""
    return applications_of_sets(promo, free, free_all, units_per_group(promo))


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 3 PEN, 10.00 off the 3"."""
    group = promo.promo_groups[0]
    n = words.count(group.qty_or_value_min)
    offer = words.deal(
        promo.discount_type,
        promo.discount_value,
        promo.discount_type_strategy,
        f"the {n}",
        decimals,
    )
    return words.with_limits(promo, f"Buy {n} {words.products(group)}, {offer}", decimals)


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [wire_group("g1", draw.units(), draw.nodes())], {}


RULE = FamilyRule(
    Family.EASY,
    "Easy — buy N, get a discount on those N",
    apply,
    check_groups=exactly_groups(1),
    example_groups=_examples,
    discounted_per_application=sum_of_group_minima,
    allocates_value=True,
    most_applications=most_applications,
    units_per_application=sum_of_group_minima,
    describe=describe,
)
