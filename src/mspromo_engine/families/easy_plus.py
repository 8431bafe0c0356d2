"""Family ``p`` Easy+ — "buy at least N, every unit gets the deal" (SPEC §4).

One application at most. With strategy ``a`` the value is for a set of N: each unit gets
the share v/N and every N-th unit the remainder of its set.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    clamp,
    discount_units,
    order_for_discount,
)
from mspromo_engine.families.rule import ExampleDraw, FamilyRule, exactly_groups, wire_group
from mspromo_engine.model import DiscountType, Family, Promotion, Strategy
from mspromo_engine.money import round_money

# Enum members read once (a lookup on the enum class is slow in CPython 3.11).
_PERCENT = DiscountType.PERCENT
_VALUE = DiscountType.VALUE
_EACH_ITEM = Strategy.EACH_ITEM


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    group = promo.promo_groups[0]
    n = max(1, int(group.qty_or_value_min))
    free = view.free(promo, candidate.groups[0])
    if len(free) < n:
        reason = Reason.NOT_ENOUGH_UNITS if candidate.groups[0] else Reason.NO_ELIGIBLE_UNITS
        suggestion = Suggestion(candidate.units_of(0), missing_qty=n - len(free))
        return Outcome((), suggestion, reason, n - len(free))
    ordered = order_for_discount(view, promo, free, promo.discounted_group_item_selection_criteria)
    if group.qty_or_value_max is not None:
        ordered = ordered[: int(group.qty_or_value_max)]
    if promo.discount_type is _PERCENT or promo.discount_type_strategy is _EACH_ITEM:
        return Outcome((application(discount_units(view, promo, ordered)),))
    # Strategy a: v is per set of N; shares of v/N with the remainder on every N-th unit.
    share, last = set_parts(promo, view.decimals)
    discounts = []
    for k, u in enumerate(ordered, start=1):
        part = last if k % n == 0 else share
        final = view.finals[u]
        amount: Decimal = part if promo.discount_type is _VALUE else final - part
        discounts.append((u, clamp(amount, final)))
    return Outcome((application(discounts),))


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy at least 3 PEN, every one gets the deal: 10.00 off every 3"."""
    group = promo.promo_groups[0]
    n = words.count(group.qty_or_value_min)
    offer = words.deal(
        promo.discount_type,
        promo.discount_value,
        promo.discount_type_strategy,
        f"every {n}",
        decimals,
    )
    text = f"Buy at least {n} {words.products(group)}, every one gets the deal: {offer}"
    if group.qty_or_value_max is not None:
        text += f" (at most {words.count(group.qty_or_value_max)} units)"
    return words.with_limits(promo, text, decimals)


def set_parts(promo: Promotion, decimals: int) -> tuple[Decimal, Decimal]:
    """With strategy ``a``: the share v/N each unit gets and the remainder every N-th
    unit gets instead, so each set of N adds up to v exactly."""
    n = max(1, int(promo.promo_groups[0].qty_or_value_min))
    share = round_money(promo.discount_value / n, decimals)
    return share, promo.discount_value - share * (n - 1)


def _most_applications(promo: Promotion, free: Sequence[int], free_all: int) -> int:
    """One application when at least N units are free, else none (the search's bound)."""
    return 1 if free[0] >= max(1, int(promo.promo_groups[0].qty_or_value_min)) else 0


def _max_units(promo: Promotion) -> int | None:
    most = promo.promo_groups[0].qty_or_value_max
    return None if most is None else int(most)


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    n = draw.units()
    return [wire_group("g1", n, draw.nodes(), draw.maybe_units(n, n + 3))], {}


RULE = FamilyRule(
    Family.EASY_PLUS,
    "Easy+ — buy at least N, every unit gets the deal",
    apply,
    check_groups=exactly_groups(1),
    example_groups=_examples,
    max_units=_max_units,
    share_parts=set_parts,
    max_applications=lambda promo: 1,
    most_applications=_most_applications,
    units_per_application=lambda promo: max(1, int(promo.promo_groups[0].qty_or_value_min)),
    describe=describe,
)
