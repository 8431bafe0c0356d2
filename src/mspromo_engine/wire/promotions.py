"""Promotions on the wire (SPEC §2): structured by the one converter, validated against
the rules a well-typed promotion must still satisfy, and written back as JSON dicts.

Structuring collects every problem with its path and raises one
:class:`~mspromo_engine.exceptions.ValidationError`; nothing is half-built.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from mspromo_engine.bounds import DEFAULT_LIMITS, Limits
from mspromo_engine.coupons import normalised_codes, promotion_errors
from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.families import RULES
from mspromo_engine.model import (
    DiscountType,
    Group,
    Promotion,
)
from mspromo_engine.wire.converter import (
    FieldError,
    structure,
    wire_overrides,
    wire_prepare,
)
from mspromo_engine.wire.requests import HeaderUpdate
from mspromo_engine.wire.schema import wire_doc

__all__ = [
    "default_short_code",
    "extra_data_from_wire",
    "extra_data_to_wire",
    "json_default",
    "promotion_from_wire",
    "promotion_to_wire",
    "validate_promotion",
]

T = TypeVar("T")


_FieldError = FieldError


class _JsonObject(tuple):  # type: ignore[type-arg]
    """A frozen JSON object inside ``extra_data``: its sorted (key, value) pairs. A tuple
    subclass so that it can be told from a frozen JSON array when thawed."""

    __slots__ = ()


def _freeze(value: Any) -> Any:
    """JSON made hashable (a promotion is frozen and hashable all the way down)."""
    if isinstance(value, Mapping):
        return _JsonObject(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, _JsonObject):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def extra_data_from_wire(value: Any) -> tuple[tuple[str, Any], ...]:
    """A promotion's free-form ``extra_data`` JSON object in its frozen (hashable) form."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise _FieldError("not a JSON object")
    return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))


def json_default(value: Any) -> Any:
    """``json.dumps(..., default=json_default)`` for wire values: a Decimal as its exact
    string (never through float), a date or datetime in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def extra_data_to_wire(value: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The JSON object back from :func:`extra_data_from_wire`'s frozen form."""
    return {k: _thaw(v) for k, v in value}


def _extra_data(value: Any, _: Any) -> tuple[tuple[str, Any], ...]:
    return extra_data_from_wire(value)


wire_overrides(Group, nodes=override(rename="promo_group_nodes"))
wire_overrides(Promotion, extra_data=override(struct_hook=_extra_data))
wire_overrides(HeaderUpdate, extra_data=override(struct_hook=_extra_data))
_RENAMES = {".nodes[": ".promo_group_nodes["}


def _make_unstructurer() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda e: e.value
    )
    conv.register_unstructure_hook(
        Group,
        make_dict_unstructure_fn(Group, conv, nodes=override(rename="promo_group_nodes")),
    )
    conv.register_unstructure_hook(
        Promotion,
        make_dict_unstructure_fn(
            Promotion, conv, extra_data=override(unstruct_hook=extra_data_to_wire)
        ),
    )
    return conv


_unstructurer = _make_unstructurer()


def _structure(data: Any, cls: type[T], root: str, limits: Limits = DEFAULT_LIMITS) -> T:
    return structure(data, cls, path=root, limits=limits, renames=_RENAMES)


# ---------------------------------------------------------------------------------------
# Promotions


