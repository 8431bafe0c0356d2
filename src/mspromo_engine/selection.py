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

import functools
from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, Decimal

import attrs

from mspromo_engine.families.common import Candidate, LayerView, Outcome, clamp
from mspromo_engine.model import DiscountType, Family, Node, Promotion, Strategy
from mspromo_engine.money import ZERO, round_money

__all__ = ["resolve_best_discount"]

Run = Callable[[Candidate, LayerView], Outcome]
Applied = list[tuple[Candidate, Outcome]]

# Clusters up to this size are always solved exactly. Up to _TRY_LIMIT the exact search is
# tried with a budget of visited states; beyond, or over budget, the marginal-value
# ranking is used and the result is not exact.
_EXACT_LIMIT = 10
_TRY_LIMIT = 16
# Bounded so a rare large cluster costs tens of milliseconds, not most of a second,
# before the heuristic answers (docs/decisions/selection.md).
_TRY_BUDGET = 1_500
_UNBOUNDED_SIZE = 3


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
            order = [cluster[i] for i in _Search(cluster, view, run).best_order_found()]
        else:
            try:
                if len(cluster) > _TRY_LIMIT:
                    raise _OverBudget
                search = _Search(cluster, view, run, budget=_TRY_BUDGET)
                order = [cluster[i] for i in search.best_order_found()]
            except _OverBudget:
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


class _OverBudget(Exception):
    """The search of a cluster beyond the exact limit ran out of its budget."""


