"""Family ``m`` Evenly distributed multiline — like ``r``, but the discount is shared by
every unit of the application (SPEC §4).

Units are chosen as ``r`` chooses them; the discount ``r`` would give the targets is then
spread over all N + M units, in proportion to price (split ``p``, the default) or in
equal parts (split ``e``); a share over a unit's current price goes to the others.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mspromo_engine.families import requisite_target, words
from mspromo_engine.families.common import (
    Application,
    Candidate,
    LayerView,
    Outcome,
    allocate_over,
    allocate_weighted,
    application,
    discount_units,
    order_dearest_first,
    targets_per_application,
)
from mspromo_engine.families.requisite_target import (
    check_groups,
    example_groups,
    most_applications,
    plan,
    units_per_application,
)
from mspromo_engine.families.rule import ExampleDraw, FamilyRule
from mspromo_engine.model import Family, Promotion
from mspromo_engine.money import ZERO

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
        # A share over a unit's price goes to the others, so the application gives
        # what r would whenever the units' prices allow it.
        ordered = order_dearest_first(view, promo, units)
        return allocate_weighted(view, ordered, total, [Decimal(1)] * len(ordered))
    return allocate_over(view, promo, units, total)


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 3 ORANGE, get 2 more free, shared by all 5 in proportion to price"."""
    units = sum((int(g.qty_or_value_min) for g in promo.promo_groups), 0)
    equal = promo.extra.get("evenly_distributed_multiline_discount_split_type") == "e"
    how = "in equal parts" if equal else "in proportion to price"
    text = f"{requisite_target.offer(promo, decimals)}, shared by all {units} units {how}"
    return words.with_limits(promo, text, decimals)


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    groups, header = example_groups(draw)
    if draw.boolean():
        header["extra_data"] = {SPLIT_KEY: draw.choice("pe")}
    return groups, header


RULE = FamilyRule(
    Family.EVEN_MULTILINE,
    "Evenly distributed multiline — like r, the discount shared by every unit",
    apply,
    check_groups=check_groups,
    example_groups=_examples,
    # Its targets' discount is computed as r computes it (and only then spread), so the
    # targets are the units that bound it.
    discounted_per_application=targets_per_application,
    allocates_value=True,
    most_applications=most_applications,
    units_per_application=units_per_application,
    describe=describe,
)
