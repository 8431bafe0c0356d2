"""Family ``t`` Basket threshold with discounted target — "spend X on g1, get Y from g2
discounted" (SPEC §4).

The target group's N is the number of units discounted per application; the requisite
group's N is the spend threshold per application. For k applications the k × N target
units are chosen by the selection criterion and the spend is summed over the requisite
units that are not among them; the largest k (up to the limit) whose spend reaches
k × threshold applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
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
    targets_per_application,
)
from mspromo_engine.families.rule import (
    ExampleDraw,
    FamilyRule,
    exactly_groups,
    group_names,
    target_names_a_group,
    wire_group,
)
from mspromo_engine.model import DiscountType, Family, Group, Promotion
from mspromo_engine.money import ZERO


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    target_name = promo.target_discounted_group_name
    ti = next(i for i, g in enumerate(promo.promo_groups) if g.name == target_name)
    per_app = max(1, int(promo.promo_groups[ti].qty_or_value_min))
    threshold = promo.promo_groups[1 - ti].qty_or_value_min
    criterion = promo.discounted_group_item_selection_criteria
    targets = order_for_discount(view, promo, view.free(promo, candidate.groups[ti]), criterion)
    spenders = view.free(promo, candidate.groups[1 - ti])

    def spend_without(chosen: list[int]) -> tuple[Decimal, list[int]]:
        taken = set(chosen)
        units = [u for u in spenders if u not in taken]
        return sum((view.finals[u] for u in units), ZERO), units

    limit = promo.max_application_limit
    k = min(limit, len(targets) // per_app)
    while k > 0 and spend_without(targets[: k * per_app])[0] < k * threshold:
        k -= 1

    applications = []
    if k:
        _, requisites = spend_without(targets[: k * per_app])
        # The spend is pooled over the applications: all requisite units qualify the
        # first one, so each unit is reported once.
        for i in range(k):
            chosen = targets[i * per_app : (i + 1) * per_app]
            applications.append(
                application(discount_units(view, promo, chosen), requisites if i == 0 else ())
            )
    if k >= limit:
        return Outcome(tuple(applications))

    # What application k + 1 lacks: spend first, then target units.
    units = candidate.all_units
    spend, _ = spend_without(targets[: (k + 1) * per_app])
    missing_value = (k + 1) * threshold - spend
    suggestion: Suggestion
    missing: int | Decimal
    if missing_value > 0:
        suggestion = Suggestion(units, missing_value=missing_value)
        reason, missing = Reason.SPEND_BELOW_THRESHOLD, missing_value
    elif promo.discount_type is DiscountType.PERCENT and promo.discount_value == 100:
        # Free items earned by the spend but not in the basket: all of them, not only
        # the next application's (the spend no longer changes once every target is in).
        earned = limit if threshold == 0 else min(limit, int(spend // threshold))
        missing = earned * per_app - len(targets)
        suggestion = Suggestion(units, free_item_missing=missing)
        reason = Reason.NOT_ENOUGH_UNITS
    else:
        missing = (k + 1) * per_app - len(targets)
        suggestion = Suggestion(units, missing_qty=missing)
        reason = Reason.NOT_ENOUGH_UNITS
    if applications:
        return Outcome(tuple(applications), suggestion)
    return Outcome((), suggestion, reason, missing)


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Spend 50.00 on TEA, get 1 MUG free"."""
    target = promo.target_group
    [requisite] = promo.requisite_groups
    assert target is not None
    n = words.count(target.qty_or_value_min)
    offer = words.deal(
        promo.discount_type,
        promo.discount_value,
        promo.discount_type_strategy,
        f"the {n}",
        decimals,
    )
    spend = words.amount(requisite.qty_or_value_min, decimals)
    text = f"Spend {spend} on {words.products(requisite)}, get {n} {words.products(target)} {offer}"
    return words.with_limits(promo, text, decimals)


def _check_groups(promo: Promotion) -> Iterator[tuple[str, str]]:
    yield from exactly_groups(2)(promo)
    yield from target_names_a_group(promo)


def _spend_group(promo: Promotion, group: Group) -> bool:
    return group.name != promo.target_discounted_group_name


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    target = draw.choice(["g1", "g2"])
    threshold = draw.money(60)
    groups = [
        wire_group(
            g, draw.units(1, 2) if g == target else threshold, draw.nodes(everything=g != target)
        )
        for g in group_names(2)
    ]
    return groups, {"target_discounted_group_name": target}


RULE = FamilyRule(
    Family.BASKET_TARGET,
    "Basket threshold with discounted target — spend X on g1, get Y from g2 discounted",
    apply,
    check_groups=_check_groups,
    example_groups=_examples,
    discounted_per_application=targets_per_application,
    allocates_value=True,
    spend_group=_spend_group,
    describe=describe,
)
