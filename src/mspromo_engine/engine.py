"""Evaluation: which promotions take part, then layer by layer (SPEC §5.2), each layer's
best-discount promotions resolved before its priority promotions, item-level families
before basket families. Working state is local to one call: rule sets stay shared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import groupby, pairwise
from typing import TypeVar
from zoneinfo import ZoneInfo

import attrs

from mspromo_engine.basket import EvaluationRequest, Item, Unit
from mspromo_engine.best_discount import resolve_best_discount
from mspromo_engine.coupons import NO_USAGE, CouponInfo, UsageCounts, coupons_info
from mspromo_engine.eligibility import GroupIndex
from mspromo_engine.explain import Reason
from mspromo_engine.families import RULES
from mspromo_engine.families.common import Application, Candidate, LayerView, Outcome
from mspromo_engine.model import DiscountApplyType, EvaluateCriteria, Node, Promotion
from mspromo_engine.money import ZERO, allocate
from mspromo_engine.participation import exclusion_reason
from mspromo_engine.result import Evaluation, PromotionResult
from mspromo_engine.ruleset import RuleSet

__all__ = ["canonical_units", "make_candidate", "run", "run_candidate"]

K = TypeVar("K")


def canonical_units(items: tuple[Item, ...]) -> tuple[Unit, ...]:
    """The basket's units in canonical line order, so that the order of lines in the
    request never changes the result (SPEC §5.6); ``Unit.line`` keeps the request index."""
    return _expand(items)[0]


def _expand(items: tuple[Item, ...]) -> tuple[tuple[Unit, ...], BasketLines]:
    """:func:`canonical_units` and their :class:`BasketLines`, built line by line."""
    order = _line_order(items)
    units: list[Unit] = []
    spans: list[tuple[int, int, Unit]] = []
    for line in order:
        item = items[line]
        cats = frozenset([(c.type, c.value) for c in item.categories])
        first = len(units)
        sku, mrp, sp, weight = item.sku, item.mrp, item.sp, item.weight
        units += [Unit(u, line, sku, mrp, sp, weight, cats) for u in range(first, first + item.qty)]
        spans.append((first, len(units), units[first]))
    return tuple(units), BasketLines.of_spans(spans)


def _line_order(items: tuple[Item, ...]) -> list[int]:
    """Line positions sorted by the whole line (:func:`_line_key`), ties by position. SKU
    and item id decide almost always: the whole key is only built when two lines share
    both (the order is the same either way, the whole key starts with them)."""
    first = [(item.sku, item.item_id) for item in items]
    order = sorted(range(len(items)), key=first.__getitem__)
    if any(first[a] == first[b] for a, b in pairwise(order)):
        return sorted(range(len(items)), key=lambda i: (_line_key(items[i]), i))
    return order


def _line_key(item: Item) -> tuple[object, ...]:
    return (
        item.sku,
        item.item_id,
        item.barcode,
        item.mrp,
        item.sp,
        item.weight,
        item.uom,
        item.qty,
        sorted([(c.type, c.value) for c in item.categories]),
    )


def run(request: EvaluationRequest, rules: RuleSet, usage: UsageCounts = NO_USAGE) -> Evaluation:
    units, lines = _expand(request.basket.items)
    local_at = request.at.astimezone(ZoneInfo(request.timezone))
    qualifiers = request.qualifier_ids
    explain = request.explain
    # key -> (phase key, result): sorted by both at the end.
    results: dict[tuple[str, str], tuple[PhaseKey, PromotionResult]] = {}
    # (phase key, position, candidate): sorted into evaluation order.
    keyed: list[tuple[PhaseKey, int, Candidate]] = []
    phases: dict[int, PhaseKey] = {}  # id(promotion) -> its phase key, for candidates

    # An on-the-fly promotion replaces a stored one with the same retailer id (SPEC §5.5).
    overridden = {_key(p) for p in request.promo_override}
    store_id = request.store_id
    # A line's units share SKU and categories: one unit per line is enough to match.
    considered = [
        (p, indexes, store_id in p.stores)
        for p, indexes in rules.matching_with_groups([rep for _, _, rep in lines.spans])
        if (p.retailer, p.promo_id_retailer) not in overridden
    ]
    considered += [(p, rules.groups_of(p), True) for p in request.promo_override]
    for promo, indexes, linked in considered:
        reason = exclusion_reason(promo, request, local_at, qualifiers, linked=linked, usage=usage)
        if reason is None:
            candidate = make_candidate(promo, units, indexes, lines)
            if any(candidate.groups):
                key = _phase_key(promo)
                phases[id(promo)] = key
                keyed.append((key, len(keyed), candidate))
                continue
            reason = _eligibility_reason(indexes, units)
        if explain:
            results[_key(promo)] = (_phase_key(promo), PromotionResult(promo, reason=reason))

    mrps = tuple([u.mrp for u in units])
    finals = sps = tuple([u.sp for u in units])
    discounted = 0
    exact = True
    keyed.sort()
    for _, layer_iter in groupby(keyed, key=_layer_of):
        view = LayerView(
            units,
            finals,
            0,
            discounted,
            request.currency_decimals,
            request.keep_zero_discount_promos,
            mrps,
            sps,
        )
        layer = list(layer_iter)
        layer_start = view
        for _, phase_iter in groupby(layer, key=_is_basket_of):
            phase = list(phase_iter)
            best = [c for _, _, c in phase if c.promotion.evaluate_criteria is _BEST]
            phase_start = view
            applied: list[tuple[Candidate, Outcome]] = []
            if best:
                applied, view, cluster_exact = resolve_best_discount(best, view, run_candidate)
                exact = exact and cluster_exact
            for _, _, candidate in phase:
                if candidate.promotion.evaluate_criteria is _PRIORITY:
                    outcome = run_candidate(candidate, view)
                    applied.append((candidate, outcome))
                    view = view.after(outcome)
            for candidate, outcome in applied:
                reason = _outcome_reason(outcome)
                if explain and not outcome.applications:
                    reason = _why_not(
                        candidate, reason, candidate in best, phase_start, layer_start
                    )
                promo = candidate.promotion
                results[(promo.retailer, promo.promo_id_retailer)] = (
                    phases[id(promo)],
                    PromotionResult(promo, outcome, reason),
                )
        after = view.finals
        if after is not finals:
            for u, before in enumerate(finals):
                if after[u] is not before and after[u] != before:
                    discounted |= 1 << u
            finals = after
    # In evaluation order, not the order the rule set listed them: a store's rules are a
    # set, and the response (explanations, suggestions) must not depend on their order.
    ordered = tuple(r for _, _, r in sorted((ph, k, r) for k, (ph, r) in results.items()))
    coupons: tuple[CouponInfo, ...] = ()
    if request.coupons:
        coupons = coupons_info(
            request.coupons,
            _coupon_carriers(request, rules, overridden),
            frozenset(_key(r.promotion) for r in ordered if r.applied),
        )
    return Evaluation(request, units, ordered, exact, coupons)


PhaseKey = tuple[int, bool, tuple[int, int, str]]
# Enum members read once (a lookup on the enum class is slow in CPython 3.11).
_BEST = EvaluateCriteria.BEST_DISCOUNT
_PRIORITY = EvaluateCriteria.PRIORITY
_CASHBACK = DiscountApplyType.CASHBACK
_ZERO_DISCOUNT = Reason.ZERO_DISCOUNT
_CAPPED = Reason.CAPPED_BY_MAX_DISCOUNT
_APPLIED = Reason.APPLIED


def _layer_of(entry: tuple[PhaseKey, int, Candidate]) -> int:
    return entry[0][0]


def _is_basket_of(entry: tuple[PhaseKey, int, Candidate]) -> bool:
    return entry[0][1]


def _coupon_carriers(
    request: EvaluationRequest, rules: RuleSet, overridden: set[tuple[str, str]]
) -> dict[str, list[Promotion]]:
    """The store's promotions (linked, not replaced by an override) and the overrides
    that carry each requested code."""
    out: dict[str, list[Promotion]] = {}
    for code in request.coupons:
        out[code] = [
            p
            for p in rules.carrying(code)
            if request.store_id in p.stores and _key(p) not in overridden
        ]
        out[code] += [p for p in request.promo_override if code in p.coupon_codes]
    return out


def _key(promo: Promotion) -> tuple[str, str]:
    return (promo.retailer, promo.promo_id_retailer)


def _phase_key(promo: Promotion) -> PhaseKey:
    return (promo.effective_layer, promo.family.is_basket, promo.priority_key)


@attrs.frozen
class BasketLines:
    """The basket's lines in canonical order, for eligibility: each line's unit range and
    one unit standing for it (a line's units share SKU and categories), and which lines
    carry each SKU and each category."""

    spans: tuple[tuple[int, int, Unit], ...]  # (first unit, end, a unit of the line)
    by_sku: dict[str, list[int]]
    by_category: dict[tuple[str, str], list[int]]

    @classmethod
    def of(cls, units: tuple[Unit, ...]) -> BasketLines:
        spans: list[tuple[int, int, Unit]] = []
        for unit in units:
            if spans and spans[-1][2].line == unit.line:
                continue
            if spans:
                first, _, rep = spans[-1]
                spans[-1] = (first, unit.index, rep)
            spans.append((unit.index, len(units), unit))
        return cls.of_spans(spans)

    @classmethod
    def of_spans(cls, spans: list[tuple[int, int, Unit]]) -> BasketLines:
        """From each line's (first unit, end, a unit of the line), in canonical order."""
        by_sku: dict[str, list[int]] = {}
        by_category: dict[tuple[str, str], list[int]] = {}
        for at, (_, _, unit) in enumerate(spans):
            by_sku.setdefault(unit.sku, []).append(at)
            for cat in unit.categories:
                by_category.setdefault(cat, []).append(at)
        return cls(tuple(spans), by_sku, by_category)

    def candidates(self, index: GroupIndex) -> Sequence[int]:
        """The lines (positions in ``spans``) that ``index`` might match, in order: those
        with one of its SKUs or categories, or every line when it has an ``ALL`` node."""
        if index.all_node is not None:
            return range(len(self.spans))
        hits: list[int] = []
        if index.items:
            _lines_of(index.items, self.by_sku, hits)
        if not index.categories:
            # A line has one SKU: no line is found twice.
            return sorted(hits) if len(hits) > 1 else hits
        _lines_of(index.categories, self.by_category, hits)
        return sorted(set(hits))


def _lines_of(keys: Mapping[K, object], lines: Mapping[K, list[int]], hits: list[int]) -> None:
    """Adds the lines of every key in both maps, walking the smaller map."""
    if len(keys) < len(lines):
        for key in keys:
            at = lines.get(key)
            if at is not None:
                hits += at
    else:
        for key, at in lines.items():
            if key in keys:
                hits += at


def make_candidate(
    promo: Promotion,
    units: tuple[Unit, ...],
    indexes: tuple[GroupIndex, ...],
    lines: BasketLines | None = None,
) -> Candidate:
    """The promotion's eligible units per group (a unit may be eligible for several),
    found through the groups' compiled node lookups rather than a scan of every node,
    and only on the lines that carry one of a group's SKUs or categories."""
    if lines is None:
        lines = BasketLines.of(units)
    spans = lines.spans
    groups: list[tuple[int, ...]] = []
    nodes: list[dict[int, Node]] = []
    mask = 0  # the matched units' bits, a line's units at once
    for index in indexes:
        matched: dict[int, Node]
        everything = index.everything
        if everything is not None:
            matched = dict.fromkeys(range(len(units)), everything)
            mask = (1 << len(units)) - 1
        else:
            matched = {}
            match = index.match
            for at in lines.candidates(index):
                first, end, unit = spans[at]
                node = match(unit.sku, unit.categories)
                if node is not None:
                    for u in range(first, end):
                        matched[u] = node
                    mask |= ((1 << (end - first)) - 1) << first
        groups.append(tuple(matched))
        nodes.append(matched)
    return Candidate(promo, tuple(groups), tuple(nodes), mask)


def _eligibility_reason(indexes: tuple[GroupIndex, ...], units: tuple[Unit, ...]) -> Reason:
    """Why a promotion with no eligible unit has none."""
    included = any(
        index.including(unit.sku, unit.categories) is not None
        for index in indexes
        for unit in units
    )
    return Reason.ALL_UNITS_EXCLUDED if included else Reason.NO_ELIGIBLE_UNITS


def run_candidate(candidate: Candidate, view: LayerView) -> Outcome:
    """One promotion on the current view: its family's rule, then the rules every family
    shares — zero-discount applications dropped (SPEC §3.2) and ``max_discount``."""
    promo = candidate.promotion
    outcome = RULES[promo.family].apply(candidate, view)
    apps = outcome.applications
    reason = outcome.reason
    if apps and not view.keep_zero:
        kept = tuple([a for a in apps if a.total > ZERO])
        if len(kept) != len(apps):
            if not kept:
                reason = _ZERO_DISCOUNT
            apps = kept
    if promo.max_discount is not None and apps:
        capped = _cap(apps, promo.max_discount, view.decimals)
        if capped is not None:
            apps = capped
            reason = _CAPPED
    lowers = promo.discount_apply_type is not _CASHBACK
    if apps is outcome.applications and reason is outcome.reason and lowers:
        return outcome
    return Outcome(apps, outcome.suggestion, reason, outcome.missing, lowers)


def _cap(
    apps: Iterable[Application], cap: Decimal, decimals: int
) -> tuple[Application, ...] | None:
    """Re-allocate ``cap`` over the units in proportion to their discounts when the total
    is over it; None when the cap does not bite. Largest discount first, ties by unit
    then application, so the remainder lands on the smallest; no unit gets more than it
    had (docs/decisions.md)."""
    apps = tuple(apps)
    flat = [(i, u, d) for i, a in enumerate(apps) for u, d in a.discounts]
    total = sum((d for _, _, d in flat), ZERO)
    if total <= cap:
        return None
    # Only units that had a discount share the cap (none of it lands on a zero).
    discounted = sorted(((i, u, d) for i, u, d in flat if d > 0), key=lambda e: (-e[2], e[1], e[0]))
    amounts = [d for _, _, d in discounted]
    shares = dict(
        zip(
            ((i, u) for i, u, _ in discounted),
            allocate(cap, amounts, decimals, amounts),
            strict=True,
        )
    )
    per_app: list[list[tuple[int, Decimal]]] = [[] for _ in apps]
    for i, u, _ in flat:
        per_app[i].append((u, shares.get((i, u), ZERO)))
    return tuple(Application(tuple(d), a.requisites) for d, a in zip(per_app, apps, strict=True))


def _outcome_reason(outcome: Outcome) -> Reason | None:
    if outcome.applications and outcome.reason is not _CAPPED:
        return _APPLIED
    return outcome.reason


# Shortfalls that may only be due to other promotions of the layer taking units first.
_SHORTFALLS = (None, Reason.NOT_ENOUGH_UNITS, Reason.SPEND_BELOW_THRESHOLD, Reason.UNITS_TAKEN)


def _why_not(
    candidate: Candidate,
    reason: Reason | None,
    best: bool,
    phase_start: LayerView,
    layer_start: LayerView,
) -> Reason | None:
    """For ``explain``: a promotion that did not apply, against what it would have done
    alone — it lost the best-discount choice (it applies alone on the units its cluster
    started from) or other promotions of the layer took its units (it applies on the
    layer's units with nothing yet consumed). Only run when explanations are asked for."""
    if reason not in _SHORTFALLS:
        return reason
    if best and run_candidate(candidate, phase_start).applications:
        return Reason.LOST_BEST_DISCOUNT
    if run_candidate(candidate, layer_start).applications:
        return Reason.UNITS_TAKEN
    return reason
