"""What every family shares: the candidate a family works on, the view of the basket it
sees, the applications it returns, unit ordering (SPEC §3.3) and the discount
calculator (SPEC §3.2). A family module picks units; this module says how much."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter

import attrs

from mspromo_engine.basket import Unit
from mspromo_engine.explain import Reason
from mspromo_engine.model import (
    DiscountType,
    Node,
    Promotion,
    ReferencePrice,
    SelectionCriteria,
    Strategy,
)
from mspromo_engine.money import ZERO, allocate, round_money

__all__ = [
    "Application",
    "Candidate",
    "LayerView",
    "Outcome",
    "Suggestion",
    "allocate_over",
    "allocate_weighted",
    "clamp",
    "discount_units",
    "order_cheapest_first",
    "order_dearest_first",
    "order_for_discount",
    "targets_per_application",
]


# Enum members read once: looking a member up on its class costs about as much as a small
# function call in CPython 3.11, and these are read on every family call.
_PERCENT = DiscountType.PERCENT
_VALUE = DiscountType.VALUE
_EACH_ITEM = Strategy.EACH_ITEM
_MRP = ReferencePrice.MRP
_SALE_PRICE = ReferencePrice.SALE_PRICE
_FAVOUR_RETAILER = SelectionCriteria.FAVOUR_RETAILER
_FAVOUR_CUSTOMER = SelectionCriteria.FAVOUR_CUSTOMER


def _mask_of_units(candidate: Candidate) -> int:
    mask = 0
    for u in candidate.all_units:
        mask |= 1 << u
    return mask


@attrs.frozen
class Candidate:
    """A promotion taking part in one evaluation, with its eligible units per group
    (in the promotion's group order) and the node that matched each unit."""

    promotion: Promotion
    groups: tuple[tuple[int, ...], ...]
    nodes: tuple[dict[int, Node], ...] = attrs.field(eq=False, hash=False)
    #: Every unit eligible in some group; and the same as a bit mask (bit u: unit u).
    all_units: frozenset[int] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda c: frozenset().union(*c.groups), takes_self=True),
    )
    mask: int = attrs.field(
        eq=False, repr=False, default=attrs.Factory(_mask_of_units, takes_self=True)
    )

    def units_of(self, group: int) -> frozenset[int]:
        """The units eligible in one group, as a set."""
        if len(self.groups) == 1:
            return self.all_units
        return frozenset(self.groups[group])


@attrs.frozen
class LayerView:
    """What a family may look at in a layer: the units, their current final prices, and
    which units it may still take. Read-only; the engine owns every change."""

    units: tuple[Unit, ...]
    finals: tuple[Decimal, ...]
    taken: int  # bit i set: unit i consumed earlier in this layer
    discounted_before: int  # bit i set: unit i discounted in an earlier layer
    decimals: int
    keep_zero: bool = False  # keep_zero_discount_promos of the request
    # Each unit's mrp and sp, read from ``units`` once and passed on from view to view.
    mrps: tuple[Decimal, ...] = attrs.field(
        eq=False, repr=False, default=attrs.Factory(lambda v: _prices(v.units, _MRP), True)
    )
    sps: tuple[Decimal, ...] = attrs.field(
        eq=False, repr=False, default=attrs.Factory(lambda v: _prices(v.units, _SALE_PRICE), True)
    )

    def after(self, outcome: Outcome) -> LayerView:
        """The view once ``outcome`` is committed: its units taken, finals lowered.
        (Cashback does not lower what the customer pays now.)"""
        if not outcome.applications:
            return self
        taken = self.taken
        lowers = outcome.lowers_price
        finals = list(self.finals) if lowers else []
        for app in outcome.applications:
            for u, amount in app.discounts:
                taken |= 1 << u
                if lowers:
                    finals[u] -= amount
            for u in app.requisites:
                taken |= 1 << u
        return LayerView(
            self.units,
            tuple(finals) if lowers else self.finals,
            taken,
            self.discounted_before,
            self.decimals,
            self.keep_zero,
            self.mrps,
            self.sps,
        )

    def free(self, promo: Promotion, units: Iterable[int]) -> list[int]:
        """The units ``promo`` may still take, in the order given."""
        blocked = self.taken
        if not promo.apply_on_discounted_items:
            blocked |= self.discounted_before
        if not blocked:
            return list(units)
        return [u for u in units if not blocked >> u & 1]

    def prices(self, promo: Promotion) -> tuple[Decimal, ...]:
        """The reference price R of SPEC §3.1 of every unit, by unit."""
        on = promo.discount_value_on
        if on is _MRP:
            return self.mrps
        if on is _SALE_PRICE:
            return self.sps
        return self.finals

    def reference(self, promo: Promotion, unit: int) -> Decimal:
        """The reference price R of SPEC §3.1."""
        return self.prices(promo)[unit]

    def references(self, promo: Promotion, units: Iterable[int]) -> list[Decimal]:
        """:meth:`reference` of each of ``units``, in the order given."""
        return list(map(self.prices(promo).__getitem__, units))