class _Search:
    """Exact best order of one cluster by depth-first branch and bound. Orders are tuples
    of cluster indexes (the cluster is in priority order). At every step the promotion
    with the largest immediate discount is tried first, ties by priority; of orders with
    equal totals the first one in this search order wins.

    Three things keep it fast while exact: a promotion's outcome depends only on which of
    its own units are taken, so outcomes are cached by that; a state reached again with a
    smaller (or equal, later-ordered) total so far is dropped, because the same futures
    follow from it; and a branch whose upper bound cannot beat the best order found is
    cut."""

    def __init__(
        self, cluster: Sequence[Candidate], view: LayerView, run: Run, budget: int | None = None
    ) -> None:
        self.cluster = cluster
        self.budget = budget
        self.root = view
        self.decimals = view.decimals
        self.run = run
        self.masks = [_free_mask(c, view) for c in cluster]
        self.union = 0
        for m in self.masks:
            self.union |= m
        # Three promotions have at most fifteen states: cheaper to visit than to bound.
        self.bounded = len(cluster) > _UNBOUNDED_SIZE
        # (promotion, its units taken) -> (discount, units it takes)
        self.outcomes: dict[tuple[int, int], tuple[Decimal, int]] = {}
        self.bounds: dict[tuple[int, int], Decimal] = {}
        self.promotion_bounds: dict[tuple[int, int], tuple[int, int | None]] = {}
        # state -> the most its promotions still to apply can add, as proved so far
        self.reach: dict[tuple[int, int], Decimal] = {}
        self.best_total = Decimal(-1)
        self.best_order: tuple[int, ...] = ()

    @functools.cached_property
    def ceilings(self) -> list[_Ceiling]:
        return [_Ceiling(c, self.root) for c in self.cluster]

    @functools.cached_property
    def per_unit_bits(self) -> list[tuple[int, list[tuple[int, int, int]]]]:
        """``per_unit`` with the unit's and each promotion's bit, for quick tests."""
        return [(1 << u, [(a, 1 << i, i) for a, i in options]) for u, options in self.per_unit]

    @functools.cached_property
    def per_unit(self) -> list[tuple[int, list[tuple[int, int]]]]:
        """For each unit, the promotions that may take it, the most it could get first
        (in minor units)."""
        out = []
        for u in _bits(self.union):
            options = [
                (ceiling.of_unit_minor[u], i)
                for i, ceiling in enumerate(self.ceilings)
                if u in ceiling.of_unit_minor
            ]
            options.sort(key=lambda o: (-o[0], o[1]))
            out.append((u, options))
        return out

    def best_order_found(self) -> tuple[int, ...]:
        self._visit((1 << len(self.cluster)) - 1, self.root.taken, ZERO, ())
        return self.best_order

    def _outcome(self, i: int, taken: int) -> tuple[Decimal, int]:
        key = (i, taken & self.masks[i])
        known = self.outcomes.get(key)
        if known is None:
            # Only which units are taken matters: a free unit's final price does not
            # change within a layer, and a taken unit is no longer looked at.
            outcome = self.run(self.cluster[i], attrs.evolve(self.root, taken=taken))
            took = 0
            for application in outcome.applications:
                for u in application.units:
                    took |= 1 << u
            known = self.outcomes[key] = (outcome.total, took)
        return known

    def _visit(
        self, remaining: int, taken: int, so_far: Decimal, prefix: tuple[int, ...]
    ) -> Decimal:
        """Search below a state; returns an upper bound on what its promotions still to
        apply can add (exact when nothing below was cut), remembered for the state."""
        if not remaining:
            if so_far > self.best_total:
                self.best_total, self.best_order = so_far, prefix
            return ZERO
        key = (remaining, taken & self.union)
        if self.budget is not None:
            self.budget -= 1
            if self.budget < 0:
                raise _OverBudget
        # Everything found from here on comes later in the search order than what was
        # found before, so on equal totals the earlier find is kept: the tie rule. A
        # state met again is cut by what its first search proved it can add at most:
        # this covers "reached again with no more so far" and more.
        known = self.reach.get(key)
        if known is None and self.bounded:
            known = self._bound(key)
        if known is not None and self._cut(so_far + known):
            return known
        most = ZERO
        children = []
        for i in _bits(remaining):
            children.append((*self._outcome(i, taken), i))
        if all(not took and not total for total, took, _ in children):
            # None of them takes anything now, so none ever will from here (the state
            # does not change): every order adds nothing; the first is priority order.
            self.reach[key] = ZERO
            return self._visit(0, taken, so_far, (*prefix, *_bits(remaining)))
        # Largest immediate discount first: a good order early makes the bound bite.
        children.sort(key=lambda c: (-c[0], c[2]))
        for total, took, i in children:
            below = self._visit(remaining & ~(1 << i), taken | took, so_far + total, (*prefix, i))
            most = max(most, total + below)
        self.reach[key] = most if known is None else min(most, known)
        return self.reach[key]

    def _cut(self, reach: Decimal) -> bool:
        """Whether a branch that can reach at most ``reach`` cannot be the answer: it
        cannot beat (only tie, later in search order) the best order found."""
        return self.best_total >= 0 and reach <= self.best_total

    def _bound(self, key: tuple[int, int]) -> Decimal:
        """What the promotions still to apply can add at most from this state.

        Each promotion p discounts a set D_p of at most k_p free units, the sets are
        disjoint (a unit is consumed once per layer), and p's total is at most
        min(cap_p, sum of c_p(u) over D_p). For any unit thresholds l_u >= 0,
        c <= l_u + (c - l_u)+, and min(cap, a + b) <= min(cap, a) + b for b >= 0, so

            total <= sum_u l_u + sum_p min(cap_p, k_p largest (c_p(u) - l_u)+)

        (the dual of assigning units to promotions; it holds for every choice). Two
        choices are made and the smaller result kept: promotion thresholds t_p (l_u =
        max_p (c_p(u) - t_p)+ with t_p the k_p-th largest ceiling of p, or p charged its
        cap alone), which is never above "each promotion its own ceilings"; and l_u =
        the second best ceiling on u, never above "each free unit its best ceiling".
        Nothing here assumes that taking units lowers a discount: only the set of free
        units and each promotion's ceilings on them are used."""
        known = self.bounds.get(key)
        if known is not None:
            return known
        remaining, taken = key
        charged = 0
        thresholds: dict[int, int | None] = {}
        for i in _bits(remaining):
            mine = (i, taken & self.masks[i])
            split = self.promotion_bounds.get(mine)
            if split is None:
                split = self.promotion_bounds[mine] = self.ceilings[i].split(taken)
            amount, thresholds[i] = split
            charged += amount
        # Thresholds as chosen: only units above a promotion's threshold have excess.
        over: dict[int, int] = {}
        for i, t in thresholds.items():
            if t is None:
                continue
            for amount, u in self.ceilings[i].units:
                if amount <= t:
                    break
                if not taken >> u & 1 and amount - t > over.get(u, 0):
                    over[u] = amount - t
        dual = charged + sum(over.values())
        # Unit thresholds instead: lambda_u = the second best ceiling on u among the
        # remaining promotions, so only u's best promotion has excess there, and each
        # promotion is charged the sum of its k largest excesses, capped.
        second_best = 0
        gains: dict[int, list[int]] = {}
        for bit, options in self.per_unit_bits:
            if taken & bit:
                continue
            best = who = -1
            second = 0
            for amount, promotion_bit, i in options:
                if remaining & promotion_bit:
                    if best < 0:
                        best, who = amount, i
                    else:
                        second = amount
                        break
            if best > second:
                if who in gains:
                    gains[who].append(best - second)
                else:
                    gains[who] = [best - second]
            second_best += second
        auction = second_best
        for i, excesses in gains.items():
            ceiling = self.ceilings[i]
            if 0 <= ceiling.count < len(excesses):
                gain = sum(sorted(excesses, reverse=True)[: ceiling.count])
            else:
                gain = sum(excesses)
            auction += gain if ceiling.cap is None else min(gain, ceiling.cap)
        bound = self.bounds[key] = Decimal(min(dual, auction)).scaleb(-self.decimals)
        return bound


