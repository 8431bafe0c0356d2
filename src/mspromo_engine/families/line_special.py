"""Family ``l`` Line special — "each group has its own price" (SPEC §4).

Each node may carry its own discount type and value (else the header's); the discount is
per unit. An application needs N units from every group; a unit whose discount would be
zero is passed over for the next eligible unit of the group.
"""

from __future__ import annotations

from decimal import Decimal

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
from mspromo_engine.model import Strategy


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    criterion = promo.discounted_group_item_selection_criteria
    needs = [max(1, int(g.qty_or_value_min)) for g in promo.promo_groups]
    queues: list[list[tuple[int, Decimal]]] = []
    for units, nodes in zip(candidate.groups, candidate.nodes, strict=True):
        queue = []
        for u in order_for_discount(view, promo, view.free(promo, units), criterion):
            node = nodes[u]
            [(_, amount)] = discount_units(
                view,
                promo,
                [u],
                kind=node.discount_type,
                value=node.discount_value,
                strategy=Strategy.EACH_ITEM,
            )
            if amount > 0:
                queue.append((u, amount))
        queues.append(queue)
    applications: list[Application] = []
    used: set[int] = set()
    missing = 0
    while len(applications) < promo.max_application_limit:
        chosen: list[tuple[int, Decimal]] = []
        missing = 0
        for need, queue in zip(needs, queues, strict=True):
            # A unit counts in one group only, as in a combo.
            taken = used.union(u for u, _ in chosen)
            picked = [(u, a) for u, a in queue if u not in taken][:need]
            missing += need - len(picked)
            chosen.extend(picked)
        if missing:
            break
        used.update(u for u, _ in chosen)
        applications.append(application(chosen))
    suggestion = None
    if len(applications) < promo.max_application_limit:
        suggestion = Suggestion(candidate.all_units, missing_qty=missing)
    if applications:
        return Outcome(tuple(applications), suggestion)
    reason = Reason.NOT_ENOUGH_UNITS if candidate.all_units else Reason.NO_ELIGIBLE_UNITS
    return Outcome((), suggestion, reason, missing)
