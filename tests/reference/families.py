"""The reference's family rules (SPEC §3.2, §3.3, §4), written from the SPEC and
docs/decisions.md alone, as plainly as possible: lists, sorts and loops.

A rule takes the promotion, its eligible units per group (unit positions, basket order)
with the node that matched each, and the state of the layer; it returns applications as
``(discounts, requisites)``: ``discounts`` a list of ``(unit, amount)``, ``requisites``
a list of units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mspromo_engine.model import (
    DiscountType,
    Family,
    Node,
    Promotion,
    ReferencePrice,
    SelectionCriteria,
    Strategy,
)
from mspromo_engine.money import round_money

ZERO = Decimal(0)
Discounts = list[tuple[int, Decimal]]
App = tuple[Discounts, list[int]]


@dataclass
class RUnit:
    line: int
    sku: str
    mrp: Decimal
    sp: Decimal
    weight: Decimal
    categories: frozenset[tuple[str, str]]


@dataclass
class State:
    """One layer as a promotion sees it: prices now, units taken in this layer, units an
    earlier layer discounted."""

    units: list[RUnit]
    finals: list[Decimal]
    decimals: int
    taken: set[int] = field(default_factory=set)
    discounted_before: set[int] = field(default_factory=set)

    def free(self, promo: Promotion, units: list[int]) -> list[int]:
        return [
            u
            for u in units
            if u not in self.taken
            and (promo.apply_on_discounted_items or u not in self.discounted_before)
        ]

    def ref(self, promo: Promotion, u: int) -> Decimal:
        if promo.discount_value_on is ReferencePrice.MRP:
            return self.units[u].mrp
        if promo.discount_value_on is ReferencePrice.SALE_PRICE:
            return self.units[u].sp
        return self.finals[u]


def clamp(amount: Decimal, final: Decimal) -> Decimal:
    return max(ZERO, min(amount, final))


def split(total: Decimal, weights: list[Decimal], decimals: int) -> list[Decimal]:
    """SPEC §3.4: every part but the last its rounded share, the last the remainder; a
    part never more than what is left (docs/decisions/invariants.md)."""
    if not weights:
        return []
    s = sum(weights, ZERO)
    parts: list[Decimal] = []
    for w in weights[:-1]:
        share = total / len(weights) if s == 0 else total * w / s
        part = round_money(share, decimals)
        if total >= 0:
            part = min(part, total - sum(parts, ZERO))
        parts.append(part)
    parts.append(total - sum(parts, ZERO))
    return parts


def share_out(
    total: Decimal, weights: list[Decimal], caps: list[Decimal], decimals: int
) -> list[Decimal]:
    """docs/decisions.md "capped shares move": split, every part over its cap set to its
    cap, the rest split again over the others, until nothing is over."""
    result: list[Decimal | None] = [None] * len(weights)
    while True:
        open_ = [i for i, r in enumerate(result) if r is None]
        if not open_:
            break
        left = total - sum((r for r in result if r is not None), ZERO)
        parts = split(left, [weights[i] for i in open_], decimals)
        over = [i for i, p in zip(open_, parts, strict=True) if p > caps[i]]
        if not over:
            for i, p in zip(open_, parts, strict=True):
                result[i] = p
            break
        for i in over:
            result[i] = caps[i]
    return [r if r is not None else ZERO for r in result]


def cheapest(s: State, promo: Promotion, units: list[int]) -> list[int]:
    return sorted(units, key=lambda u: (s.ref(promo, u), u))


def dearest(s: State, promo: Promotion, units: list[int]) -> list[int]:
    return sorted(units, key=lambda u: (-s.ref(promo, u), u))


def allocate_by_price(s: State, promo: Promotion, units: list[int], total: Decimal) -> Discounts:
    """An amount over units in proportion to R, dearest first (the last is the cheapest)."""
    order = dearest(s, promo, units)
    parts = share_out(
        total, [s.ref(promo, u) for u in order], [s.finals[u] for u in order], s.decimals
    )
    return [(u, clamp(p, s.finals[u])) for u, p in zip(order, parts, strict=True)]


def own_discount(
    s: State, promo: Promotion, u: int, kind: DiscountType, v: Decimal, strategy: Strategy
) -> Decimal | None:
    """A unit's discount when the rule gives each unit its own; None when allocated."""
    final = s.finals[u]
    if kind is DiscountType.PERCENT:
        return clamp(round_money(s.ref(promo, u) * v / 100, s.decimals), final)
    if strategy is Strategy.EACH_ITEM:
        each = round_money(v * s.units[u].weight, s.decimals)
        return clamp(each if kind is DiscountType.VALUE else final - each, final)
    return None


