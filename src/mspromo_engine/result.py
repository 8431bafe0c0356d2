"""The result of one evaluation and its wire form (SPEC §6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from mspromo_engine.basket import EvaluationRequest, Unit
from mspromo_engine.coupons import CouponInfo
from mspromo_engine.explain import Reason, describe
from mspromo_engine.families.common import Outcome, Suggestion
from mspromo_engine.model import Availability, DiscountApplyType, Promotion
from mspromo_engine.money import ZERO, format_money

__all__ = ["Evaluation", "PromotionResult", "evaluation_to_wire"]


@attrs.frozen
class PromotionResult:
    """What happened to one promotion that took part or was considered."""

    promotion: Promotion
    outcome: Outcome | None = None
    reason: Reason | None = None

    @property
    def applied(self) -> bool:
        return self.outcome is not None and bool(self.outcome.applications)

    @property
    def total(self) -> Decimal:
        return self.outcome.total if self.outcome is not None else ZERO

    @property
    def times(self) -> int:
        return len(self.outcome.applications) if self.outcome is not None else 0

    @property
    def lowers_price(self) -> bool:
        return self.promotion.discount_apply_type is not DiscountApplyType.CASHBACK


@attrs.frozen
class Evaluation:
    """Everything an evaluation decided, in canonical unit order."""

    request: EvaluationRequest
    units: tuple[Unit, ...]
    promotions: tuple[PromotionResult, ...]
    best_discount_exact: bool = True
    coupons: tuple[CouponInfo, ...] = ()  # SPEC §9, one per requested code

    @property
    def applied(self) -> tuple[PromotionResult, ...]:
        return tuple(r for r in self.promotions if r.applied)

    @property
    def unit_discounts(self) -> list[Decimal]:
        """Each unit's discount off what the customer pays (cashback excluded)."""
        out = [ZERO] * len(self.units)
        for r in self.applied:
            if r.lowers_price:
                assert r.outcome is not None
                for app in r.outcome.applications:
                    for u, d in app.discounts:
                        out[u] += d
        return out

    @property
    def discount(self) -> Decimal:
        return sum(self.unit_discounts, ZERO)


def _promo_ref(p: Promotion, times: int) -> dict[str, Any]:
    """A promotion's entry in ``applied_promos`` without its discount: the same on every
    line it touches, so built once per response and copied. (``_value_`` is the member's
    value as ``value`` gives it, without the enum property's call.)"""
    return {
        "promo_id": p.promo_id,
        "promo_id_retailer": p.promo_id_retailer,
        "promo_family": p.family._value_,
        "promo_title": p.title,
        "layer": p.effective_layer,
        "discount": _ZERO_TEXT,
        "promo_application_times": times,
        "evaluate_criteria": p.evaluate_criteria._value_,
        "discount_apply_type": p.discount_apply_type._value_,
    }


def _suggestion_wire(p: Promotion, s: Suggestion) -> dict[str, Any]:
    out: dict[str, Any] = {"promo_id": p.promo_id, "promo_id_retailer": p.promo_id_retailer}
    if s.missing_qty is not None:
        out["missing_qty"] = s.missing_qty
    if s.missing_value is not None:
        out["missing_value"] = format_money(s.missing_value)
    if s.free_item_missing is not None:
        out["free_item_missing"] = s.free_item_missing
    return out


_ZERO_TEXT = format_money(ZERO)


