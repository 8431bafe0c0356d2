"""The exact best order of one best-discount cluster (SPEC §5.3): a memoised depth-first
branch and bound over the state (promotions still to apply, units taken in this layer).
Within a layer a free unit's final price never changes, so that pair determines
everything that can still happen; a branch is cut when an upper bound on what it can
still add cannot beat the best order found so far (docs/decisions/best_discount.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from mspromo_engine.best_discount.ceiling import Ceiling, bits, free_mask
from mspromo_engine.families.common import Candidate, LayerView, Outcome
from mspromo_engine.money import ZERO

__all__ = ["ExactSearch", "OverBudget", "Run"]

Run = Callable[[Candidate, LayerView], Outcome]
# What a promotion contributes to the bound of a state: charged, threshold, count, cap
# and how many applications its free units allow at most (``ExactSearch.bound``).
_PromotionBound = tuple[int, int | None, int, int | None, int | None]
# A promotion's count, cap and applications at most in a state.
_Terms = tuple[int, int | None, int | None]

# Three promotions have at most fifteen states: cheaper to visit than to bound.
_UNBOUNDED_SIZE = 3


class OverBudget(Exception):
    """The search of a cluster beyond the exact limit ran out of its budget."""


class ExactSearch:
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
        self.masks = [free_mask(c, view) for c in cluster]
        self.union = 0
        for m in self.masks:
            self.union |= m
        # Three promotions have at most fifteen states: cheaper to visit than to bound.
        self.bounded = len(cluster) > _UNBOUNDED_SIZE
        # (promotion, its units taken) -> (discount, units it takes)
        self.outcomes: dict[tuple[int, int], tuple[Decimal, int]] = {}
        self.bounds: dict[tuple[int, int], Decimal] = {}
        self.duals: dict[tuple[int, int], tuple[int, int, dict[int, _Terms]]] = {}
        # (promotion, its units taken) -> (charged, threshold, count, cap, applications
        # at most), see ``bound``
        self.promotion_bounds: dict[tuple[int, int], _PromotionBound] = {}
        # (promotion, its units taken) -> its knapsack items (sort key, value, units)
        self.promotion_items: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        # state -> the most its promotions still to apply can add, as proved so far
        self.reach: dict[tuple[int, int], Decimal] = {}
        self.best_total = Decimal(-1)
        self.best_order: tuple[int, ...] = ()

    @functools.cached_property
    def ceilings(self) -> list[Ceiling]:
        return [Ceiling(c, self.root) for c in self.cluster]

    @functools.cached_property
    def per_class(self) -> list[tuple[int, list[tuple[int, int, int]]]]:
        """The units grouped by what every promotion's ceiling on them is (units of one
        line usually agree), as (the units' bits, options): the options are (ceiling,
        promotion bit, promotion) for each promotion that may take them, largest first
        (ties by priority), in minor units."""
        classes: dict[tuple[tuple[int, int], ...], int] = {}
        for u in bits(self.union):
            options = [
                (ceiling.of_unit_minor[u], i)
                for i, ceiling in enumerate(self.ceilings)
                if u in ceiling.of_unit_minor
            ]
            options.sort(key=lambda o: (-o[0], o[1]))
            key = tuple(options)
            classes[key] = classes.get(key, 0) | 1 << u
        return [(mask, [(a, 1 << i, i) for a, i in options]) for options, mask in classes.items()]

    def best_order_found(self) -> tuple[int, ...]:
        self._visit((1 << len(self.cluster)) - 1, self.root.taken, ZERO, ())
        return self.best_order

    def _outcome(self, i: int, taken: int) -> tuple[Decimal, int]:
        key = (i, taken & self.masks[i])
        known = self.outcomes.get(key)
        if known is None and self.bounded:
            # Its free units may no longer allow an application: then it takes nothing.
            # (The bound of the state has usually asked already.)
            split = self.promotion_bounds.get(key)
            if (self.ceilings[i].applications(taken) if split is None else split[4]) == 0:
                known = self.outcomes[key] = (ZERO, 0)
        if known is None:
            # Only which units are taken matters: a free unit's final price does not
            # change within a layer, and a taken unit is no longer looked at.
            root = self.root
            view = LayerView(
                root.units,
                root.finals,
                taken,
                root.discounted_before,
                root.decimals,
                root.keep_zero,
            )
            outcome = self.run(self.cluster[i], view)
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
                raise OverBudget
        # Everything found from here on comes later in the search order than what was
        # found before, so on equal totals the earlier find is kept: the tie rule. A
        # state met again is cut by what its first search proved it can add at most:
        # this covers "reached again with no more so far" and more.
        known = self.reach.get(key)
        if known is None and self.bounded:
            known = self.bound(key, self.best_total - so_far if self.best_total >= 0 else None)
        if known is not None and self._cut(so_far + known):
            return known
        most = ZERO
        children = []
        for i in bits(remaining):
            children.append((*self._outcome(i, taken), i))
        if all(not took and not total for total, took, _ in children):
            # None of them takes anything now, so none ever will from here (the state
            # does not change): every order adds nothing; the first is priority order.
            self.reach[key] = ZERO
            return self._visit(0, taken, so_far, (*prefix, *bits(remaining)))
        # Largest immediate discount first: a good order early makes the bound bite.
        children.sort(key=lambda c: (-c[0], c[2]))
        # Without keep_zero_discount_promos a child that gives nothing takes nothing, so
        # it leaves the state as it is. When some child gives something, none of these
        # is tried now: whatever order goes on from one of them, applying its first
        # giving promotion first and the idle ones last gives at least as much, and the
        # giving children come first in search order, so the answer is the same.
        idle_last = not self.root.keep_zero and children[0][0] > 0
        for total, took, i in children:
            if idle_last and not total:
                break
            below = self._visit(remaining & ~(1 << i), taken | took, so_far + total, (*prefix, i))
            most = max(most, total + below)
        self.reach[key] = most if known is None else min(most, known)
        return self.reach[key]

    def _cut(self, reach: Decimal) -> bool:
        """Whether a branch that can reach at most ``reach`` cannot be the answer: it
        cannot beat (only tie, later in search order) the best order found."""
        return self.best_total >= 0 and reach <= self.best_total

    def bound(self, key: tuple[int, int], enough: Decimal | None = None) -> Decimal:
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
        units and each promotion's ceilings on them are used.

        With ``enough``, the dearer knapsack bound (:meth:`_knapsack`) is left out when
        the two duals are already at most ``enough`` (the branch is cut either way)."""
        known = self.bounds.get(key)
        if known is not None:
            return known
        duals = self.duals.get(key)
        if duals is None:
            duals = self.duals[key] = self._duals(key)
        best, alive, terms = duals
        if best > 0:
            if enough is not None and Decimal(best).scaleb(-self.decimals) <= enough:
                return Decimal(best).scaleb(-self.decimals)
            best = min(best, self._knapsack(alive, key[1], terms))
        bound = self.bounds[key] = Decimal(best).scaleb(-self.decimals)
        return bound

    def _duals(self, key: tuple[int, int]) -> tuple[int, int, dict[int, _Terms]]:
        """The smaller of the two duals of :meth:`bound`, in minor units, with the
        promotions that can still apply and their terms (count, cap, applications)."""
        remaining, taken = key
        charged = 0
        thresholds: dict[int, int | None] = {}
        terms: dict[int, _Terms] = {}
        alive = 0  # the promotions that can still apply at all
        for i in bits(remaining):
            mine = (i, taken & self.masks[i])
            split = self.promotion_bounds.get(mine)
            if split is None:
                ceiling = self.ceilings[i]
                applications = ceiling.applications(taken)
                count, cap = ceiling.terms(applications)
                split = self.promotion_bounds[mine] = (
                    *ceiling.split(taken, count, cap),
                    count,
                    cap,
                    applications,
                )
            amount, thresholds[i], count, cap, applications = split
            if count == 0:
                continue
            alive |= 1 << i
            terms[i] = count, cap, applications
            charged += amount
        # Thresholds as chosen: only units above a promotion's threshold have excess; a
        # unit's is the largest over the promotions. The same for every unit of a class.
        free = ~taken
        over = 0
        for mask, options in self.per_class:
            count = (mask & free).bit_count()
            if not count:
                continue
            most = 0
            for amount, _, i in options:
                t = thresholds.get(i)
                if t is not None and amount - t > most:
                    most = amount - t
            over += most * count
        dual = charged + over
        # Unit thresholds instead: lambda_u = the second best ceiling on u among the
        # remaining promotions, so only u's best promotion has excess there, and each
        # promotion is charged the sum of its k largest excesses, capped.
        second_best = 0
        gains: dict[int, list[tuple[int, int]]] = {}
        for mask, options in self.per_class:
            count = (mask & free).bit_count()
            if not count:
                continue
            best = who = -1
            second = 0
            for amount, promotion_bit, i in options:
                if alive & promotion_bit:
                    if best < 0:
                        best, who = amount, i
                    else:
                        second = amount
                        break
            if best > second:
                if who in gains:
                    gains[who].append((best - second, count))
                else:
                    gains[who] = [(best - second, count)]
            second_best += second * count
        auction = second_best
        for i, excesses in gains.items():
            count, cap, _ = terms[i]
            gain = _largest_sum(excesses, count)
            auction += gain if cap is None else min(gain, cap)
        return min(dual, auction), alive, terms

    @functools.cached_property
    def _scale(self) -> int:
        """A multiple of every application's size: value * scale // units is exact."""
        return math.lcm(*(c.weight for c in self.ceilings if c.weight > 0))

    def _knapsack(self, alive: int, taken: int, terms: dict[int, _Terms]) -> int:
        """A third bound, on how many units the promotions consume: every application
        takes a number of free units (requisites included), so the applications that
        still fit in the free units, each worth at most its largest ceilings, bound the
        total; the fractional knapsack of them, by value per unit (never below the
        integer one, since each promotion's items never grow), in minor units."""
        items: list[tuple[int, int, int]] = []
        mask = 0
        for i, (count, cap, applications) in terms.items():
            mine = (i, taken & self.masks[i])
            own = self.promotion_items.get(mine)
            if own is None:
                scale = self._scale
                own = self.promotion_items[mine] = [
                    (-(value * scale // weight) if weight else 0, value, weight)
                    for value, weight in self.ceilings[i].items(taken, count, cap, applications)
                ]
            items.extend(own)
            mask |= self.masks[i]
        left = (mask & ~taken).bit_count()
        total = 0
        # Items of no known size always fit; the others by value per unit, exactly.
        sized = []
        for item in items:
            if item[2]:
                sized.append(item)
            else:
                total += item[1]
        sized.sort()
        for _, value, weight in sized:
            if weight <= left:
                total += value
                left -= weight
            else:
                return total - (-value * left // weight)  # the fraction that fits, up
        return total


def _largest_sum(excesses: list[tuple[int, int]], count: int) -> int:
    """The sum of the ``count`` largest of the excesses, given as (excess, how many
    units have it); all of them when ``count`` is -1."""
    total = sum(e * n for e, n in excesses)
    if count < 0 or sum(n for _, n in excesses) <= count:
        return total
    total = 0
    for e, n in sorted(excesses, reverse=True):
        if n >= count:
            return total + e * count
        total += e * n
        count -= n
    return total