def _prices(units: tuple[Unit, ...], on: ReferencePrice) -> tuple[Decimal, ...]:
    if on is _MRP:
        return tuple([u.mrp for u in units])
    return tuple([u.sp for u in units])


@attrs.frozen
class Application:
    """One use of a promotion: the discount on each discounted unit, and the units that
    qualified it without a discount (requisites)."""

    discounts: tuple[tuple[int, Decimal], ...]
    requisites: tuple[int, ...] = ()
    # Summed once: the engine, the search and the response all ask for it.
    total: Decimal = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(
            lambda app: sum(map(itemgetter(1), app.discounts), ZERO), takes_self=True
        ),
    )

    @property
    def units(self) -> tuple[int, ...]:
        return tuple(u for u, _ in self.discounts) + self.requisites


@attrs.frozen
class Suggestion:
    """What would make the promotion apply (again) on the given units."""

    units: frozenset[int]
    missing_qty: int | None = None
    missing_value: Decimal | None = None
    free_item_missing: int | None = None


@attrs.frozen
class Outcome:
    """What a family did: its applications, a suggestion, and why it did not apply."""

    applications: tuple[Application, ...] = ()
    suggestion: Suggestion | None = None
    reason: Reason | None = None
    missing: int | Decimal | None = None  # how many units / how much spend is missing
    lowers_price: bool = True  # False for cashback (SPEC §6)

    @property
    def total(self) -> Decimal:
        return sum((a.total for a in self.applications), ZERO)


# ---------------------------------------------------------------------------------------
# Unit order (SPEC §3.3). Ties: line order in the (canonical) request, then unit order,
# which is exactly the unit index.


def order_cheapest_first(view: LayerView, promo: Promotion, units: Iterable[int]) -> list[int]:
    # Ties: the unit index (the sort is stable).
    return sorted(sorted(units), key=view.prices(promo).__getitem__)


def order_dearest_first(view: LayerView, promo: Promotion, units: Iterable[int]) -> list[int]:
    # Ties: the unit index (a reversed sort is stable too).
    return sorted(sorted(units), key=view.prices(promo).__getitem__, reverse=True)


def order_for_discount(
    view: LayerView,
    promo: Promotion,
    units: Iterable[int],
    criterion: SelectionCriteria,
    amounts: Mapping[int, Decimal] | None = None,
) -> list[int]:
    """Units in the order a discounted group takes them: favour retailer takes the
    cheapest first, most expensive the dearest first. Favour customer takes the largest
    discount first (SPEC §3.3, meant literally): by ``amounts``, each unit's own discount,
    when the family knows it, else the dearest first. Ties: the unit index."""
    if criterion is _FAVOUR_RETAILER:
        return order_cheapest_first(view, promo, units)
    if criterion is _FAVOUR_CUSTOMER:
        if amounts is None and (
            promo.discount_type is _PERCENT or promo.discount_type_strategy is _EACH_ITEM
        ):
            # Each unit's discount is its own (SPEC §3.2): a percentage of R clamped to
            # the final price, or v × weight, which need not grow with the price.
            amounts = dict(discount_units(view, promo, list(units)))
        if amounts is not None:
            return sorted(sorted(units), key=amounts.__getitem__, reverse=True)
    return order_dearest_first(view, promo, units)


# ---------------------------------------------------------------------------------------
# The calculator (SPEC §3.2)


def clamp(amount: Decimal, final: Decimal) -> Decimal:
    """A unit's discount lies in [0, final]: no negative price, no price raised."""
    if amount < 0:
        return ZERO
    return final if amount > final else amount


def allocate_over(
    view: LayerView, promo: Promotion, units: Sequence[int], total: Decimal
) -> list[tuple[int, Decimal]]:
    """``total`` over ``units`` in proportion to R, dearest first so that the remainder
    lands on the cheapest unit (SPEC §3.4, §4 Combo example). No unit gets more than its
    current price; what it cannot take goes to the other units (docs/decisions.md)."""
    ordered = order_dearest_first(view, promo, units)
    return allocate_weighted(view, ordered, total, view.references(promo, ordered))


def allocate_weighted(
    view: LayerView, ordered: Sequence[int], total: Decimal, weights: Sequence[Decimal]
) -> list[tuple[int, Decimal]]:
    """``total`` over ``ordered`` units by ``weights``, each part at most the unit's final
    price, the excess moved to the others; a negative total gives nothing."""
    finals = view.finals
    parts = allocate(total, weights, view.decimals, [finals[u] for u in ordered])
    return [(u, clamp(p, finals[u])) for u, p in zip(ordered, parts, strict=True)]


