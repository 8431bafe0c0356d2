"""Coupons and usage limits (SPEC §9): code rules, the usage counts the caller passes in,
and ``coupons_info``.

The engine never counts redemptions: the caller (the service, from its redemption
ledger; a till, from wherever it keeps them) passes :class:`UsageCounts` for the
evaluation, and the participation check (:mod:`mspromo_engine.participation`) reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.model import Promotion

__all__ = [
    "MAX_CODE_LENGTH",
    "MAX_PROMOTION_CODES",
    "MAX_REQUEST_COUPONS",
    "MAX_USAGE_LIMIT",
    "CouponInfo",
    "PromoKey",
    "UsageCounts",
    "code_errors",
    "coupons_info",
    "normalised_codes",
    "promotion_errors",
    "usage_from_wire",
]

MAX_CODE_LENGTH = 64
MAX_PROMOTION_CODES = 100
MAX_REQUEST_COUPONS = 20
MAX_USAGE_LIMIT = 2_147_483_647  # a stored integer (SPEC §7.1)
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")

PromoKey = tuple[str, str]  # (retailer, promo_id_retailer): what a redemption counts


def code_errors(codes: Sequence[Any], path: str, limit: int | None = None) -> list[ErrorDetail]:
    """What is wrong with a list of coupon codes (a promotion's or a request's)."""
    if limit is not None and len(codes) > limit:
        return [ErrorDetail(path, f"at most {limit} codes, got {len(codes)}")]
    errors = []
    for i, code in enumerate(codes):
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            errors.append(
                ErrorDetail(f"{path}[{i}]", "must be 1 to 64 characters of A-Z a-z 0-9 - _")
            )
    return errors


def normalised_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Upper-cased, duplicates dropped, first occurrence order."""
    return tuple(dict.fromkeys(c.upper() for c in codes))


def promotion_errors(promo: Promotion, at: Any) -> list[ErrorDetail]:
    """SPEC §9 checks on a promotion's coupon and limit fields; ``at(field)`` is the path."""
    errors = code_errors(promo.coupon_codes, at("coupon_codes"), MAX_PROMOTION_CODES)
    for field in ("usage_limit", "usage_limit_per_customer"):
        value = getattr(promo, field)
        if value is not None and not 1 <= value <= MAX_USAGE_LIMIT:
            errors.append(ErrorDetail(at(field), f"must be between 1 and {MAX_USAGE_LIMIT:,}"))
    return errors


def _frozen_counts(value: Mapping[PromoKey, int]) -> Mapping[PromoKey, int]:
    return MappingProxyType(dict(value))


@attrs.frozen
class UsageCounts:
    """How many orders have redeemed each promotion so far, keyed by
    ``(retailer, promo_id_retailer)``: all customers together (``redemptions``) and the
    request's ``customer_id`` alone (``customer_redemptions``). A promotion missing from a
    map has no redemptions."""

    redemptions: Mapping[PromoKey, int] = attrs.field(factory=dict, converter=_frozen_counts)
    customer_redemptions: Mapping[PromoKey, int] = attrs.field(
        factory=dict, converter=_frozen_counts
    )

    def global_reached(self, promo: Promotion) -> bool:
        limit = promo.usage_limit
        return limit is not None and self.redemptions.get(_key(promo), 0) >= limit

    def customer_reached(self, promo: Promotion) -> bool:
        limit = promo.usage_limit_per_customer
        return limit is not None and self.customer_redemptions.get(_key(promo), 0) >= limit


NO_USAGE = UsageCounts()


def _key(promo: Promotion) -> PromoKey:
    return (promo.retailer, promo.promo_id_retailer)


def usage_from_wire(data: Any) -> UsageCounts:
    """``{"promotions": [{"retailer", "promo_id_retailer", "redemptions",
    "customer_redemptions"}]}`` (counts default to 0) -> :class:`UsageCounts`."""
    if not isinstance(data, Mapping) or not isinstance(data.get("promotions"), list):
        raise ValidationError([ErrorDetail("promotions", "required: a list")])
    errors: list[ErrorDetail] = []
    total: dict[PromoKey, int] = {}
    customer: dict[PromoKey, int] = {}
    for i, entry in enumerate(data["promotions"]):
        path = f"promotions[{i}]"
        if not isinstance(entry, Mapping):
            errors.append(ErrorDetail(path, "not a JSON object"))
            continue
        key = (entry.get("retailer"), entry.get("promo_id_retailer"))
        for j, field in enumerate(("retailer", "promo_id_retailer")):
            if not isinstance(key[j], str) or not key[j]:
                errors.append(ErrorDetail(f"{path}.{field}", "required: a non-empty string"))
        for field, into in (("redemptions", total), ("customer_redemptions", customer)):
            value = entry.get(field, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append(ErrorDetail(f"{path}.{field}", "must be an integer, 0 or more"))
            elif isinstance(key[0], str) and isinstance(key[1], str):
                into[(key[0], key[1])] = value
    if errors:
        raise ValidationError(errors)
    return UsageCounts(total, customer)


@attrs.frozen
class CouponInfo:
    """One entry of ``coupons_info``: ``status`` is ``applied``, ``not_applied`` or
    ``unknown`` (then ``promo_id_retailer`` is None)."""

    code: str
    status: str
    promo_id_retailer: str | None

    def to_wire(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "promo_id_retailer": self.promo_id_retailer,
        }


def coupons_info(
    codes: Sequence[str],
    carriers: Mapping[str, Sequence[Promotion]],
    applied: frozenset[PromoKey],
) -> tuple[CouponInfo, ...]:
    """SPEC §9: for each requested code (already upper-cased and distinct), whether a
    promotion carrying it applied; ``carriers`` are the store's and the overrides'."""
    out = []
    for code in codes:
        promos = sorted(carriers.get(code, ()), key=lambda p: p.promo_id_retailer)
        hit = next((p for p in promos if _key(p) in applied), None)
        if hit is not None:
            out.append(CouponInfo(code, "applied", hit.promo_id_retailer))
        elif promos:
            out.append(CouponInfo(code, "not_applied", promos[0].promo_id_retailer))
        else:
            out.append(CouponInfo(code, "unknown", None))
    return tuple(out)
