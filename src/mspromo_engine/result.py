"""The result of one evaluation and its wire form (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable
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


def _ref_fields(r: PromotionResult) -> tuple[Any, ...]:
    """The parts of a promotion's entry in ``applied_promos`` that are the same on every
    line it touches (built once per promotion, not once per line)."""
    p = r.promotion
    return (
        p.promo_id,
        p.promo_id_retailer,
        p.family.value,
        p.title,
        p.effective_layer,
        r.times,
        p.evaluate_criteria.value,
        p.discount_apply_type.value,
    )


def _promo_ref_of(f: tuple[Any, ...], discount: str) -> dict[str, Any]:
    return {
        "promo_id": f[0],
        "promo_id_retailer": f[1],
        "promo_family": f[2],
        "promo_title": f[3],
        "layer": f[4],
        "discount": discount,
        "promo_application_times": f[5],
        "evaluate_criteria": f[6],
        "discount_apply_type": f[7],
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


def _runs(keys: Iterable[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
    """Group equal keys, keeping first-appearance order, with their counts."""
    counts: dict[tuple[Any, ...], int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    return list(counts.items())


def evaluation_to_wire(ev: Evaluation) -> dict[str, Any]:
    """The evaluate response of SPEC §6; money as three-place strings."""
    req = ev.request
    fmt = format_money
    applied = ev.applied
    lowers = [r.lowers_price for r in applied]
    n_units = len(ev.units)
    entries: list[list[tuple[int, Decimal]]] = [[] for _ in range(n_units)]
    requisite: list[list[int]] = [[] for _ in range(n_units)]
    item_level_consumed = [False] * n_units
    unit_discount = [ZERO] * n_units  # as Evaluation.unit_discounts, computed once here
    for ri, r in enumerate(applied):
        assert r.outcome is not None
        basket_family = r.promotion.family.is_basket
        lowers_price = lowers[ri]
        for app in r.outcome.applications:
            for u, d in app.discounts:
                # Several applications of one promotion on a unit (repeated basket
                # thresholds) are reported as one entry with their sum.
                unit_entries = entries[u]
                if unit_entries and unit_entries[-1][0] == ri:
                    unit_entries[-1] = (ri, unit_entries[-1][1] + d)
                else:
                    unit_entries.append((ri, d))
                if lowers_price:
                    unit_discount[u] += d
                if not basket_family:
                    item_level_consumed[u] = True
            for u in app.requisites:
                requisite[u].append(ri)
                if not basket_family:
                    item_level_consumed[u] = True
    refs = [_ref_fields(r) for r in applied]

    by_line: dict[int, list[int]] = {}
    for unit in ev.units:
        by_line.setdefault(unit.line, []).append(unit.index)
    # Which results suggest something on each line, in result order.
    suggested: dict[int, list[PromotionResult]] = {}
    for r in ev.promotions:
        s = r.outcome.suggestion if r.outcome is not None else None
        if s is None:
            continue
        for line in sorted({ev.units[u].line for u in s.units}):
            suggested.setdefault(line, []).append(r)

    items_out = []
    for line, item in enumerate(req.basket.items):
        units = by_line.get(line, [])
        line_discount = sum((unit_discount[u] for u in units), ZERO)
        discount_info = []
        for key, count in _runs(tuple(entries[u]) for u in units if entries[u]):
            per_unit = sum((d for ri, d in key if lowers[ri]), ZERO)
            discount_info.append(
                {
                    "consumed_qty": count,
                    "discount": fmt(per_unit),
                    "final_price": fmt(item.sp - per_unit),
                    "applied_promos": [_promo_ref_of(refs[ri], fmt(d)) for ri, d in key],
                }
            )
        requisite_info = [
            {
                "consumed_qty": count,
                "applied_promos": [_promo_ref_of(refs[ri], fmt(ZERO)) for ri in key],
            }
            for key, count in _runs(tuple(requisite[u]) for u in units if requisite[u])
        ]
        remaining = sum(1 for u in units if not entries[u] and not requisite[u])
        all_consumed = all(item_level_consumed[u] for u in units)
        suggestions = [
            _suggestion_wire(r.promotion, r.outcome.suggestion)
            for r in suggested.get(line, ())
            if r.outcome is not None
            and r.outcome.suggestion is not None
            and not (all_consumed and not r.promotion.family.is_basket)
        ]
        items_out.append(
            {
                "sku": item.sku,
                "item_id": item.item_id,
                "qty": item.qty,
                "mrp": fmt(item.mrp),
                "sp": fmt(item.sp),
                "discount": fmt(line_discount),
                "total_after_promos": fmt(item.sp * item.qty - line_discount),
                "discount_info": discount_info,
                "requisite_info": requisite_info,
                "remaining_info": {
                    "remaining_qty": remaining,
                    "promo_suggestions": suggestions,
                },
            }
        )

    total_mrp = sum((i.mrp * i.qty for i in req.basket.items), ZERO)
    total_sp = sum((i.sp * i.qty for i in req.basket.items), ZERO)
    discount = sum(unit_discount, ZERO)
    by_type: dict[str, Decimal] = {}
    for r in applied:
        code = r.promotion.discount_apply_type.value
        by_type[code] = by_type.get(code, ZERO) + r.total
    special = [r for r in applied if r.promotion.availability is Availability.SPECIAL]
    special_ids = {s.group_qualifier_id for r in special for s in r.promotion.special_promo_info}
    programs = sorted(
        {
            p.program_name
            for p in req.special_promos
            for g in p.group_qualifiers
            if special_ids.intersection(g.qualifier_ids)
        }
    )
    threshold = [r for r in applied if r.promotion.family.is_basket]
    body: dict[str, Any] = {
        "status": True,
        "status_msg": None,
        "customer_id": req.customer_id,
        "best_discount_exact": ev.best_discount_exact,
        "basket": {
            "id": req.basket.id,
            "total_mrp": format_money(total_mrp),
            "total_sp": format_money(total_sp),
            "discount": format_money(discount),
            "total_after_promos": format_money(total_sp - discount),
            "special_promos_info": {
                "discount": format_money(sum((r.total for r in special), ZERO)),
                "applied_programs": programs,
            },
            "basket_threshold_promos": {
                "discount": format_money(sum((r.total for r in threshold), ZERO)),
                "applied_promos": [
                    {
                        "promo_id": r.promotion.promo_id,
                        "promo_id_retailer": r.promotion.promo_id_retailer,
                        "discount": format_money(r.total),
                        "promo_application_times": r.times,
                    }
                    for r in threshold
                ],
            },
            "discount_by_apply_type": {k: format_money(v) for k, v in sorted(by_type.items())},
            "items": items_out,
        },
    }
    if ev.coupons:  # only for a request that carried codes: §6 responses stay as they were
        body["coupons_info"] = [c.to_wire() for c in ev.coupons]
    if req.explain:
        body["explanations"] = [_explanation(r) for r in ev.promotions]
    return body


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
