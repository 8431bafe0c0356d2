"""Family ``b`` Basket threshold — "spend X, get a discount" (SPEC §4).

N is a money threshold over the current final prices of the group's free units (the
qualifying units). Runs in a layer of at least 100, after the item-level families, so
it sees the prices they lowered. Strategy is always ``a``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mspromo_engine.explain import Reason
from mspromo_engine.families import words
from mspromo_engine.families.common import (
    Application,
    Candidate,
    LayerView,
    Outcome,
    Suggestion,
    application,
    discount_units,
)
from mspromo_engine.families.rule import ExampleDraw, FamilyRule, exactly_groups, wire_group
from mspromo_engine.model import DiscountType, Family, Group, Node, Promotion, Strategy
from mspromo_engine.money import ZERO

# Enum members read once (a lookup on the enum class is slow in CPython 3.11).
_VALUE = DiscountType.VALUE
_ALL_ITEMS = Strategy.ALL_ITEMS


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    qualifying = view.free(promo, candidate.groups[0])
    spend = sum(map(view.finals.__getitem__, qualifying), ZERO)
    threshold = promo.promo_groups[0].qty_or_value_min
    value_off = promo.discount_type is _VALUE
    if value_off:
        threshold = max(threshold, promo.discount_value)
    units = candidate.units_of(0)
    if not qualifying or spend < threshold:
        missing = threshold - spend
        reason = Reason.SPEND_BELOW_THRESHOLD
        if not candidate.groups[0]:
            reason = Reason.NO_ELIGIBLE_UNITS
        elif not qualifying:
            reason = Reason.UNITS_TAKEN
        return Outcome((), Suggestion(units, missing_value=missing), reason, missing)
    if not value_off:
        discounts = discount_units(view, promo, qualifying, strategy=_ALL_ITEMS)
        return Outcome((application(discounts),))

    limit = promo.max_application_limit
    times = limit if threshold == 0 else min(limit, int(spend // threshold))
    # Each application allocates v over all qualifying units (the spend is pooled, so
    # every unit shares every application); the next one sees the prices the previous
    # one lowered, so no unit is ever discounted below zero.
    applications: list[Application] = []
    current = view
    for _ in range(times):
        app = application(discount_units(current, promo, qualifying, strategy=_ALL_ITEMS))
        applications.append(app)
        current = current.after(Outcome((app,)))
    suggestion = None
    if times < limit:
        suggestion = Suggestion(units, missing_value=(times + 1) * threshold - spend)
    return Outcome(tuple(applications), suggestion)


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Spend 100.00 on any item, 10% off the lot"."""
    group = promo.promo_groups[0]
    threshold = words.amount(group.qty_or_value_min, decimals)
    if promo.discount_type is DiscountType.VALUE:
        off = words.amount(promo.discount_value, decimals)
        offer = f"{off} off per {threshold} spent"
    else:
        offer = words.deal(
            promo.discount_type, promo.discount_value, Strategy.ALL_ITEMS, "the lot", decimals
        )
        if promo.discount_type is DiscountType.PERCENT:
            offer += " the lot"
    text = f"Spend {threshold} on {words.products(group)}, {offer}"
    return words.with_limits(promo, text, decimals)


def _terms(promo: Promotion, node: Node) -> tuple[DiscountType, Decimal, Strategy]:
    return promo.discount_type, promo.discount_value, Strategy.ALL_ITEMS


def _spend_group(promo: Promotion, group: Group) -> bool:
    return True


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    threshold = draw.money(100)
    return [wire_group("g1", threshold, draw.nodes(everything=True))], {}


RULE = FamilyRule(
    Family.BASKET_THRESHOLD,
    "Basket threshold — spend X, get a discount",
    apply,
    check_groups=exactly_groups(1),
    example_groups=_examples,
    unit_terms=_terms,
    allocates_value=True,
    pooled_applications=True,
    spend_group=_spend_group,
    describe=describe,
)
