"""The response shapes of the engine endpoints (SPEC §6), as types for ``/openapi.json``.

The builders (``result.evaluation_to_wire`` and :mod:`.responses`) write these dicts
directly, for speed; the test suite validates every response it receives against the
document generated from these classes, so a builder and its shape cannot disagree.
Money fields are three-place strings (``Money``).
"""

from __future__ import annotations

from typing import NewType

import attrs

from mspromo_engine.model import Promotion

__all__ = [
    "AppliedPromo",
    "CouponInfo",
    "EvaluateResponse",
    "Explanation",
    "ItemRecommendationsResponse",
    "Money",
    "PromoSuggestion",
    "SuggestionsResponse",
]

Money = NewType("Money", str)  # "5.000"


@attrs.frozen
class AppliedPromo:
    promo_id: str
    promo_id_retailer: str
    promo_family: str
    promo_title: str
    layer: int
    discount: Money
    promo_application_times: int
    evaluate_criteria: str
    discount_apply_type: str


@attrs.frozen
class DiscountInfo:
    """Units of a line treated alike: ``discount`` and ``final_price`` are per unit."""

    consumed_qty: int
    discount: Money
    final_price: Money
    applied_promos: tuple[AppliedPromo, ...]


@attrs.frozen
class RequisiteInfo:
    """Units that qualified a promotion without a discount."""

    consumed_qty: int
    applied_promos: tuple[AppliedPromo, ...]


@attrs.frozen
class PromoSuggestion:
    """A promotion that would apply (again) with more units (``missing_qty``) or spend
    (``missing_value``); ``free_item_missing`` counts free units still to add."""

    promo_id: str
    promo_id_retailer: str
    missing_qty: int | None = None
    missing_value: Money | None = None
    free_item_missing: int | None = None


@attrs.frozen
class RemainingInfo:
    remaining_qty: int
    promo_suggestions: tuple[PromoSuggestion, ...]


@attrs.frozen
class EvaluatedItem:
    sku: str
    item_id: str
    qty: int
    mrp: Money
    sp: Money
    discount: Money
    total_after_promos: Money
    discount_info: tuple[DiscountInfo, ...]
    requisite_info: tuple[RequisiteInfo, ...]
    remaining_info: RemainingInfo


@attrs.frozen
class SpecialPromosInfo:
    discount: Money
    applied_programs: tuple[str, ...]


@attrs.frozen
class ThresholdPromo:
    promo_id: str
    promo_id_retailer: str
    discount: Money
    promo_application_times: int


@attrs.frozen
class BasketThresholdPromos:
    discount: Money
    applied_promos: tuple[ThresholdPromo, ...]


@attrs.frozen
class EvaluatedBasket:
    id: str
    total_mrp: Money
    total_sp: Money
    discount: Money
    total_after_promos: Money
    special_promos_info: SpecialPromosInfo
    basket_threshold_promos: BasketThresholdPromos
    discount_by_apply_type: dict[str, Money]
    items: tuple[EvaluatedItem, ...]


@attrs.frozen
class Explanation:
    """Why a promotion applied or not (with ``explain: true``)."""

    promo_id: str
    promo_id_retailer: str
    code: str
    message: str
    discount: Money
    missing_qty: int | None = None
    missing_value: Money | None = None


@attrs.frozen
class CouponInfo:
    """One requested coupon code (SPEC §9): ``status`` is applied, not_applied or unknown;
    ``promo_id_retailer`` is null for an unknown code."""

    code: str
    status: str
    promo_id_retailer: str | None


@attrs.frozen
class EvaluateResponse:
    status: bool
    status_msg: str | None
    customer_id: str | None
    best_discount_exact: bool
    basket: EvaluatedBasket
    explanations: tuple[Explanation, ...] = ()
    coupons_info: tuple[CouponInfo, ...] = ()  # only when the request carried codes


@attrs.frozen
class NodeSuggestions:
    node_id: str
    node_type: str
    promotions: tuple[Promotion, ...]


@attrs.frozen
class SuggestionsResponse:
    store_id: str
    suggestions: tuple[NodeSuggestions, ...]


@attrs.frozen
class RecommendedNode:
    node_id: str
    node_type: str


@attrs.frozen
class Recommendation:
    """Add ``missing_qty`` units (or ``missing_value`` spend) of ``group``; ``completes``:
    the basket does not earn the promotion yet (else: one more application)."""

    promo_id: str
    promo_id_retailer: str
    promo_family: str
    promo_title: str
    group: str
    completes: bool
    nodes: tuple[RecommendedNode, ...]
    missing_qty: int | None = None
    missing_value: Money | None = None


@attrs.frozen
class ItemRecommendationsResponse:
    store_id: str
    recommendations: tuple[Recommendation, ...]
