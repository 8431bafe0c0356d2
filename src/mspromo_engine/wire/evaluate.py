"""Evaluate requests on the wire (SPEC §6): the documented aliases, then the one
converter, then the checks that need the whole request (units, currency decimals, time
zone, each ``promo_override`` validated as a promotion with the request's decimals)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Context
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from mspromo_engine.basket import Basket, Category, EvaluationRequest, Item
from mspromo_engine.bounds import DEFAULT_LIMITS, Limits
from mspromo_engine.coupons import code_errors, normalised_codes
from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.model import (
    NodeType,
    Promotion,
    Strategy,
)
from mspromo_engine.money import quantum
from mspromo_engine.wire.converter import shared_error_budget
from mspromo_engine.wire.fastpath import FastOptions, fast_structure_fn
from mspromo_engine.wire.promotions import _structure, promotion_from_wire
from mspromo_engine.wire.schema import wire_doc

__all__ = ["MAX_WEIGHT", "request_from_wire"]

_STRING = {"type": "string"}


def _normalise_item(item: Any) -> Any:
    if type(item) is not dict and not isinstance(item, Mapping):
        return item
    out = dict(item)
    if "categories" not in out and "catgories" in out:
        out["categories"] = out.pop("catgories")
    out.pop("catgories", None)
    cats = out.get("categories")
    if cats is None:
        out.pop("categories", None)
    elif isinstance(cats, list):
        out["categories"] = [
            {**c, "type": c["name"]}
            if (type(c) is dict or isinstance(c, Mapping)) and "type" not in c and "name" in c
            else c
            for c in cats
        ]
        for c in out["categories"]:
            if isinstance(c, dict):
                c.pop("name", None)
    if out.get("sp") is None:
        out.pop("sp", None)  # defaults to mrp
    for key in ("item_id", "barcode", "uom"):
        if key in out and out[key] is None:
            out.pop(key)
    if out.get("weight") is None:
        out.pop("weight", None)
    return out


def request_from_wire(
    data: Any, *, now: datetime, limits: Limits = DEFAULT_LIMITS
) -> EvaluationRequest:
    """A validated :class:`EvaluationRequest`; ``now`` is used when ``at`` is absent."""
    fast = _fast_request(data, now, limits)
    if fast is not None:
        return _checked(fast[0], fast[1], (), limits)
    with shared_error_budget():
        request, sent_sp, overrides = _structured(data, now, limits)
        return _checked(request, sent_sp, overrides, limits)


def _fast_request(
    data: Any, now: datetime, limits: Limits
) -> tuple[EvaluationRequest, list[bool]] | None:
    """The common case in one generated function (:mod:`~mspromo_engine.wire.fastpath`):
    plain JSON types, no alias, no ``promo_override``. None: anything else, valid or
    not, which :func:`_structured` then reads (and explains) as always."""
    if type(data) is not dict:
        return None
    overrides = data.get("promo_override")
    if overrides is not None and (type(overrides) is not list or overrides):
        return None
    structure = _fast_structure(limits)
    if structure is None:
        return None
    if data.get("at") is None:
        data = {**data, "at": now}
    try:
        request: EvaluationRequest = structure(data)
        items = data["basket"].get("items") or ()
        return request, [i.get("sp") is not None for i in items]
    except Exception:  # the converter says what is wrong (or that it is fine)
        return None


# The fields the normalisers below read as absent when null: published in /openapi.json
# (wire_doc, at the end) and read the same way by the fast path, which leaves objects
# with an alias key to the normalisers.
_NULLABLE: dict[type, tuple[str, ...]] = {
    Item: ("sp", "item_id", "barcode", "uom", "weight", "categories"),
    Basket: ("id",),
    EvaluationRequest: (
        "at",
        "store_id",
        "customer_id",
        "timezone",
        "currency_decimals",
        "keep_zero_discount_promos",
        "explain",
        "special_promos",
        "promo_override",
        "coupons",
    ),
}


@functools.cache
def _fast_structure(limits: Limits) -> Callable[[Any], Any] | None:
    return fast_structure_fn(
        EvaluationRequest,
        limits,
        FastOptions(
            nullable=_NULLABLE,
            aliases={Item: ("catgories",), Category: ("name",)},
            omit={EvaluationRequest: ("promo_override",)},
        ),
    )


def _structured(
    data: Any, now: datetime, limits: Limits
) -> tuple[EvaluationRequest, list[bool], Any]:
    if not isinstance(data, Mapping):
        raise ValidationError([ErrorDetail("", "the request body must be a JSON object")])
    out = {k: v for k, v in data.items() if v is not None and k != "version"}
    raw_items = (
        data.get("basket", {}).get("items") if isinstance(data.get("basket"), Mapping) else None
    )
    # sp defaults to mrp: only an sp the client sent is checked on its own.
    sent_sp = [
        (type(i) is dict or isinstance(i, Mapping)) and i.get("sp") is not None
        for i in (raw_items if isinstance(raw_items, list) else [])
    ]
    if "at" not in out:
        out["at"] = now
    basket = out.get("basket")
    if isinstance(basket, Mapping):
        basket = dict(basket)
        if isinstance(basket.get("items"), list):
            basket["items"] = [_normalise_item(i) for i in basket["items"]]
        if "id" in basket and basket["id"] is None:
            basket.pop("id")
        out["basket"] = basket
    overrides = out.pop("promo_override", ())
    if isinstance(overrides, list) and len(overrides) > limits.promo_override:
        # Bounded before a single override is read (each may be a large promotion).
        raise ValidationError(
            [ErrorDetail("promo_override", f"at most {limits.promo_override} items")]
        )
    return _structure(out, EvaluationRequest, "", limits), sent_sp, overrides


def _checked(
    request: EvaluationRequest, sent_sp: list[bool], overrides: Any, limits: Limits
) -> EvaluationRequest:
    """The checks that need the whole request, then each ``promo_override``."""
    errors: list[ErrorDetail] = []
    if request.coupons:
        errors.extend(code_errors(request.coupons, "coupons"))  # how many: bounded on the wire
    decimals = request.currency_decimals
    if not 0 <= decimals <= 6:
        errors.append(ErrorDetail("currency_decimals", "must be between 0 and 6"))
        decimals = 2
    try:
        zone = ZoneInfo(request.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: an overlong name
        errors.append(ErrorDetail("timezone", "not an IANA time zone name"))
    else:
        try:
            request.at.astimezone(zone)
        except OverflowError:
            errors.append(ErrorDetail("at", "out of range in the request's time zone"))
    items = request.basket.items
    units = 0
    for item in items:
        units += item.qty
    if units > limits.basket_units:
        # Units are expanded one by one: bound the work one request can ask for.
        errors.append(
            ErrorDetail("basket.items", f"more than {limits.basket_units} units in the basket")
        )
    # qty needs no check here: its field bounds it to 1..MAX_UNITS before conversion.
    places = quantum(decimals)
    for i, item in enumerate(items):
        if not item.sku.strip():
            errors.append(ErrorDetail(f"basket.items[{i}].sku", "must not be blank"))
        sent = sent_sp[i]
        for field, value in (("mrp", item.mrp), ("sp", item.sp)) if sent else (("mrp", item.mrp),):
            if value < 0:
                errors.append(ErrorDetail(f"basket.items[{i}].{field}", "must be 0 or more"))
            elif _QUANTIZE(value, places) != value:  # more places than the currency has
                errors.append(
                    ErrorDetail(
                        f"basket.items[{i}].{field}", f"more than {decimals} decimal places"
                    )
                )
        if sent and item.sp > item.mrp:
            errors.append(ErrorDetail(f"basket.items[{i}].sp", "cannot exceed mrp"))
        weight = item.weight
        if weight <= 0:
            errors.append(ErrorDetail(f"basket.items[{i}].weight", "must be more than 0"))
        elif weight > MAX_WEIGHT:
            errors.append(ErrorDetail(f"basket.items[{i}].weight", f"must be at most {MAX_WEIGHT}"))
        for j, cat in enumerate(item.categories):
            if cat.type not in _CATEGORY_TYPES:
                errors.append(
                    ErrorDetail(f"basket.items[{i}].categories[{j}].type", "must be one of c1…c7")
                )
    promos: list[Promotion] = []
    omitted = 0
    if not isinstance(overrides, list | tuple):
        errors.append(ErrorDetail("promo_override", "not a list"))
    else:
        seen: set[tuple[str, str]] = set()
        for i, raw in enumerate(overrides):
            try:
                promo = promotion_from_wire(
                    raw, path=f"promo_override[{i}]", currency_decimals=decimals, limits=limits
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
                omitted += exc.omitted
                continue
            key = (promo.retailer, promo.promo_id_retailer)
            if key in seen:
                errors.append(
                    ErrorDetail(
                        f"promo_override[{i}].promo_id_retailer",
                        "appears twice in promo_override",
                    )
                )
            seen.add(key)
            promos.append(promo)
    if errors:
        raise ValidationError(errors, omitted=omitted)
    coupons = normalised_codes(request.coupons) if request.coupons else ()
    if not promos and coupons == request.coupons:
        return request  # as evolve would build it: nothing to change
    return attrs.evolve(request, promo_override=tuple(promos), coupons=coupons)


MAX_UNITS = 100_000
MAX_WEIGHT = 100_000  # per unit; with 12-digit money, v x weight stays exact
# Rounding to the currency's places changes an amount only if it has more (trailing
# zeros do not count); exact here: amounts have at most 12 + 6 digits.
_QUANTIZE = Context(prec=28).quantize
_CATEGORY_TYPES = frozenset(t.value for t in NodeType if t is not NodeType.ITEM)
_ = Strategy  # re-exported enums are documented in model


# What the normalisers above accept besides the attrs fields, for /openapi.json.
wire_doc(
    Item,
    nullable=_NULLABLE[Item],
    extra={"catgories": {"type": "array", "deprecated": True, "description": "alias"}},
)
wire_doc(
    Category,
    optional=("type",),
    extra={"name": {**_STRING, "deprecated": True, "description": "alias of type"}},
)
wire_doc(Basket, nullable=_NULLABLE[Basket])
wire_doc(
    EvaluationRequest,
    optional=("at",),
    nullable=_NULLABLE[EvaluationRequest],
    extra={"version": {"description": "v1 or v2, accepted and ignored"}},
)
