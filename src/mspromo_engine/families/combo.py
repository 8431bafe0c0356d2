"""Family ``c`` Combo — "buy N1 of g1 and N2 of g2 (…), get a discount on the bundle"
(SPEC §4). Each application takes the required units from every group (a unit counts in
one group only) and discounts the whole set together."""

from __future__ import annotations

from mspromo_engine.families.common import (
    Candidate,
    LayerView,
    Outcome,
    application,
    discount_units,
    multi_group_outcome,
    order_for_discount,
    take_from_every_group,
)


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    criterion = promo.discounted_group_item_selection_criteria
    needs = [max(1, int(g.qty_or_value_min)) for g in promo.promo_groups]
    queues = [
        order_for_discount(view, promo, view.free(promo, units), criterion)
        for units in candidate.groups
    ]
    sets, missing = take_from_every_group(queues, needs, promo.max_application_limit)
    applications = [application(discount_units(view, promo, s)) for s in sets]
    return multi_group_outcome(candidate, applications, missing)