def discount_set(s: State, promo: Promotion, units: list[int]) -> Discounts:
    """SPEC §3.2 with the header's discount."""
    kind, v, strategy = promo.discount_type, promo.discount_value, promo.discount_type_strategy
    if kind is DiscountType.PERCENT or strategy is Strategy.EACH_ITEM:
        out = []
        for u in units:
            own = own_discount(s, promo, u, kind, v, strategy)
            assert own is not None
            out.append((u, own))
        return out
    if kind is DiscountType.VALUE:
        return allocate_by_price(s, promo, units, v)
    over = sum((s.finals[u] for u in units), ZERO) - v
    if over <= 0:
        return [(u, ZERO) for u in units]
    return allocate_by_price(s, promo, units, over)


def for_discount(
    s: State,
    promo: Promotion,
    units: list[int],
    own: Callable[[int], Decimal | None] | None = None,
) -> list[int]:
    """SPEC §3.3 for discounted units: favour retailer the cheapest, most expensive the
    dearest, favour customer the largest own discount (else the dearest)."""
    criterion = promo.discounted_group_item_selection_criteria
    if criterion is SelectionCriteria.FAVOUR_RETAILER:
        return cheapest(s, promo, units)
    if criterion is SelectionCriteria.MOST_EXPENSIVE:
        return dearest(s, promo, units)
    if own is None:

        def own(u: int) -> Decimal | None:
            return own_discount(
                s, promo, u, promo.discount_type, promo.discount_value, promo.discount_type_strategy
            )

    amounts = {u: own(u) for u in units}
    if any(a is None for a in amounts.values()):
        return dearest(s, promo, units)
    return sorted(units, key=lambda u: (-amounts[u], u))  # type: ignore[operator]


def requisite_order(s: State, promo: Promotion, units: list[int]) -> list[int]:
    if promo.requisite_groups_item_selection_criteria is SelectionCriteria.FAVOUR_CUSTOMER:
        return cheapest(s, promo, units)
    return dearest(s, promo, units)


def count(value: Decimal) -> int:
    return max(1, int(value))


# --------------------------------------------------------------------------------------


Groups = list[list[int]]
NodesOf = list[dict[int, Node]]


