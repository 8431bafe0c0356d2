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


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def storage_errors(promo: Promotion, path: str) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    scale, limit = decimal_limits.scale, decimal_limits.bound

    def at(field: str) -> str:
        return f"{path}.{field}" if path else field

    def text(field: str, value: str | None, size: int | None) -> None:
        if value is None:
            return
        if size is not None and len(value) > size:
            errors.append(ErrorDetail(at(field), f"at most {size} characters"))
        elif not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # e.g. a lone surrogate from a JSON "\ud800"
                errors.append(ErrorDetail(at(field), "not valid Unicode text"))

    def dec(field: str, value: Decimal | None) -> None:
        if value is None:
            return
        if _places(value) > scale:
            errors.append(ErrorDetail(at(field), f"at most {scale} decimal places"))
        elif abs(value) >= limit:
            errors.append(ErrorDetail(at(field), "too large"))

    text("retailer", promo.retailer, _HEADER["retailer"])
    text("promo_id_retailer", promo.promo_id_retailer, _HEADER["promo_id_retailer"])
    text("title", promo.title, _HEADER["title"])
    text("description", promo.description, None)
    text("promo_short_code", promo.promo_short_code, _HEADER["promo_short_code"])
    text(
        "target_discounted_group_name",
        promo.target_discounted_group_name,
        _HEADER["target_discounted_group_name"],
    )
    dec("discount_value", promo.discount_value)
    dec("max_discount", promo.max_discount)
    for i, group in enumerate(promo.promo_groups):
        gp = f"promo_groups[{i}]"
        text(f"{gp}.name", group.name, _GROUP["name"])
        dec(f"{gp}.qty_or_value_min", group.qty_or_value_min)
        dec(f"{gp}.qty_or_value_max", group.qty_or_value_max)
        for j, node in enumerate(group.nodes):
            text(f"{gp}.promo_group_nodes[{j}].node_id", node.node_id, _NODE["node_id"])
            dec(f"{gp}.promo_group_nodes[{j}].discount_value", node.discount_value)
    for i, store in enumerate(promo.stores):
        if not store:
            errors.append(ErrorDetail(at(f"stores[{i}]"), "must not be empty"))
        text(f"stores[{i}]", store, _LINK["store_id"])
    for i, info in enumerate(promo.special_promo_info):
        text(
            f"special_promo_info[{i}].group_qualifier_id",
            info.group_qualifier_id,
            _SPECIAL["group_qualifier_id"],
        )
        text(f"special_promo_info[{i}].description", info.description, None)
    for field, value in (
        ("start_date_time", promo.start_date_time),
        ("end_date_time", promo.end_date_time),
    ):
        # (Checked on the written year first: converting year 1 or 9999 may overflow.)
        if not 1970 <= value.year <= 9998 or not 1970 <= value.astimezone(UTC).year <= 9998:
            errors.append(ErrorDetail(at(field), "must lie between the years 1970 and 9998"))
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