class _Ceiling:
    """A sound upper bound on one promotion's discount on any subset of its free units:
    the sum of the largest per-unit ceilings over as many units as it can discount, capped
    by what its discount definition allows in total. It only shrinks as units are taken."""

    def __init__(self, candidate: Candidate, view: LayerView) -> None:
        promo = candidate.promotion
        mask = _free_mask(candidate, view)
        per_application = _per_application_value(promo, candidate, view.decimals)
        share = _share_ceiling(promo, view, mask) if per_application is not None else None
        # A unit eligible in several groups (through different nodes) takes the largest.
        self.of_unit: dict[int, Decimal] = {}
        for group_nodes in candidate.nodes:
            for u, node in group_nodes.items():
                if mask >> u & 1:
                    amount = _unit_ceiling(promo, node, view, u, per_application)
                    if share is not None:
                        amount = min(amount, share(u))
                    self.of_unit[u] = max(amount, self.of_unit.get(u, amount))
        # The search adds these up a great deal: in whole minor units, rounded up.
        self.decimals = view.decimals
        self.of_unit_minor = {u: _minor_up(a, view.decimals) for u, a in self.of_unit.items()}
        self.units = sorted(((a, u) for u, a in self.of_unit_minor.items()), key=_largest_first)
        self.count = _max_discounted_units(promo)
        cap = _total_cap(promo, candidate, view.decimals)
        self.cap = None if cap is None else _minor_up(cap, view.decimals)

    def at(self, taken: int) -> Decimal:
        total = 0
        left = self.count
        for amount, u in self.units:
            if left == 0 or amount == 0:
                break
            if not taken >> u & 1:
                total += amount
                left -= 1
        if self.cap is not None:
            total = min(total, self.cap)
        return Decimal(total).scaleb(-self.decimals)

    def split(self, taken: int) -> tuple[int, int | None]:
        """A threshold t for the bound of ``_Search._bound`` and what it charges this
        promotion, min(cap, k t): t is the k-th largest free ceiling (0 when fewer), or
        None (infinite) when the cap is below the sum of its k largest ceilings, so the
        promotion is charged its cap and nothing per unit. In minor units."""
        total = 0
        left = self.count
        last = 0
        for amount, u in self.units:
            if left == 0 or amount == 0:
                break
            if not taken >> u & 1:
                total += amount
                last = amount
                left -= 1
        if self.cap is not None and self.cap <= total:
            return self.cap, None
        if left != 0:  # fewer free units than it can discount: all of them count fully
            return 0, 0
        return self.count * last, last


