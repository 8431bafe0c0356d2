"""Upper bounds on what one promotion can still give, for the best-discount search.

Each bound is built from the facts the promotion's family rule declares
(:class:`~mspromo_engine.families.rule.FamilyRule`): how a unit's discount is computed,
how many units an application discounts, whether value off is allocated by price. A
bound may be loose but never below what the family's ``apply`` gives (see
docs/decisions/best_discount.md); nothing here assumes that taking units away from a
promotion lowers its discount.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from mspromo_engine.families import RULES
from mspromo_engine.families.common import Candidate, LayerView, clamp
from mspromo_engine.families.rule import FamilyRule
from mspromo_engine.model import DiscountType, Node, Promotion, Strategy
from mspromo_engine.money import minor_units_up, round_money, round_up

__all__ = ["Ceiling", "bits", "free_mask"]


def free_mask(candidate: Candidate, view: LayerView) -> int:
    """The bits of the candidate's units it may still take in this layer."""
    blocked = view.taken
    if not candidate.promotion.apply_on_discounted_items:
        blocked |= view.discounted_before
    mask = 0
    for u in candidate.all_units:
        mask |= 1 << u
    return mask & ~blocked


def bits(mask: int) -> list[int]:
    """The indexes of the bits set in ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class Ceiling:
    """A sound upper bound on one promotion's discount on any subset of its free units:
    the sum of the largest per-unit ceilings over as many units as it can discount, capped
    by what its discount definition allows in total. It only shrinks as units are taken."""

    def __init__(self, candidate: Candidate, view: LayerView) -> None:
        promo = candidate.promotion
        rule = RULES[promo.family]
        mask = free_mask(candidate, view)
        per_application = _per_application_value(promo, rule, candidate, view.decimals)
        share = _share_ceiling(promo, rule, view, mask) if per_application is not None else None
        # A unit eligible in several groups (through different nodes) takes the largest.
        self.of_unit: dict[int, Decimal] = {}
        for group_nodes in candidate.nodes:
            for u, node in group_nodes.items():
                if mask >> u & 1:
                    amount = _unit_ceiling(
                        promo, rule, node, view, u, per_application=per_application
                    )
                    if share is not None:
                        amount = min(amount, share(u))
                    self.of_unit[u] = max(amount, self.of_unit.get(u, amount))
        # The search adds these up a great deal: in whole minor units, rounded up.
        self.decimals = view.decimals
        self.of_unit_minor = {u: minor_units_up(a, view.decimals) for u, a in self.of_unit.items()}
        # The ceilings as (amount, bits of the units with it), largest first: units of one
        # line usually share a ceiling, so a bound counts free bits, not units.
        levels: dict[int, int] = {}
        for u, a in self.of_unit_minor.items():
            levels[a] = levels.get(a, 0) | 1 << u
        self.levels = sorted(levels.items(), reverse=True)
        self.count = rule.max_discounted_units(promo)
        cap = _total_cap(promo, rule, candidate, view.decimals)
        self.cap = None if cap is None else minor_units_up(cap, view.decimals)
        # How many applications the free units still allow bounds the units and, for
        # value off allocated per application, the total (``terms``).
        self.promotion = promo
        self.most_applications = rule.most_applications
        self.per_application = rule.discounted_per_application(promo)
        self.value_per_application = (
            None if per_application is None else minor_units_up(per_application, view.decimals)
        )
        self.group_masks = [_mask_of(units) & mask for units in candidate.groups]
        self.mask = mask
        self.weight = rule.units_per_application(promo)

    def applications(self, taken: int) -> int | None:
        """The most applications its free units allow (None: not known)."""
        free = ~taken
        return self.most_applications(
            self.promotion,
            [(m & free).bit_count() for m in self.group_masks],
            (self.mask & free).bit_count(),
        )

    def terms(self, applications: int | None) -> tuple[int, int | None]:
        """How many units it can still discount at most (-1: not known) and the most it
        can still give in all (None: no cap), in minor units, when its free units allow
        at most ``applications`` (:meth:`applications`). (0, 0) when it cannot apply."""
        if applications is None:
            return self.count, self.cap
        if applications <= 0:
            return 0, 0
        count = self.count
        cap = self.cap
        if self.per_application is not None:
            count = min(count, applications * self.per_application)
        if self.value_per_application is not None:
            most = applications * self.value_per_application
            cap = most if cap is None else min(cap, most)
        return count, cap

    def at(self, taken: int) -> Decimal:
        count, cap = self.terms(self.applications(taken))
        total, _, _ = self._largest(taken, count)
        if cap is not None:
            total = min(total, cap)
        return Decimal(total).scaleb(-self.decimals)

    def items(
        self, taken: int, count: int, cap: int | None, applications: int | None
    ) -> list[tuple[int, int]]:
        """For the search's knapsack bound: (the most its next application can add,
        the units that application consumes), one item per application its free units
        still allow, never increasing (the sums of the largest ceilings are concave,
        and so are the caps); one item of the whole promotion where applications are
        not counted. In minor units."""
        per = self.per_application
        if applications is None:
            total, _, _ = self._largest(taken, count)
            if cap is not None:
                total = min(total, cap)
            return [(total, self.weight)] if total > 0 else []
        if per is None:
            # Applications of no fixed size discount every unit they consume (Easy+): an
            # item per unit, its ceiling for one unit (never more than the cap in all).
            return _unit_items(self.levels, taken, count, cap)
        out = []
        before = 0
        per_value = self.value_per_application
        sums = _prefix_sums(self.levels, taken, per, applications)
        for j, largest in enumerate(sums):
            total = largest if per_value is None else min(largest, (j + 1) * per_value)
            if cap is not None:
                total = min(total, cap)
            if total <= before:
                break
            out.append((total - before, self.weight))
            before = total
        return out

    def split(self, taken: int, count: int, cap: int | None) -> tuple[int, int | None]:
        """A threshold t for the bound of ``ExactSearch.bound`` and what it charges this
        promotion, min(cap, k t): t is the k-th largest free ceiling (0 when fewer), or
        None (infinite) when the cap is below the sum of its k largest ceilings, so the
        promotion is charged its cap and nothing per unit. In minor units."""
        total, left, last = self._largest(taken, count)
        if cap is not None and cap <= total:
            return cap, None
        if left != 0:  # fewer free units than it can discount: all of them count fully
            return 0, 0
        return count * last, last

    def _largest(self, taken: int, count: int) -> tuple[int, int, int]:
        """The sum of the ``count`` largest positive ceilings of free units (all of them
        when ``count`` is -1), how many of ``count`` are left over, and the smallest
        ceiling summed (0 when none). In minor units."""
        total = 0
        left = count
        last = 0
        for amount, mask in self.levels:
            if left == 0 or amount == 0:
                break
            free = (mask & ~taken).bit_count()
            if free:
                if 0 <= left < free:
                    free = left
                total += amount * free
                last = amount
                left -= free
        return total, left, last


def _unit_ceiling(
    promo: Promotion,
    rule: FamilyRule,
    node: Node,
    view: LayerView,
    u: int,
    *,
    per_application: Decimal | None,
) -> Decimal:
    """An upper bound on what ``promo`` takes off unit ``u``, such that a promotion's
    total never exceeds the sum of these over the units it consumes. Exact where a unit's
    discount depends on that unit alone (percent, strategy ``e``); else its final price."""
    final = view.finals[u]
    kind, value, strategy = rule.unit_terms(promo, node)
    alone: Decimal | None = None
    if kind is DiscountType.PERCENT:
        alone = round_money(view.reference(promo, u) * value / 100, view.decimals)
    elif strategy is Strategy.EACH_ITEM:
        each = round_money(value * view.units[u].weight, view.decimals)
        alone = each if kind is DiscountType.VALUE else final - each
    elif rule.share_parts is not None:
        # Strategy a: each unit gets the share v/N or its set's remainder (exact).
        share, last = rule.share_parts(promo, view.decimals)
        alone = max(share, last) if kind is DiscountType.VALUE else final - min(share, last)
    if per_application is not None and not rule.pooled_applications:
        # No unit gets more than its whole application. (Where repeated applications all
        # share the same units, it is not a per-unit ceiling.)
        alone = per_application
    # Family m computes its targets' discount as r does and only then spreads it over
    # the application's units, exactly (``allocate`` adds up, clamping only lowers):
    # its total is bounded by its targets' ceilings, which are r's, clamped alike.
    return final if alone is None else clamp(alone, final)


def _share_ceiling(
    promo: Promotion, rule: FamilyRule, view: LayerView, mask: int
) -> Callable[[int], Decimal] | None:
    """For value off with strategy ``a``: the most one unit's share of v can be. An
    application allocates v over its k discounted units by reference price R, so unit u
    gets v R_u / (sum of the k R's) <= v R_u / (R_u + (k - 1) R_min), R_min being the
    smallest R among the promotion's free units now (taking units only raises it, so
    this holds for every subset). ``allocate`` rounds each share half up and puts the
    remainder on the last part: a part exceeds its share by less than k half minor units,
    so k minor units are added. None where this does not apply (no fixed k)."""
    k = rule.discounted_per_application(promo)
    if not rule.allocates_value or k is None:
        return None
    units = bits(mask)
    references = [view.reference(promo, u) for u in units]
    if not references or min(references) <= 0:
        return None
    # A share over a unit's final price moves to the other units (``allocate`` with
    # caps), so the price ratio bounds a share only when R is every unit's final price:
    # then all shares fit (v <= sum of R) or all are capped at their prices.
    finals = view.finals
    if any(r != finals[u] for r, u in zip(references, units, strict=True)):
        return None
    r_min = min(references)
    v = promo.discount_value
    slack = Decimal(k).scaleb(-view.decimals)

    def share(u: int) -> Decimal:
        r = view.reference(promo, u)
        return round_up(v * r / (r + (k - 1) * r_min), view.decimals) + slack

    return share


def _unit_items(
    levels: list[tuple[int, int]], taken: int, count: int, cap: int | None
) -> list[tuple[int, int]]:
    """The ``count`` largest free ceilings (all when -1) as knapsack items worth a
    ceiling per unit (the units of one ceiling together: the knapsack may take part of
    an item), the last ones cut so that they add up to at most ``cap``."""
    out: list[tuple[int, int]] = []
    left = count
    room = cap
    for amount, mask in levels:
        if amount == 0 or left == 0 or room == 0:
            break
        free = (mask & ~taken).bit_count()
        if 0 <= left < free:
            free = left
        if not free:
            continue
        if room is not None and amount * free > room:
            whole = room // amount
            if whole:
                out.append((amount * whole, whole))
            if room > amount * whole:
                out.append((room - amount * whole, 1))
            break
        out.append((amount * free, free))
        if room is not None:
            room -= amount * free
        left -= free
    return out


def _prefix_sums(levels: list[tuple[int, int]], taken: int, step: int, n: int) -> list[int]:
    """The sums of the ``step``, 2 ``step``, ... n ``step`` largest free ceilings of
    ``levels`` ((amount, units' bits), largest first); all of them once they run out."""
    out: list[int] = []
    total = 0
    want = step
    have = 0
    for amount, mask in levels:
        if amount == 0:
            break
        free = (mask & ~taken).bit_count()
        while free:
            used = min(free, want - have)
            total += amount * used
            have += used
            free -= used
            if have == want:
                out.append(total)
                if len(out) == n:
                    return out
                want += step
    return out + [total] * (n - len(out))


def _mask_of(units: tuple[int, ...]) -> int:
    mask = 0
    for u in units:
        mask |= 1 << u
    return mask


def _per_application_value(
    promo: Promotion, rule: FamilyRule, candidate: Candidate, decimals: int
) -> Decimal | None:
    """For a value-off discount with strategy ``a`` (v allocated by price over each
    application's units): the most one application can give, v plus a minor unit per unit
    for the rounding of the shares. None for any other discount."""
    if not rule.allocates_value or promo.discount_type is not DiscountType.VALUE:
        return None
    _, _, strategy = rule.unit_terms(promo, _ANY_NODE)
    if strategy is not Strategy.ALL_ITEMS:
        return None
    units = len(candidate.all_units)
    return promo.discount_value + Decimal(1).scaleb(-decimals) * units


# Families whose terms do not depend on the node are asked with this one.
_ANY_NODE = Node("ALL")


def _total_cap(
    promo: Promotion, rule: FamilyRule, candidate: Candidate, decimals: int
) -> Decimal | None:
    caps = [] if promo.max_discount is None else [promo.max_discount]
    per_application = _per_application_value(promo, rule, candidate, decimals)
    if per_application is not None:
        caps.append(promo.max_application_limit * per_application)
    return min(caps) if caps else None
