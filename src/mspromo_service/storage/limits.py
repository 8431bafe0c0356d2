"""Storage limits the engine codec does not know about: column sizes, decimal places."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

import attrs

from mspromo_engine import (
    ErrorDetail,
    Promotion,
    ValidationError,
    default_short_code,
    promotion_from_wire,
    validate_promotion,
)
from mspromo_service.storage.schema import column_limits, decimal_limits

_HEADER = column_limits["promo_header"]
_GROUP = column_limits["promo_group"]
_NODE = column_limits["promo_group_node"]
_LINK = column_limits["promo_header_store"]
_SPECIAL = column_limits["special_promo_info"]
_SCALE, _BOUND = decimal_limits.scale, decimal_limits.bound


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _text_error(value: str | None, size: int | None) -> str | None:
    if value is None:
        return None
    if size is not None and len(value) > size:
        return f"at most {size} characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # e.g. a lone surrogate from a JSON "\ud800"
            return "not valid Unicode text"
    return None


def _decimal_error(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if _places(value) > _SCALE:
        return f"at most {_SCALE} decimal places"
    if abs(value) >= _BOUND:
        return "too large"
    return None


def storage_errors(promo: Promotion, path: str) -> list[ErrorDetail]:
    # Paths are only spelled out for an error: most promotions have none, and a bulk
    # write checks some 40,000 groups and nodes.
    errors: list[ErrorDetail] = []

    def add(field: str, message: str | None) -> None:
        if message is not None:
            errors.append(ErrorDetail(f"{path}.{field}" if path else field, message))

    add("retailer", _text_error(promo.retailer, _HEADER["retailer"]))
    add("promo_id_retailer", _text_error(promo.promo_id_retailer, _HEADER["promo_id_retailer"]))
    add("title", _text_error(promo.title, _HEADER["title"]))
    add("description", _text_error(promo.description, None))
    add("promo_short_code", _text_error(promo.promo_short_code, _HEADER["promo_short_code"]))
    add(
        "target_discounted_group_name",
        _text_error(promo.target_discounted_group_name, _HEADER["target_discounted_group_name"]),
    )
    add("discount_value", _decimal_error(promo.discount_value))
    add("max_discount", _decimal_error(promo.max_discount))
    group_name, node_id = _GROUP["name"], _NODE["node_id"]
    for i, group in enumerate(promo.promo_groups):
        if m := _text_error(group.name, group_name):
            add(f"promo_groups[{i}].name", m)
        if m := _decimal_error(group.qty_or_value_min):
            add(f"promo_groups[{i}].qty_or_value_min", m)
        if m := _decimal_error(group.qty_or_value_max):
            add(f"promo_groups[{i}].qty_or_value_max", m)
        for j, node in enumerate(group.nodes):
            if m := _text_error(node.node_id, node_id):
                add(f"promo_groups[{i}].promo_group_nodes[{j}].node_id", m)
            if m := _decimal_error(node.discount_value):
                add(f"promo_groups[{i}].promo_group_nodes[{j}].discount_value", m)
    for i, store in enumerate(promo.stores):
        if not store:
            add(f"stores[{i}]", "must not be empty")
        if m := _text_error(store, _LINK["store_id"]):
            add(f"stores[{i}]", m)
    for i, info in enumerate(promo.special_promo_info):
        if m := _text_error(info.group_qualifier_id, _SPECIAL["group_qualifier_id"]):
            add(f"special_promo_info[{i}].group_qualifier_id", m)
        if m := _text_error(info.description, None):
            add(f"special_promo_info[{i}].description", m)
    for field, value in (
        ("start_date_time", promo.start_date_time),
        ("end_date_time", promo.end_date_time),
    ):
        # (Checked on the written year first: converting year 1 or 9999 may overflow.)
        if not 1970 <= value.year <= 9998 or not 1970 <= value.astimezone(UTC).year <= 9998:
            add(field, "must lie between the years 1970 and 9998")
    return errors


def validated(data: Any, path: str) -> Promotion:
    # An already parsed promotion (the service's contract) only gets the column checks.
    promo = data if isinstance(data, Promotion) else promotion_from_wire(data, path=path)
    return _fits(promo, path)


def checked(promo: Promotion, path: str) -> Promotion:
    """A typed promotion (a bulk op's result) checked as a whole, as the codec checks a
    wire one: SPEC §2, then the columns; an empty short code gets the generated one."""
    errors = validate_promotion(promo, path)
    if errors:
        raise ValidationError(errors)
    if not promo.promo_short_code:
        promo = attrs.evolve(promo, promo_short_code=default_short_code(promo))
    return _fits(promo, path)


def _fits(promo: Promotion, path: str) -> Promotion:
    errors = storage_errors(promo, path)
    if errors:
        raise ValidationError(errors)
    stores = tuple(dict.fromkeys(promo.stores))  # duplicate store ids make one link
    return promo if stores == promo.stores else attrs.evolve(promo, stores=stores)