def easy(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    n = count(promo.promo_groups[0].qty_or_value_min)
    order = for_discount(s, promo, s.free(promo, groups[0]))
    times = min(promo.max_application_limit, len(order) // n)
    return [(discount_set(s, promo, order[i * n : (i + 1) * n]), []) for i in range(times)]


def easy_plus(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    group = promo.promo_groups[0]
    n = count(group.qty_or_value_min)
    free = s.free(promo, groups[0])
    if len(free) < n:
        return []
    order = for_discount(s, promo, free)
    if group.qty_or_value_max is not None:
        order = order[: int(group.qty_or_value_max)]
    kind, v = promo.discount_type, promo.discount_value
    if kind is DiscountType.PERCENT or promo.discount_type_strategy is Strategy.EACH_ITEM:
        return [(discount_set(s, promo, order), [])]
    share = round_money(v / n, s.decimals)
    last = v - share * (n - 1)
    out = []
    for k, u in enumerate(order, start=1):
        part = last if k % n == 0 else share
        amount = part if kind is DiscountType.VALUE else s.finals[u] - part
        out.append((u, clamp(amount, s.finals[u])))
    return [(out, [])]


def take_sets(queues: Groups, needs: list[int], limit: int) -> list[list[list[int]]]:
    """Per application, needs[g] units from each queue, a unit used once."""
    used: set[int] = set()
    sets = []
    while len(sets) < limit:
        chosen: list[list[int]] = []
        for need, queue in zip(needs, queues, strict=True):
            taken_now = used | {u for c in chosen for u in c}
            chosen.append([u for u in queue if u not in taken_now][:need])
        if any(len(c) < need for c, need in zip(chosen, needs, strict=True)):
            break
        used |= {u for c in chosen for u in c}
        sets.append(chosen)
    return sets


def combo(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    needs = [count(g.qty_or_value_min) for g in promo.promo_groups]
    queues = [for_discount(s, promo, s.free(promo, g)) for g in groups]
    return [
        (discount_set(s, promo, [u for c in chosen for u in c]), [])
        for chosen in take_sets(queues, needs, promo.max_application_limit)
    ]


def line_special(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    needs = [count(g.qty_or_value_min) for g in promo.promo_groups]
    amounts: list[dict[int, Decimal]] = []
    queues = []
    for units, matched in zip(groups, nodes, strict=True):
        mine = {}
        for u in s.free(promo, units):
            node = matched[u]
            kind = node.discount_type or promo.discount_type
            v = promo.discount_value if node.discount_value is None else node.discount_value
            amount = own_discount(s, promo, u, kind, v, Strategy.EACH_ITEM)
            assert amount is not None
            if amount > 0:  # a unit with no discount is passed over
                mine[u] = amount
        amounts.append(mine)
        queues.append(for_discount(s, promo, list(mine), own=mine.get))
    out: list[App] = []
    for chosen in take_sets(queues, needs, promo.max_application_limit):
        out.append(([(u, amounts[g][u]) for g, c in enumerate(chosen) for u in c], []))
    return out


def basket_threshold(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    qualifying = s.free(promo, groups[0])
    spend = sum((s.finals[u] for u in qualifying), ZERO)
    threshold = promo.promo_groups[0].qty_or_value_min
    kind = promo.discount_type
    if kind is DiscountType.VALUE:
        threshold = max(threshold, promo.discount_value)
    if not qualifying or spend < threshold:
        return []
    if kind is DiscountType.PERCENT:
        return [(discount_set(s, promo, qualifying), [])]
    if kind is DiscountType.FIXED_PRICE:
        over = spend - promo.discount_value
        if over <= 0:
            return [([(u, ZERO) for u in qualifying], [])]
        return [(allocate_by_price(s, promo, qualifying, over), [])]
    limit = promo.max_application_limit
    times = limit if threshold == 0 else min(limit, int(spend // threshold))
    # Each application over all qualifying units, seeing what the previous one lowered.
    out: list[App] = []
    finals = list(s.finals)
    for _ in range(times):
        now = State(s.units, list(finals), s.decimals, s.taken, s.discounted_before)
        app = allocate_by_price(now, promo, qualifying, promo.discount_value)
        for u, d in app:
            finals[u] -= d
        out.append((app, []))
    return out


def basket_target(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    ti = [g.name for g in promo.promo_groups].index(promo.target_discounted_group_name)
    per_app = count(promo.promo_groups[ti].qty_or_value_min)
    threshold = promo.promo_groups[1 - ti].qty_or_value_min
    targets = for_discount(s, promo, s.free(promo, groups[ti]))
    spenders = s.free(promo, groups[1 - ti])

    def others(k: int) -> list[int]:
        return [u for u in spenders if u not in targets[: k * per_app]]

    k = min(promo.max_application_limit, len(targets) // per_app)
    while k > 0 and sum((s.finals[u] for u in others(k)), ZERO) < k * threshold:
        k -= 1
    return [
        (
            discount_set(s, promo, targets[i * per_app : (i + 1) * per_app]),
            others(k) if i == 0 else [],
        )
        for i in range(k)
    ]


def plan(promo: Promotion, groups: Groups, s: State) -> list[tuple[list[int], list[int]]]:
    """r's units: (targets, requisites) per application (SPEC §4 r, docs/decisions.md)."""
    criterion = promo.discounted_group_item_selection_criteria
    limit = promo.max_application_limit
    if len(groups) == 2:
        ti = [g.name for g in promo.promo_groups].index(promo.target_discounted_group_name)
        m = count(promo.promo_groups[ti].qty_or_value_min)
        n = int(promo.promo_groups[1 - ti].qty_or_value_min)
        targets = for_discount(s, promo, s.free(promo, groups[ti]))
        requisites = requisite_order(s, promo, s.free(promo, groups[1 - ti]))
        used: set[int] = set()
        sets: list[tuple[list[int], list[int]]] = []
        while len(sets) < limit:
            if criterion is SelectionCriteria.FAVOUR_RETAILER:
                req = [u for u in requisites if u not in used][:n]
                tgt = [u for u in targets if u not in used and u not in req][:m]
            else:
                tgt = [u for u in targets if u not in used][:m]
                req = [u for u in requisites if u not in used and u not in tgt][:n]
            if len(req) < n or len(tgt) < m:
                break
            used |= set(req) | set(tgt)
            sets.append((tgt, req))
        return sets
    size = count(promo.promo_groups[0].qty_or_value_min)
    m = min(max(promo.target_discounted_group_qty_min or 0, 1), size)
    n = size - m
    free = s.free(promo, groups[0])
    k = min(limit, len(free) // size)
    if criterion is SelectionCriteria.FAVOUR_CUSTOMER:
        order = dearest(s, promo, free)
        out = []
        for i in range(k):
            chunk = order[i * size : (i + 1) * size]
            tgt = cheapest(s, promo, chunk)[:m]
            out.append((tgt, [u for u in chunk if u not in tgt]))
        return out
    if criterion is SelectionCriteria.FAVOUR_RETAILER:
        tgts = cheapest(s, promo, free)[: k * m]
        reqs = dearest(s, promo, [u for u in free if u not in tgts])[: k * n]
    else:
        tgts = dearest(s, promo, free)[: k * m]
        reqs = requisite_order(s, promo, [u for u in free if u not in tgts])[: k * n]
    return [(tgts[i * m : (i + 1) * m], reqs[i * n : (i + 1) * n]) for i in range(k)]


def requisite_target(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    return [(discount_set(s, promo, t), r) for t, r in plan(promo, groups, s)]


def even_multiline(promo: Promotion, groups: Groups, nodes: NodesOf, s: State) -> list[App]:
    out: list[App] = []
    equal = promo.extra.get("evenly_distributed_multiline_discount_split_type") == "e"
    for targets, requisites in plan(promo, groups, s):
        total = sum((d for _, d in discount_set(s, promo, targets)), ZERO)
        units = targets + requisites
        if equal:
            order = dearest(s, promo, units)
            parts = share_out(
                total, [Decimal(1)] * len(order), [s.finals[u] for u in order], s.decimals
            )
            out.append(
                ([(u, clamp(p, s.finals[u])) for u, p in zip(order, parts, strict=True)], [])
            )
        else:
            out.append((allocate_by_price(s, promo, units, total), []))
    return out


RULES = {
    Family.EASY: easy,
    Family.EASY_PLUS: easy_plus,
    Family.COMBO: combo,
    Family.LINE_SPECIAL: line_special,
    Family.BASKET_THRESHOLD: basket_threshold,
    Family.BASKET_TARGET: basket_target,
    Family.REQUISITE_TARGET: requisite_target,
    Family.EVEN_MULTILINE: even_multiline,
}
