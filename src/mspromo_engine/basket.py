"""The basket side: request, lines (items) and the units they expand into (SPEC §1, §6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

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


@attrs.frozen
class Category:
    """A category of an item at a hierarchy level: ``type`` is ``c1``…``c7``."""

    type: str
    value: str


@attrs.frozen
class Item:
    """One basket line. ``qty`` units, each priced ``mrp``/``sp`` and weighing ``weight``.

    ``sp`` defaults to ``mrp``.
    """

    sku: str
    mrp: Decimal
    qty: int
    sp: Decimal = attrs.field(default=None)
    item_id: str = ""
    barcode: str = ""
    weight: Decimal = Decimal(1)
    uom: str = ""
    categories: tuple[Category, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.sp is None:
            object.__setattr__(self, "sp", self.mrp)


@attrs.frozen
class Basket:
    id: str = ""
    items: tuple[Item, ...] = ()


@attrs.frozen
class QualifierGroup:
    input: str = ""
    qualifier_ids: tuple[str, ...] = ()


@attrs.frozen
class SpecialProgram:
    program_name: str = ""
    group_qualifiers: tuple[QualifierGroup, ...] = ()


@attrs.frozen
class EvaluationRequest:
    """Everything one evaluation needs besides the rules. ``at`` is always set by the caller."""

    basket: Basket
    at: datetime
    store_id: str = ""
    customer_id: str | None = None
    timezone: str = "UTC"
    currency_decimals: int = 2
    keep_zero_discount_promos: bool = False
    explain: bool = False
    special_promos: tuple[SpecialProgram, ...] = ()
    promo_override: tuple[Promotion, ...] = ()

    @property
    def qualifier_ids(self) -> frozenset[str]:
        return frozenset(
            q for p in self.special_promos for g in p.group_qualifiers for q in g.qualifier_ids
        )


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