def discount_units(
    view: LayerView,
    promo: Promotion,
    units: Sequence[int],
    *,
    kind: DiscountType | None = None,
    value: Decimal | None = None,
    strategy: Strategy | None = None,
) -> list[tuple[int, Decimal]]:
    """The discount on each unit of one application (SPEC §3.2); ``kind``/``value``/
    ``strategy`` default to the promotion's header."""
    if kind is None:
        kind = promo.discount_type
    v = promo.discount_value if value is None else value
    strategy = promo.discount_type_strategy if strategy is None else strategy
    d = view.decimals
    finals = view.finals
    # A line's units share their reference price and weight, so each distinct one is
    # rounded once (equal amounts round alike) and only the clamp is done per unit.
    rounded: dict[Decimal, Decimal] = {}
    out: list[tuple[int, Decimal]] = []
    append = out.append
    if kind is _PERCENT:
        last = None
        amount = ZERO
        negative = False
        for u, r in zip(units, view.references(promo, units), strict=True):
            if r is not last:  # a new line (or price): its rounded amount
                last = r
                found = rounded.get(r)
                if found is None:
                    found = rounded[r] = round_money(r * v / 100, d)
                amount = found
                negative = amount < ZERO
            final = finals[u]
            append((u, ZERO if negative else final if amount > final else amount))  # clamp
        return out
    if strategy is _EACH_ITEM:
        all_units = view.units
        for u in units:
            weight = all_units[u].weight
            each = rounded.get(weight)
            if each is None:
                each = rounded[weight] = round_money(v * weight, d)
            final = finals[u]
            append((u, clamp(each if kind is _VALUE else final - each, final)))
        return out
    if kind is _VALUE:
        return allocate_over(view, promo, units, v)
    set_discount = sum((finals[u] for u in units), ZERO) - v
    if set_discount <= 0:
        return [(u, ZERO) for u in units]
    return allocate_over(view, promo, units, set_discount)


def application(
    discounts: Iterable[tuple[int, Decimal]], requisites: Iterable[int] = ()
) -> Application:
    return Application(tuple(discounts), tuple(requisites))


# ---------------------------------------------------------------------------------------
# Multi-group families (combo, line special): every application takes N units from each
# group, a unit counting in one group only.


def take_from_every_group(
    queues: Sequence[Sequence[int]], needs: Sequence[int], limit: int
) -> tuple[list[list[int]], int]:
    """Up to ``limit`` unit sets, each with ``needs[g]`` units from ``queues[g]`` (taken
    in queue order), and how many units the next set lacks (0 when the limit stopped it)."""
    sets: list[list[int]] = []
    used: set[int] = set()
    missing = 0
    while len(sets) < limit:
        chosen: list[int] = []
        missing = 0
        for need, queue in zip(needs, queues, strict=True):
            taken = used.union(chosen)
            picked = [u for u in queue if u not in taken][:need]
            missing += need - len(picked)
            chosen.extend(picked)
        if missing:
            break
        used.update(chosen)
        sets.append(chosen)
    return sets, missing


def units_per_group(promo: Promotion) -> list[int]:
    """What every application takes from each group (a minimum of 0 counts as 1)."""
    return [max(1, int(g.qty_or_value_min)) for g in promo.promo_groups]


def multi_group_outcome(
    candidate: Candidate, applications: Sequence[Application], missing: int
) -> Outcome:
    """The outcome of a multi-group family: a ``missing_qty`` suggestion while another
    application is allowed, and why it did not apply when it did not."""
    suggestion = None
    if len(applications) < candidate.promotion.max_application_limit:
        suggestion = Suggestion(candidate.all_units, missing_qty=missing)
    if applications:
        return Outcome(tuple(applications), suggestion)
    reason = Reason.NOT_ENOUGH_UNITS if candidate.all_units else Reason.NO_ELIGIBLE_UNITS
    return Outcome((), suggestion, reason, missing)


def targets_per_application(promo: Promotion) -> int | None:
    """How many target units one application of ``r``, ``m`` or ``t`` discounts: the
    target group's N with two groups; with one group of N + M, M (at least 1, at most
    the group). None when the promotion names neither."""
    groups = promo.promo_groups
    if len(groups) == 2:
        target = promo.target_group
        return None if target is None else max(1, int(target.qty_or_value_min))
    if promo.target_discounted_group_qty_min is None:
        return None
    size = max(1, int(groups[0].qty_or_value_min))
    return min(max(1, promo.target_discounted_group_qty_min), size)
