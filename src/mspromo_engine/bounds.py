"""How a wire field declares its bounds (SPEC §7.1), and the limits they refer to.

A field says ``attrs.field(metadata=bound(max_length=ID_LEN))``. Sizes that are fixed by
the storage columns are numbers; collection sizes the operator may tune are *names* of a
:class:`Limits` attribute (``bound(max_items="basket_lines")``), resolved against the
limits the converter was built with. The same metadata feeds the checks (before any
element is structured) and ``maxItems`` / ``maxLength`` / ``maximum`` in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

import attrs

from mspromo_engine.exceptions import MAX_ERRORS

__all__ = [
    "DECIMAL_PLACES",
    "DEFAULT_LIMITS",
    "GROUP_NAME_LEN",
    "ID_LEN",
    "INT_MAX",
    "MAX_ERRORS",
    "MONEY_INTEGER_DIGITS",
    "NAME_LEN",
    "RETAILER_LEN",
    "TEXT_LEN",
    "Bound",
    "Limits",
    "bound",
    "bound_of",
]

# Column sizes of the storage schema (one table; the service's schema uses these).
ID_LEN = 255  # promo ids, store ids, SKUs, node ids, qualifier ids, basket/customer ids
NAME_LEN = 255  # program names, inputs and other short names
GROUP_NAME_LEN = 128
RETAILER_LEN = 128
TEXT_LEN = 255  # titles and short codes
INT_MAX = 2_147_483_647  # every stored integer is a signed 32-bit column
MONEY_INTEGER_DIGITS = 12
DECIMAL_PLACES = 6  # the storage columns' scale; a currency has 0-6 decimals


@attrs.frozen
class Limits:
    """The collection limits of SPEC §7.1; each is a service setting with this default."""

    basket_lines: int = 10_000
    basket_units: int = 100_000
    promo_override: int = 100
    special_promos: int = 100
    coupons: int = 20
    suggestion_nodes: int = 1_000
    retailer_ids: int = 10_000
    bulk_ops: int = 10_000
    group_nodes: int = 50_000
    promotion_groups: int = 100


DEFAULT_LIMITS = Limits()

_KEY = "mspromo_bound"


@attrs.frozen
class Bound:
    """Bounds of one field. ``max_items`` may name a :class:`Limits` attribute;
    ``item_max_length`` bounds each string of a list of strings."""

    max_length: int | None = None
    min_length: int | None = None
    max_items: int | str | None = None
    minimum: int | None = None
    maximum: int | None = None
    item_max_length: int | None = None

    def items_limit(self, limits: Limits) -> int | None:
        if isinstance(self.max_items, str):
            value: int = getattr(limits, self.max_items)
            return value
        return self.max_items


def bound(
    *,
    max_length: int | None = None,
    min_length: int | None = None,
    max_items: int | str | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    item_max_length: int | None = None,
) -> dict[str, Any]:
    """attrs field metadata declaring the field's bounds."""
    if isinstance(max_items, str) and max_items not in attrs.fields_dict(Limits):
        raise ValueError(f"unknown limit {max_items!r}")
    return {_KEY: Bound(max_length, min_length, max_items, minimum, maximum, item_max_length)}


def bound_of(field: attrs.Attribute[Any]) -> Bound | None:
    """The bounds a field declared, if any."""
    value = field.metadata.get(_KEY)
    return value if isinstance(value, Bound) else None
