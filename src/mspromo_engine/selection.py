"""Best-discount resolution (SPEC §5.3): split the best-discount promotions of a layer
into independent clusters and apply each cluster in the order that gives the customer
the largest total discount.

Within a cluster the best order is found exactly by a memoised depth-first search over
the state (promotions still to apply, units taken in this layer): within a layer a free
unit's final price never changes, so that pair determines everything that can still
happen. A branch is cut when an upper bound on what it can still add cannot beat the
best order found so far. The bound is sound for every family (see
docs/decisions/selection.md); in particular it does not assume that taking units away
from a promotion lowers its discount, which is false for "favour retailer" selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from mspromo_engine.families.common import Candidate, LayerView, Outcome, clamp
from mspromo_engine.model import DiscountType, Family, Node, Promotion, Strategy
from mspromo_engine.money import ZERO, round_money

__all__ = ["resolve_best_discount"]

Run = Callable[[Candidate, LayerView], Outcome]
Applied = list[tuple[Candidate, Outcome]]

# Clusters up to this size are solved exactly; larger ones use the marginal-value ranking.
_EXACT_LIMIT = 12


def resolve_best_discount(
    candidates: Sequence[Candidate], view: LayerView, run: Run
) -> tuple[Applied, LayerView, bool]:
    """Apply the candidates in the best order. Returns what each did (in the order they
    were applied), the view afterwards, and whether the result is provably optimal."""
    applied: Applied = []
    exact = True
    for cluster in clusters(candidates, view):
        if len(cluster) == 1:
            order: Sequence[Candidate] = cluster
        elif len(cluster) <= _EXACT_LIMIT:
            order = [cluster[i] for i in _Search(cluster, view, run).best_order()]
        else:
            order = _heuristic_order(cluster, view, run)
            exact = False
        # Clusters share no free unit, so each one's order is found on the current view.
        for candidate in order:
            outcome = run(candidate, view)
            applied.append((candidate, outcome))
            view = view.after(outcome)
    return applied, view, exact


def clusters(candidates: Sequence[Candidate], view: LayerView) -> list[list[Candidate]]:
    """Independent groups of candidates: two are connected when they can take the same
    free unit. Members and clusters are in priority order (``priority_key``)."""
    found: list[tuple[int, list[Candidate]]] = []
    for candidate in sorted(candidates, key=lambda c: c.promotion.priority_key):
        mask = _free_mask(candidate, view)
        members = [candidate]
        rest: list[tuple[int, list[Candidate]]] = []
        for other_mask, other in found:
            if other_mask & mask:
                mask |= other_mask
                members = other + members
            else:
                rest.append((other_mask, other))
        found = [*rest, (mask, members)]
    out = [sorted(m, key=lambda c: c.promotion.priority_key) for _, m in found]
    return sorted(out, key=lambda m: m[0].promotion.priority_key)


def _free_mask(candidate: Candidate, view: LayerView) -> int:
    blocked = view.taken
    if not candidate.promotion.apply_on_discounted_items:
        blocked |= view.discounted_before
    mask = 0
    for u in candidate.all_units:
        mask |= 1 << u
    return mask & ~blocked


class _Search:
    """Exact best order of one cluster. Orders are tuples of cluster indexes; the cluster
    is in priority order, so the lexicographically smallest order breaks equal totals."""

    def __init__(self, cluster: Sequence[Candidate], view: LayerView, run: Run) -> None:
        self.cluster = cluster
        self.root = view
        self.run = run
        self.masks = [_free_mask(c, view) for c in cluster]
        self.union = 0
        for m in self.masks:
            self.union |= m
        self.ceilings = [_Ceiling(c, view) for c in cluster]
        self.memo: dict[tuple[int, int], tuple[Decimal, tuple[int, ...]]] = {}

    def best_order(self) -> tuple[int, ...]:
        return self._solve((1 << len(self.cluster)) - 1, self.root)[1]

    def _solve(self, remaining: int, view: LayerView) -> tuple[Decimal, tuple[int, ...]]:
        key = (remaining, view.taken & self.union)
        known = self.memo.get(key)
        if known is not None:
            return known
        children = []
        for i in _bits(remaining):
            outcome = self.run(self.cluster[i], view)
            children.append((outcome.total, i, outcome))
        best_total = Decimal(-1)
        best_order: tuple[int, ...] = ()
        # Largest immediate discount first: a good order early makes the bound bite.
        for now, i, outcome in sorted(children, key=lambda c: (-c[0], c[1])):
            rest = remaining & ~(1 << i)
            after = view.after(outcome)
            if rest and best_order:
                ceiling = now + self._bound(rest, after.taken)
                if ceiling < best_total or (ceiling == best_total and i > best_order[0]):
                    continue
            later, sub_order = self._solve(rest, after) if rest else (ZERO, ())
            total = now + later
            order = (i, *sub_order)
            if total > best_total or (total == best_total and order < best_order):
                best_total, best_order = total, order
        self.memo[key] = (best_total, best_order)
        return best_total, best_order

    def _bound(self, remaining: int, taken: int) -> Decimal:
        """What the promotions in ``remaining`` can still add at most: each promotion's
        own ceiling, and never more than the free units' final prices together."""
        per_promotion = sum((self.ceilings[i].at(taken) for i in _bits(remaining)), ZERO)
        units = 0
        for i in _bits(remaining):
            units |= self.masks[i]
        finals = self.root.finals
        free = units & ~taken
        return min(per_promotion, sum((finals[u] for u in _bits(free)), ZERO))


