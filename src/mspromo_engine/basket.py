"""The basket side: request, lines (items) and the units they expand into (SPEC §1, §6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from mspromo_engine.bounds import ID_LEN, NAME_LEN, bound
from mspromo_engine.model import Promotion

__all__ = [
    "Basket",
    "Category",
    "EvaluationRequest",
    "Item",
    "QualifierGroup",
    "SpecialProgram",
    "Unit",
]


MAX_UNITS = 100_000  # per line and per basket (SPEC §7.1)


@attrs.frozen
class Category:
    """A category of an item at a hierarchy level: ``type`` is ``c1``…``c7``."""

    type: str = attrs.field(metadata=bound(max_length=2))
    value: str = attrs.field(metadata=bound(max_length=ID_LEN))


@attrs.frozen
class Item:
    """One basket line. ``qty`` units, each priced ``mrp``/``sp`` and weighing ``weight``.

    ``sp`` defaults to ``mrp``.
    """

    sku: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    mrp: Decimal = attrs.field()
    qty: int = attrs.field(metadata=bound(minimum=1, maximum=MAX_UNITS))
    sp: Decimal = attrs.field(default=None)
    item_id: str = attrs.field(default="", metadata=bound(max_length=ID_LEN))
    barcode: str = attrs.field(default="", metadata=bound(max_length=ID_LEN))
    weight: Decimal = Decimal(1)
    uom: str = attrs.field(default="", metadata=bound(max_length=NAME_LEN))
    categories: tuple[Category, ...] = attrs.field(default=(), metadata=bound(max_items=50))

    def __attrs_post_init__(self) -> None:
        if self.sp is None:
            object.__setattr__(self, "sp", self.mrp)


@attrs.frozen
class Basket:
    id: str = attrs.field(default="", metadata=bound(max_length=ID_LEN))
    items: tuple[Item, ...] = attrs.field(default=(), metadata=bound(max_items="basket_lines"))


@attrs.frozen
class QualifierGroup:
    input: str = attrs.field(default="", metadata=bound(max_length=NAME_LEN))
    qualifier_ids: tuple[str, ...] = attrs.field(
        default=(), metadata=bound(max_items=100, item_max_length=ID_LEN)
    )


@attrs.frozen
class SpecialProgram:
    program_name: str = attrs.field(default="", metadata=bound(max_length=NAME_LEN))
    group_qualifiers: tuple[QualifierGroup, ...] = attrs.field(
        default=(), metadata=bound(max_items=100)
    )


@attrs.frozen
class EvaluationRequest:
    """Everything one evaluation needs besides the rules. ``at`` is always set by the caller."""

    basket: Basket
    at: datetime
    store_id: str = attrs.field(default="", metadata=bound(max_length=ID_LEN))
    customer_id: str | None = attrs.field(default=None, metadata=bound(max_length=ID_LEN))
    timezone: str = attrs.field(default="UTC", metadata=bound(max_length=64))
    currency_decimals: int = attrs.field(default=2, metadata=bound(minimum=0, maximum=6))
    keep_zero_discount_promos: bool = False
    explain: bool = False
    special_promos: tuple[SpecialProgram, ...] = attrs.field(
        default=(), metadata=bound(max_items="special_promos")
    )
    promo_override: tuple[Promotion, ...] = attrs.field(
        default=(), metadata=bound(max_items="promo_override")
    )
    # Upper-cased by the codec, distinct, in request order (SPEC §9).
    coupons: tuple[str, ...] = attrs.field(
        default=(), metadata=bound(max_items="coupons", item_max_length=64)
    )

    @property
    def qualifier_ids(self) -> frozenset[str]:
        return frozenset(
            q for p in self.special_promos for g in p.group_qualifiers for q in g.qualifier_ids
        )

    @property
    def coupons_set(self) -> frozenset[str]:
        return frozenset(self.coupons)


@attrs.frozen
class Unit:
    """One purchased piece. ``index`` is its position over the whole basket (line order,
    then unit order), which is also the deterministic tie-breaker of every selection."""

    index: int
    line: int
    sku: str
    mrp: Decimal
    sp: Decimal
    weight: Decimal
    categories: frozenset[tuple[str, str]]