# Families whose discount on a unit is computed by ``discount_units`` from the unit alone
# when the discount is a percentage or strategy ``e`` (SPEC §3.2), on units they consume.
_PER_UNIT_FAMILIES = (
    Family.EASY,
    Family.EASY_PLUS,
    Family.COMBO,
    Family.LINE_SPECIAL,
    Family.REQUISITE_TARGET,
    Family.BASKET_TARGET,
    Family.EVEN_MULTILINE,
)


def _unit_ceiling(
    promo: Promotion, node: Node, view: LayerView, u: int, per_application: Decimal | None
) -> Decimal:
    """An upper bound on what ``promo`` takes off unit ``u``, such that a promotion's
    total never exceeds the sum of these over the units it consumes. Exact where a unit's
    discount depends on that unit alone (percent, strategy ``e``); else its final price."""
    final = view.finals[u]
    family = promo.family
    kind, value, strategy = promo.discount_type, promo.discount_value, promo.discount_type_strategy
    if family is Family.LINE_SPECIAL:
        kind = node.discount_type or kind
        value = promo.discount_value if node.discount_value is None else node.discount_value
        strategy = Strategy.EACH_ITEM
    alone: Decimal | None = None
    if family in _PER_UNIT_FAMILIES or family is Family.BASKET_THRESHOLD:
        if kind is DiscountType.PERCENT:
            alone = round_money(view.reference(promo, u) * value / 100, view.decimals)
        elif strategy is Strategy.EACH_ITEM and family in _PER_UNIT_FAMILIES:
            each = round_money(value * view.units[u].weight, view.decimals)
            alone = each if kind is DiscountType.VALUE else final - each
        elif family is Family.EASY_PLUS:
            # Strategy a: each unit gets the share v/N or its set's remainder (exact).
            share, last = _easy_plus_parts(promo, view.decimals)
            alone = max(share, last) if kind is DiscountType.VALUE else final - min(share, last)
    if per_application is not None and family is not Family.BASKET_THRESHOLD:
        # No unit gets more than its whole application. (A basket threshold's repeated
        # applications all share the same units, so there it is not a per-unit ceiling.)
        alone = per_application
    # Family m computes its targets' discount as r does and only then spreads it over
    # the application's units, exactly (``allocate`` adds up, clamping only lowers):
    # its total is bounded by its targets' ceilings, which are r's, clamped alike.
    return final if alone is None else clamp(alone, final)


def _easy_plus_parts(promo: Promotion, decimals: int) -> tuple[Decimal, Decimal]:
    """The two parts family ``p`` gives with strategy ``a`` (as ``easy_plus`` does)."""
    n = max(1, int(promo.promo_groups[0].qty_or_value_min))
    share = round_money(promo.discount_value / n, decimals)
    return share, promo.discount_value - share * (n - 1)


# Families where a value-off strategy-``a`` application allocates v over exactly its
# discounted units (``allocate_over``), in proportion to the reference price.
_PROPORTIONAL = (
    Family.EASY,
    Family.COMBO,
    Family.REQUISITE_TARGET,
    Family.BASKET_TARGET,
    Family.EVEN_MULTILINE,
)


