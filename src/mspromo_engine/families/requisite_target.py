"""Family ``r`` Requisite with discounted target — "buy N, get M discounted" (SPEC §4).

Each application consumes N requisite units and M target units; only the targets are
discounted, the requisites are reported as having qualified it. The unit choice lives in
:func:`plan`, which family ``m`` shares.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from mspromo_engine.explain import Reason
from mspromo_engine.families import words
from mspromo_engine.families.common import (
    Candidate,
    LayerView,
    Outcome,
    Suggestion,
    application,
    discount_units,
    order_cheapest_first,
    order_dearest_first,
    order_for_discount,
    targets_per_application,
)
from mspromo_engine.families.rule import (
    ExampleDraw,
    FamilyRule,
    applications_of_sets,
    group_names,
    target_names_a_group,
    wire_group,
)
from mspromo_engine.model import Family, Promotion, SelectionCriteria

__all__ = [
    "RULE",
    "Plan",
    "apply",
    "check_groups",
    "example_groups",
    "most_applications",
    "plan",
    "units_per_application",
]


@attrs.frozen
class Plan:
    """The units of each application, as (targets, requisites), plus what is missing
    for the next application (None once the limit is reached)."""

    sets: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    missing_qty: int | None

    def outcome_parts(self, candidate: Candidate) -> tuple[Suggestion | None, Reason | None]:
        suggestion = None
        if self.missing_qty is not None:
            suggestion = Suggestion(candidate.all_units, missing_qty=self.missing_qty)
        if self.sets:
            return suggestion, None
        if not candidate.all_units:
            return suggestion, Reason.NO_ELIGIBLE_UNITS
        return suggestion, Reason.NOT_ENOUGH_UNITS


# Enum members read once (a lookup on the enum class is slow in CPython 3.11).
_FAVOUR_CUSTOMER = SelectionCriteria.FAVOUR_CUSTOMER
_FAVOUR_RETAILER = SelectionCriteria.FAVOUR_RETAILER


def apply(candidate: Candidate, view: LayerView) -> Outcome:
    promo = candidate.promotion
    p = plan(candidate, view)
    applications = tuple(
        application(discount_units(view, promo, targets), requisites)
        for targets, requisites in p.sets
    )
    suggestion, reason = p.outcome_parts(candidate)
    return Outcome(applications, suggestion, reason, p.missing_qty if reason else None)


def plan(candidate: Candidate, view: LayerView) -> Plan:
    """Which units each application discounts and which it uses as requisites."""
    if len(candidate.groups) == 2:
        return _plan_two_groups(candidate, view)
    return _plan_one_group(candidate, view)


def order_requisites(
    view: LayerView, promo: Promotion, units: list[int] | tuple[int, ...]
) -> list[int]:
    """Requisites come from the most expensive down (SPEC §4 r), so cheaper units stay
    available; favour customer in ``requisite_groups_item_selection_criteria`` uses the
    cheapest instead, leaving the dear units for the layer's other promotions."""
    if promo.requisite_groups_item_selection_criteria is _FAVOUR_CUSTOMER:
        return order_cheapest_first(view, promo, units)
    return order_dearest_first(view, promo, units)


