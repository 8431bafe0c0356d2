"""Family ``l`` Line special — "each group has its own price" (SPEC §4).

Each node may carry its own discount type and value (else the header's); the discount is
per unit. An application needs N units from every group; a unit whose discount would be
zero is passed over for the next eligible unit of the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate
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
from mspromo_engine.model import DiscountType, Family, Node, Promotion, Strategy


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    criterion = promo.discounted_group_item_selection_criteria
    needs = units_per_group(promo)
    # Per group, the discount of each unit by the node that matched it there; units whose
    # discount would be zero are left out of the group's queue. Favour customer orders
    # the queue by these amounts: a node's own value does not grow with the price.
    amounts: list[dict[int, Decimal]] = []
    for units, nodes in zip(candidate.groups, candidate.nodes, strict=True):
        amount_of: dict[int, Decimal] = {}
        for u in view.free(promo, units):
            kind, value, strategy = node_terms(promo, nodes[u])
            [(_, amount)] = discount_units(
                view, promo, [u], kind=kind, value=value, strategy=strategy
            )
            if amount > 0:
                amount_of[u] = amount
        ordered = order_for_discount(view, promo, amount_of, criterion, amount_of)
        amounts.append({u: amount_of[u] for u in ordered})
    sets, missing = take_from_every_group(
        [list(a) for a in amounts], needs, promo.max_application_limit
    )
    # A set holds needs[0] units of group 0, then needs[1] of group 1, and so on.
    ends = list(accumulate(needs))
    bounds = list(zip([0, *ends[:-1]], ends, strict=True))
    applications = [
        application(
            (u, amount_of[u])
            for (start, end), amount_of in zip(bounds, amounts, strict=True)
            for u in chosen[start:end]
        )
        for chosen in sets
    ]
    return multi_group_outcome(candidate, applications, missing)


def most_applications(promo: Promotion, free: Sequence[int], free_all: int) -> int:
    """Sets of N distinct free units from every group, as ``take_from_every_group``
    makes them (the search's bound)."""
    return applications_of_sets(promo, free, free_all, units_per_group(promo))


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 2 BOOK (10% off) + 2 PEN (10.00 each)", each node its own deal."""
    parts = []
    for g in promo.promo_groups:
        deals = {n.node_id: words.node_deal(promo, n, decimals) for n in g.included}
        n = words.count(g.qty_or_value_min)
        if len(set(deals.values())) == 1:
            parts.append(f"{n} {words.products(g)} ({next(iter(deals.values()))})")
        else:
            each = " or ".join(f"{node_id} ({d})" for node_id, d in deals.items())
            parts.append(f"{n} of {each}")
    return words.with_limits(promo, "Buy " + " + ".join(parts), decimals)


def node_terms(promo: Promotion, node: Node) -> tuple[DiscountType, Decimal, Strategy]:
    """A unit's discount comes from the node that matched it (else the header's), and
    is always computed per unit."""
    kind = node.discount_type or promo.discount_type
    value = promo.discount_value if node.discount_value is None else node.discount_value
    return kind, value, Strategy.EACH_ITEM


def _examples(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    names = group_names(draw.units(1, max(1, draw.max_groups)))
    return [wire_group(g, draw.units(1, 2), draw.nodes(overrides=True)) for g in names], {}


RULE = FamilyRule(
    Family.LINE_SPECIAL,
    "Line special — each group has its own price",
    apply,
    check_groups=at_least_groups(1),
    example_groups=_examples,
    unit_terms=node_terms,
    discounted_per_application=sum_of_group_minima,
    most_applications=most_applications,
    units_per_application=sum_of_group_minima,
    describe=describe,
)