def evaluation_to_wire(ev: Evaluation) -> dict[str, Any]:
    """The evaluate response of SPEC §6; money as three-place strings.

    Amounts are exact (at most 12 + 6 digits, far inside Decimal's 28 of precision), so
    each total is summed in whatever order costs least, and equal amounts are printed
    once: the figures cannot change. Only a zero's sign could, and no sum here is ever a
    negative zero (each starts from ZERO, or from a non-zero amount)."""
    req = ev.request
    fmt = format_money
    units = ev.units
    applied = [r for r in ev.promotions if r.outcome is not None and r.outcome.applications]
    n_units = len(units)
    # Per unit: (result, discount) entries, requisite results; None while there are none.
    entries: list[list[tuple[int, Decimal]] | None] = [None] * n_units
    requisite: list[list[int] | None] = [None] * n_units
    item_level_consumed = [False] * n_units
    lowers: list[bool] = []
    basket: list[bool] = []
    refs: list[dict[str, Any]] = []
    totals: list[Decimal] = []
    for ri, r in enumerate(applied):
        outcome = r.outcome
        assert outcome is not None
        apps = outcome.applications
        p = r.promotion
        basket_family = p.family.is_basket
        lowers.append(r.lowers_price)
        basket.append(basket_family)
        refs.append(_promo_ref(p, len(apps)))
        for app in apps:
            for u, d in app.discounts:
                # Several applications of one promotion on a unit (repeated basket
                # thresholds) are reported as one entry with their sum.
                unit_entries = entries[u]
                if unit_entries is None:
                    entries[u] = [(ri, d)]
                elif unit_entries[-1][0] == ri:
                    unit_entries[-1] = (ri, unit_entries[-1][1] + d)
                else:
                    unit_entries.append((ri, d))
                if not basket_family:
                    item_level_consumed[u] = True
            for u in app.requisites:
                unit_requisites = requisite[u]
                if unit_requisites is None:
                    requisite[u] = [ri]
                else:
                    unit_requisites.append(ri)
                if not basket_family:
                    item_level_consumed[u] = True
        totals.append(outcome.total)

    by_line: dict[int, list[int]] = {}
    line_of = [unit.line for unit in units]  # (map over it: no frame per suggested unit)
    for unit in units:
        line_units = by_line.get(unit.line)
        if line_units is None:
            by_line[unit.line] = [unit.index]
        else:
            line_units.append(unit.index)
    # Which results suggest something on each line, in result order: (its entry, whether
    # it is item-level), the entry built once and copied per line.
    suggested: dict[int, list[tuple[dict[str, Any], bool]]] = {}
    for r in ev.promotions:
        s = r.outcome.suggestion if r.outcome is not None else None
        if s is None:
            continue
        wire = (_suggestion_wire(r.promotion, s), not r.promotion.family.is_basket)
        for line in sorted(set(map(line_of.__getitem__, s.units))):
            suggested.setdefault(line, []).append(wire)

    items_out = []
    total_mrp = total_sp = discount = ZERO
    for line, item in enumerate(req.basket.items):
        line_units = by_line.get(line, [])
        groups, requisite_runs, remaining, all_consumed = _line_groups(
            line_units, entries, requisite, item_level_consumed
        )
        sp = item.sp
        line_discount = ZERO
        discount_info = []
        per_unit_text = _ZERO_TEXT
        for key, count in groups:
            if len(key) == 1:
                ri, d = key[0]
                d_text = fmt(d)
                ref = refs[ri].copy()
                ref["discount"] = d_text
                promos = [ref]
                if not lowers[ri]:
                    per_unit, per_unit_text = ZERO, _ZERO_TEXT
                elif d:
                    per_unit, per_unit_text = d, d_text
                else:
                    per_unit = ZERO + d  # never a negative zero
                    per_unit_text = fmt(per_unit)
            else:
                per_unit = ZERO
                promos = []
                for ri, d in key:
                    if lowers[ri]:
                        per_unit += d
                    ref = refs[ri].copy()
                    ref["discount"] = fmt(d)
                    promos.append(ref)
                per_unit_text = fmt(per_unit)
            amount = per_unit if count == 1 else per_unit * count
            line_discount = amount if line_discount is ZERO else line_discount + amount
            discount_info.append(
                {
                    "consumed_qty": count,
                    "discount": per_unit_text,
                    "final_price": fmt(sp - per_unit),
                    "applied_promos": promos,
                }
            )
        if line_discount is ZERO:
            line_discount_text = _ZERO_TEXT
        elif len(groups) == 1 and groups[0][1] == 1:
            line_discount_text = per_unit_text  # one unit's discount is the line's
        else:
            line_discount_text = fmt(line_discount)
        line_suggested = suggested.get(line)
        if line_suggested is None:
            suggestions = []
        elif all_consumed:
            suggestions = [w.copy() for w, item_level in line_suggested if not item_level]
        else:
            suggestions = [w.copy() for w, _ in line_suggested]
        mrp = item.mrp
        qty = item.qty
        mrp_text = fmt(mrp)
        line_sp = sp * qty
        total_sp += line_sp
        total_mrp += line_sp if mrp is sp else mrp * qty
        if line_discount is not ZERO:
            discount += line_discount
        items_out.append(
            {
                "sku": item.sku,
                "item_id": item.item_id,
                "qty": qty,
                "mrp": mrp_text,
                "sp": mrp_text if sp is mrp else fmt(sp),
                "discount": line_discount_text,
                "total_after_promos": fmt(line_sp - line_discount),
                "discount_info": discount_info,
                "requisite_info": []
                if requisite_runs is None
                else [
                    {"consumed_qty": count, "applied_promos": [refs[ri].copy() for ri in rkey]}
                    for rkey, count in requisite_runs.items()
                ],
                "remaining_info": {
                    "remaining_qty": remaining,
                    "promo_suggestions": suggestions,
                },
            }
        )

    by_type: dict[str, Decimal] = {}
    for ri, r in enumerate(applied):
        code = r.promotion.discount_apply_type._value_
        by_type[code] = by_type.get(code, ZERO) + totals[ri]
    special = [
        ri for ri, r in enumerate(applied) if r.promotion.availability is Availability.SPECIAL
    ]
    special_ids = {
        s.group_qualifier_id for ri in special for s in applied[ri].promotion.special_promo_info
    }
    programs = sorted(
        {
            p.program_name
            for p in req.special_promos
            for g in p.group_qualifiers
            if special_ids.intersection(g.qualifier_ids)
        }
    )
    threshold = [ri for ri, is_basket in enumerate(basket) if is_basket]
    body: dict[str, Any] = {
        "status": True,
        "status_msg": None,
        "customer_id": req.customer_id,
        "best_discount_exact": ev.best_discount_exact,
        "basket": {
            "id": req.basket.id,
            "total_mrp": fmt(total_mrp),
            "total_sp": fmt(total_sp),
            "discount": fmt(discount),
            "total_after_promos": fmt(total_sp - discount),
            "special_promos_info": {
                "discount": fmt(sum([totals[ri] for ri in special], ZERO)),
                "applied_programs": programs,
            },
            "basket_threshold_promos": {
                "discount": fmt(sum([totals[ri] for ri in threshold], ZERO)),
                "applied_promos": [
                    {
                        "promo_id": applied[ri].promotion.promo_id,
                        "promo_id_retailer": applied[ri].promotion.promo_id_retailer,
                        "discount": fmt(totals[ri]),
                        "promo_application_times": refs[ri]["promo_application_times"],
                    }
                    for ri in threshold
                ],
            },
            "discount_by_apply_type": {k: fmt(v) for k, v in sorted(by_type.items())},
            "items": items_out,
        },
    }
    if ev.coupons:  # only for a request that carried codes: §6 responses stay as they were
        body["coupons_info"] = [c.to_wire() for c in ev.coupons]
    if req.explain:
        body["explanations"] = [_explanation(r) for r in ev.promotions]
    return body


