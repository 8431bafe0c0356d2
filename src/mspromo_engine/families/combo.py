"""Family ``c`` Combo — "buy N1 of g1 and N2 of g2 (…), get a discount on the bundle"
(SPEC §4). Each application takes the required units from every group (a unit counts in
one group only) and discounts the whole set together."""

from __future__ import annotations

from mspromo_engine.explain import Reason
from mspromo_engine.families.common import (
    Application,
    Candidate,
    LayerView,
    Outcome,
    Suggestion,
    application,
    discount_units,
    order_for_discount,
)


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    criterion = promo.discounted_group_item_selection_criteria
    needs = [max(1, int(g.qty_or_value_min)) for g in promo.promo_groups]
    queues = [
        order_for_discount(view, promo, view.free(promo, units), criterion)
        for units in candidate.groups
    ]
    applications: list[Application] = []
    used: set[int] = set()
    missing = 0
    while len(applications) < promo.max_application_limit:
        chosen: list[int] = []
        missing = 0
        for need, queue in zip(needs, queues, strict=True):
            picked = [u for u in queue if u not in used and u not in chosen][:need]
            missing += need - len(picked)
            chosen.extend(picked)
        if missing:
            break
        used.update(chosen)
        applications.append(application(discount_units(view, promo, chosen)))
    suggestion = None
    if len(applications) < promo.max_application_limit:
        suggestion = Suggestion(candidate.all_units, missing_qty=missing)
    if applications:
        return Outcome(tuple(applications), suggestion)
    reason = Reason.NOT_ENOUGH_UNITS if candidate.all_units else Reason.NO_ELIGIBLE_UNITS
    return Outcome((), suggestion, reason, missing)