def _share_ceiling(promo: Promotion, view: LayerView, mask: int) -> Callable[[int], Decimal] | None:
    """For value off with strategy ``a``: the most one unit's share of v can be. An
    application allocates v over its k discounted units by reference price R, so unit u
    gets v R_u / (sum of the k R's) <= v R_u / (R_u + (k - 1) R_min), R_min being the
    smallest R among the promotion's free units now (taking units only raises it, so
    this holds for every subset). ``allocate`` rounds each share half up and puts the
    remainder on the last part: a part exceeds its share by less than k half minor units,
    so k minor units are added. None where this does not apply."""
    per_application = _discounted_per_application(promo)
    if promo.family not in _PROPORTIONAL or per_application is None:
        return None
    units = _bits(mask)
    references = [view.reference(promo, u) for u in units]
    if not references or min(references) <= 0:
        return None
    # A share over a unit's final price moves to the other units (``allocate`` with
    # caps), so the price ratio bounds a share only when R is every unit's final price:
    # then all shares fit (v <= sum of R) or all are capped at their prices.
    finals = view.finals
    if any(r != finals[u] for r, u in zip(references, units, strict=True)):
        return None
    k = per_application
    r_min = min(references)
    v = promo.discount_value
    slack = Decimal(k).scaleb(-view.decimals)

    def share(u: int) -> Decimal:
        r = view.reference(promo, u)
        return round_up(v * r / (r + (k - 1) * r_min), view.decimals) + slack

    return share


def _minor_up(amount: Decimal, decimals: int) -> int:
    """``amount`` in minor units, rounded up (a bound stays a bound)."""
    return int(amount.scaleb(decimals).to_integral_value(rounding=ROUND_CEILING))


def _largest_first(pair: tuple[int, int]) -> tuple[int, int]:
    return -pair[0], pair[1]


def round_up(amount: Decimal, decimals: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_CEILING)


def _discounted_per_application(promo: Promotion) -> int | None:
    """How many units one application discounts (the allocation set of strategy
    ``a``), or None when not fixed."""
    family = promo.family
    if family in (Family.EASY, Family.COMBO, Family.LINE_SPECIAL):
        return sum(max(1, int(g.qty_or_value_min)) for g in promo.promo_groups)
    if family in (Family.REQUISITE_TARGET, Family.BASKET_TARGET, Family.EVEN_MULTILINE):
        target = promo.target_group
        if target is not None:
            return max(1, int(target.qty_or_value_min))
        if promo.target_discounted_group_qty_min is not None:
            # One group of N + M: M is at least 1 and at most the group (``plan``).
            size = max(1, int(promo.promo_groups[0].qty_or_value_min))
            return min(max(1, promo.target_discounted_group_qty_min), size)
    return None


def _max_discounted_units(promo: Promotion) -> int:
    """How many units the promotion can discount at most; -1 when not known. (For ``m``
    the targets' discount is spread over requisites too, but it is the sum of the
    targets' ceilings, so the targets are the units that count.)"""
    per_application = _discounted_per_application(promo)
    if per_application is not None:
        return promo.max_application_limit * per_application
    group = promo.promo_groups[0]
    if promo.family is Family.EASY_PLUS and group.qty_or_value_max is not None:
        return int(group.qty_or_value_max)
    return -1


def _per_application_value(promo: Promotion, candidate: Candidate, decimals: int) -> Decimal | None:
    """For a value-off discount with strategy ``a`` (v allocated by price over each
    application's units): the most one application can give, v plus a minor unit per unit
    for the rounding of the shares. None for any other discount."""
    allocating = (
        Family.EASY,
        Family.COMBO,
        Family.REQUISITE_TARGET,
        Family.BASKET_TARGET,
        Family.EVEN_MULTILINE,
        Family.BASKET_THRESHOLD,
    )
    if (
        promo.family not in allocating
        or promo.discount_type is not DiscountType.VALUE
        or (
            promo.discount_type_strategy is not Strategy.ALL_ITEMS
            and promo.family is not Family.BASKET_THRESHOLD
        )
    ):
        return None
    units = len(candidate.all_units)
    return promo.discount_value + Decimal(1).scaleb(-decimals) * units


def _total_cap(promo: Promotion, candidate: Candidate, decimals: int) -> Decimal | None:
    caps = [] if promo.max_discount is None else [promo.max_discount]
    per_application = _per_application_value(promo, candidate, decimals)
    if per_application is not None:
        caps.append(promo.max_application_limit * per_application)
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