class _Ceiling:
    """A sound upper bound on one promotion's discount on any subset of its free units:
    the sum of the largest per-unit ceilings over as many units as it can discount, capped
    by what its discount definition allows in total. It only shrinks as units are taken."""

    def __init__(self, candidate: Candidate, view: LayerView) -> None:
        promo = candidate.promotion
        nodes: dict[int, Node] = {}
        for group_nodes in candidate.nodes:
            for u, node in group_nodes.items():
                nodes.setdefault(u, node)
        mask = _free_mask(candidate, view)
        per_unit = [(_unit_ceiling(promo, nodes[u], view, u), u) for u in _bits(mask)]
        self.units = sorted(per_unit, key=lambda p: (-p[0], p[1]))
        self.count = _max_discounted_units(promo)
        self.cap = _total_cap(promo, view.decimals)

    def at(self, taken: int) -> Decimal:
        total = ZERO
        left = self.count
        for amount, u in self.units:
            if left == 0 or amount == 0:
                break
            if not taken >> u & 1:
                total += amount
                left -= 1
        return total if self.cap is None else min(total, self.cap)


_ITEM_FAMILIES = (Family.EASY, Family.EASY_PLUS, Family.COMBO, Family.LINE_SPECIAL)


def _unit_ceiling(promo: Promotion, node: Node, view: LayerView, u: int) -> Decimal:
    """The most ``promo`` can take off unit ``u``. Exact where a unit's discount does not
    depend on the other units (percent, strategy ``e``); else its final price."""
    final = view.finals[u]
    if promo.family not in _ITEM_FAMILIES:
        return final
    kind, value, strategy = promo.discount_type, promo.discount_value, promo.discount_type_strategy
    if promo.family is Family.LINE_SPECIAL:
        kind = node.discount_type or kind
        value = promo.discount_value if node.discount_value is None else node.discount_value
        strategy = Strategy.EACH_ITEM
    if kind is DiscountType.PERCENT:
        return clamp(round_money(view.reference(promo, u) * value / 100, view.decimals), final)
    if strategy is Strategy.EACH_ITEM and promo.family is not Family.EASY_PLUS:
        each = round_money(value * view.units[u].weight, view.decimals)
        return clamp(each if kind is DiscountType.VALUE else final - each, final)
    return final


def _max_discounted_units(promo: Promotion) -> int:
    needs = sum(max(1, int(g.qty_or_value_min)) for g in promo.promo_groups)
    if promo.family in (Family.EASY, Family.COMBO, Family.LINE_SPECIAL):
        return promo.max_application_limit * needs
    group = promo.promo_groups[0]
    if promo.family is Family.EASY_PLUS and group.qty_or_value_max is not None:
        return int(group.qty_or_value_max)
    return -1  # no limit known: every free unit counts


def _total_cap(promo: Promotion, decimals: int) -> Decimal | None:
    caps = [] if promo.max_discount is None else [promo.max_discount]
    if (
        promo.family in (Family.EASY, Family.COMBO)
        and promo.discount_type is DiscountType.VALUE
        and promo.discount_type_strategy is Strategy.ALL_ITEMS
    ):
        # v per application, allocated by price; rounding of the shares may add at most
        # one minor unit per unit of the application.
        units = sum(max(1, int(g.qty_or_value_min)) for g in promo.promo_groups)
        slack = Decimal(1).scaleb(-decimals) * units
        caps.append(promo.max_application_limit * (promo.discount_value + slack))
    return min(caps) if caps else None


def _heuristic_order(cluster: Sequence[Candidate], view: LayerView, run: Run) -> list[Candidate]:
    """Marginal-value ranking for clusters too large to solve exactly: each promotion's
    discount alone per unit it would take that others could use, best first (ties by
    priority). Kept only when it beats plain priority order."""
    masks = [_free_mask(c, view) for c in cluster]
    scored = []
    for i, candidate in enumerate(cluster):
        alone = run(candidate, view)
        others = 0
        for j, m in enumerate(masks):
            if j != i:
                others |= m
        contested = sum(1 for a in alone.applications for u in a.units if others >> u & 1)
        scored.append((alone.total / max(1, contested), i))
    ranked = [cluster[i] for _, i in sorted(scored, key=lambda s: (-s[0], s[1]))]
    if _total(ranked, view, run) >= _total(cluster, view, run):
        return ranked
    return list(cluster)


def _total(order: Sequence[Candidate], view: LayerView, run: Run) -> Decimal:
    total = ZERO
    for candidate in order:
        outcome = run(candidate, view)
        total += outcome.total
        view = view.after(outcome)
    return total


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out