_Entries = list[tuple[int, Decimal]]


def _line_groups(
    line_units: list[int],
    entries: list[_Entries | None],
    requisite: list[list[int] | None],
    item_level_consumed: list[bool],
) -> tuple[list[tuple[_Entries, int]], dict[tuple[int, ...], int] | None, int, bool]:
    """A line's units that were treated alike, grouped in first-appearance order:
    ``(entries, count)`` pairs, the same for requisites, how many units remain, and
    whether item-level promotions consumed every unit. (None: no requisites.)"""
    requisite_runs: dict[tuple[int, ...], int] | None = None
    if len(line_units) == 1:
        u = line_units[0]
        unit_entries = entries[u]
        unit_requisites = requisite[u]
        if unit_requisites is not None:
            requisite_runs = {tuple(unit_requisites): 1}
        remaining = 1 if unit_entries is None and unit_requisites is None else 0
        groups = [] if unit_entries is None else [(unit_entries, 1)]
        return groups, requisite_runs, remaining, item_level_consumed[u]
    found: list[list[Any]] = []  # [entries, count]
    index: dict[tuple[tuple[int, Decimal], ...], list[Any]] | None = None
    group: list[Any] | None = None
    remaining = 0
    all_consumed = True
    for u in line_units:
        unit_entries = entries[u]
        unit_requisites = requisite[u]
        if not item_level_consumed[u]:
            all_consumed = False
        if unit_entries is not None:
            # Usually like the unit before: compared, not hashed (a Decimal's hash costs
            # more than the rest of the unit's work); a dict only for lines of many kinds.
            if group is not None and group[0] == unit_entries:
                group[1] += 1
            elif not found:
                group = [unit_entries, 1]
                found.append(group)
            else:
                if index is None:
                    index = {tuple(g[0]): g for g in found}
                key = tuple(unit_entries)
                group = index.get(key)
                if group is None:
                    group = index[key] = [unit_entries, 0]
                    found.append(group)
                group[1] += 1
        if unit_requisites is not None:
            rkey = tuple(unit_requisites)
            if requisite_runs is None:
                requisite_runs = {}
            requisite_runs[rkey] = requisite_runs.get(rkey, 0) + 1
        elif unit_entries is None:
            remaining += 1
    return [(g[0], g[1]) for g in found], requisite_runs, remaining, all_consumed


def _explanation(r: PromotionResult) -> dict[str, Any]:
    reason = r.reason if r.reason is not None else Reason.APPLIED
    if r.applied and reason is not Reason.CAPPED_BY_MAX_DISCOUNT:
        reason = Reason.APPLIED
    # How much is missing only makes sense when the promotion fell short on its own.
    short = reason in (Reason.NOT_ENOUGH_UNITS, Reason.SPEND_BELOW_THRESHOLD)
    missing = r.outcome.missing if r.outcome is not None and short else None
    out: dict[str, Any] = {
        "promo_id": r.promotion.promo_id,
        "promo_id_retailer": r.promotion.promo_id_retailer,
        "code": reason.value,
        "message": describe(reason, missing),
        "discount": format_money(r.total),
    }
    if isinstance(missing, int):
        out["missing_qty"] = missing
    elif isinstance(missing, Decimal):
        out["missing_value"] = format_money(missing)
    return out
