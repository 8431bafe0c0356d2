"""Family ``m`` Evenly distributed multiline — like ``r``, but the discount is shared by
every unit of the application (SPEC §4).

Units are chosen as ``r`` chooses them; the discount ``r`` would give the targets is then
spread over all N + M units, in proportion to price (split ``p``, the default) or in
equal parts (split ``e``), each unit's share clamped to its current price.
"""

from __future__ import annotations

from decimal import Decimal

from mspromo_engine.families import requisite_target, words
from mspromo_engine.families.common import (
    Application,
    Candidate,
    LayerView,
    Outcome,
    allocate_over,
    application,
    clamp,
    discount_units,
    order_dearest_first,
)
from mspromo_engine.families.requisite_target import plan
from mspromo_engine.model import Promotion
from mspromo_engine.money import ZERO, allocate

SPLIT_KEY = "evenly_distributed_multiline_discount_split_type"


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    p = plan(candidate, view)
    applications: list[Application] = []
    for targets, requisites in p.sets:
        total = sum((d for _, d in discount_units(view, promo, targets)), ZERO)
        units = targets + requisites
        applications.append(application(_spread(view, promo, units, total)))
    suggestion, reason = p.outcome_parts(candidate)
    return Outcome(tuple(applications), suggestion, reason, p.missing_qty if reason else None)


def _spread(
    view: LayerView, promo: Promotion, units: tuple[int, ...], total: Decimal
) -> list[tuple[int, Decimal]]:
    if promo.extra.get(SPLIT_KEY) == "e":
        # Equal parts, dearest first so the rounding remainder lands on the cheapest unit.
        ordered = order_dearest_first(view, promo, units)
        parts = allocate(total, [Decimal(1)] * len(ordered), view.decimals)
        return [(u, clamp(d, view.finals[u])) for u, d in zip(ordered, parts, strict=True)]
    return allocate_over(view, promo, units, total)


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 3 ORANGE, get 2 more free, shared by all 5 in proportion to price"."""
    units = sum((int(g.qty_or_value_min) for g in promo.promo_groups), 0)
    equal = promo.extra.get("evenly_distributed_multiline_discount_split_type") == "e"
    how = "in equal parts" if equal else "in proportion to price"
    text = f"{requisite_target.offer(promo, decimals)}, shared by all {units} units {how}"
    return words.with_limits(promo, text, decimals)
