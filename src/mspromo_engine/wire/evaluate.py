"""Evaluate requests on the wire (SPEC §6): the documented aliases, then the one
converter, then the checks that need the whole request (units, currency decimals, time
zone, each ``promo_override`` validated as a promotion with the request's decimals)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
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
from mspromo_engine.wire.converter import (
    shared_error_budget,
)
from mspromo_engine.wire.promotions import _structure, _too_many_places, promotion_from_wire
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
    with shared_error_budget():
        return _request_from_wire(data, now, limits)


def _request_from_wire(data: Any, now: datetime, limits: Limits) -> EvaluationRequest:
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
    request = _structure(out, EvaluationRequest, "", limits)
    errors: list[ErrorDetail] = []
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
    if sum(item.qty for item in request.basket.items) > limits.basket_units:
        # Units are expanded one by one: bound the work one request can ask for.
        errors.append(
            ErrorDetail("basket.items", f"more than {limits.basket_units} units in the basket")
        )
    for i, item in enumerate(request.basket.items):
        p = f"basket.items[{i}]"
        if not item.sku.strip():
            errors.append(ErrorDetail(f"{p}.sku", "must not be blank"))
        if item.qty > MAX_UNITS:
            errors.append(ErrorDetail(f"{p}.qty", f"must be at most {MAX_UNITS}"))
        if item.qty < 1:
            errors.append(ErrorDetail(f"{p}.qty", "must be at least 1"))
        for field in ("mrp", "sp") if sent_sp[i] else ("mrp",):
            value: Decimal = getattr(item, field)
            if value < 0:
                errors.append(ErrorDetail(f"{p}.{field}", "must be 0 or more"))
            elif _too_many_places(value, decimals):
                errors.append(ErrorDetail(f"{p}.{field}", f"more than {decimals} decimal places"))
        if sent_sp[i] and item.sp > item.mrp:
            errors.append(ErrorDetail(f"{p}.sp", "cannot exceed mrp"))
        if item.weight <= 0:
            errors.append(ErrorDetail(f"{p}.weight", "must be more than 0"))
        elif item.weight > MAX_WEIGHT:
            errors.append(ErrorDetail(f"{p}.weight", f"must be at most {MAX_WEIGHT}"))
        for j, cat in enumerate(item.categories):
            if cat.type not in _CATEGORY_TYPES:
                errors.append(ErrorDetail(f"{p}.categories[{j}].type", "must be one of c1…c7"))
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
    return attrs.evolve(
        request, promo_override=tuple(promos), coupons=normalised_codes(request.coupons)
    )


MAX_UNITS = 100_000
MAX_WEIGHT = 100_000  # per unit; with 12-digit money, v x weight stays exact
_CATEGORY_TYPES = frozenset(t.value for t in NodeType if t is not NodeType.ITEM)
_ = Strategy  # re-exported enums are documented in model


# What the normalisers above accept besides the attrs fields, for /openapi.json.
wire_doc(
    Item,
    nullable=("sp", "item_id", "barcode", "uom", "weight", "categories"),
    extra={"catgories": {"type": "array", "deprecated": True, "description": "alias"}},
)
wire_doc(
    Category,
    optional=("type",),
    extra={"name": {**_STRING, "deprecated": True, "description": "alias of type"}},
)
wire_doc(Basket, nullable=("id",))
wire_doc(
    EvaluationRequest,
    optional=("at",),
    nullable=(
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
    extra={"version": {"description": "v1 or v2, accepted and ignored"}},
)