def _plan_one_group(candidate: Candidate, view: LayerView) -> Plan:
    promo = candidate.promotion
    size = max(1, int(promo.promo_groups[0].qty_or_value_min))
    m = targets_per_application(promo) or 1
    n = size - m  # N = 0 gives Easy: every application is M discounted units
    free = view.free(promo, candidate.groups[0])
    k = min(promo.max_application_limit, len(free) // size)
    criterion = promo.discounted_group_item_selection_criteria
    sets: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    if criterion is _FAVOUR_CUSTOMER:
        # Dearest first, cut into sets of N + M; the M cheapest of each set are discounted
        # (equal prices: the earlier units, SPEC §3.3), the others are its requisites.
        dearest = order_dearest_first(view, promo, free)
        for i in range(k):
            chunk = dearest[i * size : (i + 1) * size]
            targets = order_cheapest_first(view, promo, chunk)[:m]
            sets.append((tuple(targets), tuple(u for u in chunk if u not in targets)))
    elif criterion is _FAVOUR_RETAILER:
        # The k×M cheapest are discounted, the k×N most expensive of the rest are the
        # requisites; equal prices go by unit order both ways (SPEC §3.3).
        cheapest = order_cheapest_first(view, promo, free)
        targets = cheapest[: k * m]
        requisites = order_dearest_first(view, promo, cheapest[k * m :])[: k * n]
        for i in range(k):
            sets.append(
                (tuple(targets[i * m : (i + 1) * m]), tuple(requisites[i * n : (i + 1) * n]))
            )
    else:
        # Most expensive: the k×M dearest are discounted, requisites from the rest.
        dearest = order_dearest_first(view, promo, free)
        targets = dearest[: k * m]
        rest = order_requisites(view, promo, dearest[k * m :])
        for i in range(k):
            sets.append((tuple(targets[i * m : (i + 1) * m]), tuple(rest[i * n : (i + 1) * n])))
    missing = None
    if k < promo.max_application_limit:
        missing = size - (len(free) - k * size)
    return Plan(tuple(sets), missing)


def _plan_two_groups(candidate: Candidate, view: LayerView) -> Plan:
    """Application by application: N requisites from the requisite group and M targets
    from the target group, distinct units. With favour retailer the requisites choose
    first (dearest down) so the cheaper units are left for the discount; otherwise the
    targets choose first, so overlapping groups give the customer the dearer targets."""
    promo = candidate.promotion
    target_name = promo.target_discounted_group_name
    ti = next(i for i, g in enumerate(promo.promo_groups) if g.name == target_name)
    ri = 1 - ti
    m = targets_per_application(promo) or 1
    n = int(promo.promo_groups[ri].qty_or_value_min)
    criterion = promo.discounted_group_item_selection_criteria
    targets = order_for_discount(view, promo, view.free(promo, candidate.groups[ti]), criterion)
    requisites = order_requisites(view, promo, view.free(promo, candidate.groups[ri]))
    requisites_first = criterion is _FAVOUR_RETAILER
    used: set[int] = set()
    sets: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    missing = 0
    while len(sets) < promo.max_application_limit:
        if requisites_first:
            req = [u for u in requisites if u not in used][:n]
            tgt = [u for u in targets if u not in used and u not in req][:m]
        else:
            tgt = [u for u in targets if u not in used][:m]
            req = [u for u in requisites if u not in used and u not in tgt][:n]
        missing = (n - len(req)) + (m - len(tgt))
        if missing:
            break
        used.update(tgt, req)
        sets.append((tuple(tgt), tuple(req)))
    return Plan(tuple(sets), missing if len(sets) < promo.max_application_limit else None)


def most_applications(promo: Promotion, free: Sequence[int], free_all: int) -> int:
    """Applications as :func:`plan` makes them, each N + M distinct free units (the
    search's bound; family ``m`` shares it)."""
    return applications_of_sets(promo, free, free_all, _needs(promo))


def units_per_application(promo: Promotion) -> int:
    """N + M: what one application consumes (the search's bound)."""
    return sum(_needs(promo))


def _needs(promo: Promotion) -> list[int]:
    """Units one application takes from each group, as :func:`plan` takes them."""
    groups = promo.promo_groups
    if len(groups) != 2:
        return [max(1, int(groups[0].qty_or_value_min))]
    target_name = promo.target_discounted_group_name
    ti = next(i for i, g in enumerate(groups) if g.name == target_name)
    needs = [0, 0]
    needs[ti] = targets_per_application(promo) or 1
    needs[1 - ti] = int(groups[1 - ti].qty_or_value_min)
    return needs


def offer(promo: Promotion, decimals: int) -> str:
    """The "buy N, get M …" part of the sentence, shared with family ``m``."""
    target = promo.target_group
    if target is not None:
        [requisite] = promo.requisite_groups
        m = words.count(target.qty_or_value_min)
        n = words.count(requisite.qty_or_value_min)
        what, got = words.products(requisite), f"{m} {words.products(target)}"
    else:
        group = promo.promo_groups[0]
        size = int(group.qty_or_value_min)
        m_int = min(max(int(promo.target_discounted_group_qty_min or 0), 1), max(size, 1))
        m, n = str(m_int), str(size - m_int)
        what, got = words.products(group), f"{m} more"
    deal = words.deal(
        promo.discount_type,
        promo.discount_value,
        promo.discount_type_strategy,
        f"the {m}",
        decimals,
    )
    if n == "0":
        return f"Buy {m} {what}, {deal}"
    which = _WHICH[promo.discounted_group_item_selection_criteria]
    return f"Buy {n} {what}, get {got} {deal}{which}"


_WHICH = {
    SelectionCriteria.FAVOUR_RETAILER: " (the cheapest)",
    SelectionCriteria.FAVOUR_CUSTOMER: "",
    SelectionCriteria.MOST_EXPENSIVE: " (the dearest)",
}


def describe(promo: Promotion, decimals: int) -> str:
    """Plain words: "Buy 3 MOUSE, get 2 more free (the cheapest)"."""
    return words.with_limits(promo, offer(promo, decimals), decimals)


def check_groups(promo: Promotion) -> Iterator[tuple[str, str]]:
    """One group of N + M with ``target_discounted_group_qty_min`` M, or two groups with
    ``target_discounted_group_name`` (SPEC §2; family ``m`` shares it)."""
    groups = promo.promo_groups
    if len(groups) == 1:
        m = promo.target_discounted_group_qty_min
        if m is None or m < 1:
            yield "target_discounted_group_qty_min", "must be at least 1 with one group"
        elif m > groups[0].qty_or_value_min:
            yield "target_discounted_group_qty_min", "cannot exceed the group minimum"
    elif len(groups) == 2:
        yield from target_names_a_group(promo)
    else:
        yield "promo_groups", f"family {promo.family.value} needs 1 or 2 groups"


def example_groups(draw: ExampleDraw) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if draw.boolean():
        get = draw.units(1, 2)
        buy = draw.units(0, 3)
        return [wire_group("g1", buy + get, draw.nodes())], {"target_discounted_group_qty_min": get}
    target = draw.choice(["g1", "g2"])
    groups = [
        wire_group(g, draw.units(1, 2) if g == target else draw.units(), draw.nodes())
        for g in group_names(2)
    ]
    return groups, {"target_discounted_group_name": target}


RULE = FamilyRule(
    Family.REQUISITE_TARGET,
    "Requisite with discounted target — buy N, get M discounted",
    apply,
    check_groups=check_groups,
    example_groups=example_groups,
    discounted_per_application=targets_per_application,
    allocates_value=True,
    most_applications=most_applications,
    units_per_application=units_per_application,
    describe=describe,
)