def _decimals_of(value: Decimal) -> int:
    """Significant decimal places: trailing zeros do not count, so ``"15.000"`` (as our
    own responses print money) is a valid two-decimal amount."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _too_many_places(value: Decimal, decimals: int) -> bool:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -decimals:
        return False  # as written it has few enough places: no need to normalise
    return _decimals_of(value) > decimals


def validate_promotion(
    promo: Promotion, path: str = "promotion", currency_decimals: int = 2
) -> list[ErrorDetail]:
    """The rules of SPEC §2 that a well-typed promotion must still satisfy."""
    errors: list[ErrorDetail] = []

    def err(field: str, message: str) -> None:
        errors.append(ErrorDetail(f"{path}.{field}" if path else field, message))

    if not promo.retailer:
        err("retailer", "required")
    if not promo.promo_id_retailer:
        err("promo_id_retailer", "required")
    if promo.end_date_time <= promo.start_date_time:
        err("end_date_time", "must be after start_date_time")
    if len(promo.active_days) != 7 or set(promo.active_days) - {"0", "1"}:
        err("active_days", "must be 7 characters of 0 and 1, Monday first")
    if promo.max_application_limit < 1:
        err("max_application_limit", "must be at least 1")
    if promo.evaluate_priority is not None and promo.evaluate_priority < 0:
        err("evaluate_priority", "must be 0 or more")
    if promo.layer < 1:
        err("layer", "must be at least 1")
    errors.extend(promotion_errors(promo, lambda f: f"{path}.{f}" if path else f))
    _check_value(
        promo.discount_type, promo.discount_value, "discount_value", err, currency_decimals
    )
    if promo.max_discount is not None:
        if promo.max_discount < 0:
            err("max_discount", "must be 0 or more")
        elif _too_many_places(promo.max_discount, currency_decimals):
            err("max_discount", f"more than {currency_decimals} decimal places")

    groups = promo.promo_groups
    names = [g.name for g in groups]
    for i, g in enumerate(groups):
        gp = f"promo_groups[{i}]"
        if not g.name:
            err(f"{gp}.name", "required")
        elif names.index(g.name) != i:
            err(f"{gp}.name", f"duplicate group name {g.name!r}")
        if g.qty_or_value_min < 0:
            err(f"{gp}.qty_or_value_min", "must be 0 or more")
        if g.qty_or_value_max is not None and g.qty_or_value_max < g.qty_or_value_min:
            err(f"{gp}.qty_or_value_max", "must be at least qty_or_value_min")
        if not promo.family.is_basket and g.qty_or_value_min != int(g.qty_or_value_min):
            err(f"{gp}.qty_or_value_min", "must be a whole number of units")
        if not g.included:
            err(f"{gp}.promo_group_nodes", "needs at least one node that is not excluded")
        for j, node in enumerate(g.nodes):
            if node.discount_value is not None:
                _check_value(
                    node.discount_type or promo.discount_type,
                    node.discount_value,
                    f"{gp}.promo_group_nodes[{j}].discount_value",
                    err,
                    currency_decimals,
                )
            if not node.node_id:
                err(f"{gp}.promo_group_nodes[{j}].node_id", "required")

    for field, reason in RULES[promo.family].check_groups(promo):
        err(field, reason)
    return errors


def _check_value(
    kind: DiscountType,
    value: Decimal,
    field: str,
    err: Callable[[str, str], None],
    currency_decimals: int,
) -> None:
    if value < 0:
        err(field, "must be 0 or more")
    elif kind is DiscountType.PERCENT and value > 100:
        err(field, "a percentage cannot exceed 100")
    elif kind is not DiscountType.PERCENT and _too_many_places(value, currency_decimals):
        err(field, f"more than {currency_decimals} decimal places")


def default_short_code(promo: Promotion) -> str:
    """A display code from the family, e.g. ``Buy3ofG1for10p`` (SPEC §2)."""
    unit = {DiscountType.PERCENT: "p", DiscountType.VALUE: "v", DiscountType.FIXED_PRICE: "f"}
    value = promo.discount_value.normalize()
    value_txt = format(value, "f")
    parts = "".join(
        f"{format(g.qty_or_value_min.normalize(), 'f')}of{g.name.upper()}"
        for g in promo.promo_groups
    )
    verb = "Spend" if promo.family.is_basket else "Buy"
    return f"{verb}{parts}for{value_txt}{unit[promo.discount_type]}"


def _normalise_promotion(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    # The stored id travels as ``id`` in some clients and ``promo_id`` in others.
    if "promo_id" not in out and "id" in out:
        out["promo_id"] = out["id"]
    out.pop("id", None)
    for key in ("title", "description", "promo_short_code", "promo_id"):
        if out.get(key) is None:
            out.pop(key, None)
    for key in ("extra_data", "stores", "special_promo_info", "coupon_codes"):
        if key in out and out[key] is None:
            out.pop(key)
    return _upper_codes(out)


def _upper_codes(out: dict[str, Any]) -> dict[str, Any]:
    """Coupon codes match case-insensitively, so they are kept upper-case, each once
    (SPEC §9): on create and on a bulk ``u`` alike."""
    codes = out.get("coupon_codes")
    if isinstance(codes, list) and all(isinstance(c, str) for c in codes):
        out["coupon_codes"] = list(normalised_codes(codes))
    return out


wire_prepare(Promotion, _normalise_promotion)
wire_prepare(HeaderUpdate, lambda data: _upper_codes(dict(data)))


def promotion_from_wire(
    data: Any,
    *,
    path: str = "promotion",
    currency_decimals: int = 2,
    limits: Limits = DEFAULT_LIMITS,
) -> Promotion:
    """A validated :class:`Promotion` from its wire dict, or :class:`ValidationError`."""
    if not isinstance(data, Mapping):
        raise ValidationError([ErrorDetail(path, "not a JSON object")])
    promo = _structure(data, Promotion, path, limits)
    errors = validate_promotion(promo, path, currency_decimals)
    if errors:
        raise ValidationError(errors)
    if not promo.promo_short_code:
        promo = attrs.evolve(promo, promo_short_code=default_short_code(promo))
    return promo


def promotion_to_wire(promo: Promotion) -> dict[str, Any]:
    """The wire dict of a promotion (decimals as strings, datetimes ISO 8601)."""
    out: dict[str, Any] = _unstructurer.unstructure(promo, Promotion)
    return out


# What the normaliser above accepts besides the attrs fields, for /openapi.json.
_STRING = {"type": "string"}
wire_doc(
    Promotion,
    nullable=(
        "title",
        "description",
        "promo_short_code",
        "promo_id",
        "extra_data",
        "stores",
        "special_promo_info",
        "coupon_codes",
    ),
    extra={
        "id": {**_STRING, "description": "alias of promo_id", "deprecated": True},
        "usage": {
            "type": "object",
            "properties": {"redemptions": {"type": "integer", "minimum": 0}},
            "readOnly": True,
            "description": "standing redemptions (SPEC §9), on promotions the service returns",
        },
    },
    schemas={"extra_data": {"type": "object", "description": "free-form JSON object"}},
)
wire_doc(HeaderUpdate, schemas={"extra_data": {"type": "object"}})
