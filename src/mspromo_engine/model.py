"""The rule model: immutable promotions, their groups and nodes (SPEC §1–2).

Every object here is frozen and hashable, so a compiled rule set can be shared freely
between threads. Coded wire fields are enums whose values are the wire codes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from mspromo_engine.bounds import GROUP_NAME_LEN, ID_LEN, INT_MAX, RETAILER_LEN, TEXT_LEN, bound

__all__ = [
    "Availability",
    "DiscountApplyType",
    "DiscountType",
    "EvaluateCriteria",
    "Family",
    "Group",
    "Node",
    "NodeType",
    "Promotion",
    "ReferencePrice",
    "SelectionCriteria",
    "SpecialPromoInfo",
    "Strategy",
]


class Family(enum.Enum):
    """The algorithm of a promotion (SPEC §4)."""

    EASY = "e"
    EASY_PLUS = "p"
    COMBO = "c"
    LINE_SPECIAL = "l"
    BASKET_THRESHOLD = "b"
    BASKET_TARGET = "t"
    REQUISITE_TARGET = "r"
    EVEN_MULTILINE = "m"

    @property
    def is_basket(self) -> bool:
        """Basket families run after item-level ones, in a layer of at least 100."""
        # By value: naming members on the class goes through the enum metaclass's
        # __getattr__ (~1,000 instructions each on CPython 3.11), and this is asked often.
        return self._value_ in _BASKET_FAMILY_CODES


_BASKET_FAMILY_CODES = frozenset({Family.BASKET_THRESHOLD.value, Family.BASKET_TARGET.value})


class EvaluateCriteria(enum.Enum):
    PRIORITY = "p"
    BEST_DISCOUNT = "b"


class DiscountType(enum.Enum):
    PERCENT = "p"
    VALUE = "v"
    FIXED_PRICE = "f"


class Strategy(enum.Enum):
    ALL_ITEMS = "a"
    EACH_ITEM = "e"


class ReferencePrice(enum.Enum):
    """Which unit price ``discount_value_on`` refers to (SPEC §3.1)."""

    MRP = "m"
    SALE_PRICE = "s"
    FINAL_PRICE = "f"


class SelectionCriteria(enum.Enum):
    """Which units a promotion takes (SPEC §3.3)."""

    FAVOUR_RETAILER = "l"
    FAVOUR_CUSTOMER = "lc"
    MOST_EXPENSIVE = "m"


class DiscountApplyType(enum.Enum):
    BASKET = "b"
    CASHBACK = "c"
    TENDER = "t"
    POS_LOG_EXCLUSION = "p"


class Availability(enum.Enum):
    EVERYONE = "a"
    SPECIAL = "s"


class NodeType(enum.Enum):
    ITEM = "i"
    C1 = "c1"
    C2 = "c2"
    C3 = "c3"
    C4 = "c4"
    C5 = "c5"
    C6 = "c6"
    C7 = "c7"


ALL_NODE_ID = "ALL"


@attrs.frozen
class Node:
    """One member of a group: an item (SKU), a category value, or ``ALL``.

    ``discount_type``/``discount_value`` override the header's for family ``l``.
    """

    node_id: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    node_type: NodeType = NodeType.ITEM
    is_excluded: bool = False
    discount_type: DiscountType | None = None
    discount_value: Decimal | None = None

    @property
    def matches_all(self) -> bool:
        return self.node_id == ALL_NODE_ID


@attrs.frozen
class Group:
    """A named set of eligible products with a minimum (units or money) and a maximum."""

    name: str = attrs.field(metadata=bound(min_length=1, max_length=GROUP_NAME_LEN))
    qty_or_value_min: Decimal = attrs.field()
    qty_or_value_max: Decimal | None = None
    nodes: tuple[Node, ...] = attrs.field(default=(), metadata=bound(max_items="group_nodes"))

    @property
    def included(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if not n.is_excluded)

    @property
    def excluded(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.is_excluded)


@attrs.frozen
class SpecialPromoInfo:
    group_qualifier_id: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    description: str = ""


@attrs.frozen
class Promotion:
    """One promotion rule (a.k.a. header) with its groups, schedule and scoping."""

    retailer: str = attrs.field(metadata=bound(min_length=1, max_length=RETAILER_LEN))
    promo_id_retailer: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    start_date_time: datetime = attrs.field()
    end_date_time: datetime = attrs.field()
    promo_groups: tuple[Group, ...] = attrs.field(metadata=bound(max_items="promotion_groups"))
    promo_id: str = attrs.field(default="", metadata=bound(max_length=ID_LEN))
    family: Family = Family.EASY
    title: str = attrs.field(default="", metadata=bound(max_length=TEXT_LEN))
    description: str = ""
    promo_short_code: str = attrs.field(default="", metadata=bound(max_length=TEXT_LEN))
    evaluate_criteria: EvaluateCriteria = EvaluateCriteria.PRIORITY
    evaluate_priority: int | None = attrs.field(
        default=None, metadata=bound(minimum=0, maximum=INT_MAX)
    )
    discount_type: DiscountType = DiscountType.PERCENT
    discount_type_strategy: Strategy = Strategy.ALL_ITEMS
    discount_value: Decimal = Decimal(0)
    discount_value_on: ReferencePrice = ReferencePrice.MRP
    max_application_limit: int = attrs.field(default=1, metadata=bound(minimum=1, maximum=INT_MAX))
    max_discount: Decimal | None = None
    is_active: bool = True
    active_days: str = "1111111"
    is_happy_hour: bool = False
    discounted_group_item_selection_criteria: SelectionCriteria = SelectionCriteria.FAVOUR_RETAILER
    requisite_groups_item_selection_criteria: SelectionCriteria = SelectionCriteria.FAVOUR_RETAILER
    target_discounted_group_name: str | None = attrs.field(
        default=None, metadata=bound(max_length=GROUP_NAME_LEN)
    )
    target_discounted_group_qty_min: int | None = attrs.field(
        default=None, metadata=bound(minimum=0, maximum=INT_MAX)
    )
    layer: int = attrs.field(default=1, metadata=bound(minimum=1, maximum=INT_MAX))
    discount_apply_type: DiscountApplyType = DiscountApplyType.BASKET
    availability: Availability = Availability.EVERYONE
    apply_on_discounted_items: bool = True
    # Free-form JSON from the wire, kept as a tuple of pairs so the promotion stays hashable.
    extra_data: tuple[tuple[str, Any], ...] = ()
    stores: tuple[str, ...] = attrs.field(default=(), metadata=bound(item_max_length=ID_LEN))
    special_promo_info: tuple[SpecialPromoInfo, ...] = ()
    # SPEC §9: upper-case codes (empty: no coupon needed) and redemption limits (orders).
    coupon_codes: tuple[str, ...] = attrs.field(
        default=(), metadata=bound(max_items=100, item_max_length=64)
    )
    usage_limit: int | None = attrs.field(default=None, metadata=bound(minimum=1, maximum=INT_MAX))
    usage_limit_per_customer: int | None = attrs.field(
        default=None, metadata=bound(minimum=1, maximum=INT_MAX)
    )

    @property
    def has_usage_limit(self) -> bool:
        return self.usage_limit is not None or self.usage_limit_per_customer is not None

    @property
    def effective_layer(self) -> int:
        """Basket families run in a layer of at least 100 (SPEC §2, §5.2)."""
        return max(self.layer, 100) if self.family.is_basket else self.layer

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.extra_data)

    def group(self, name: str) -> Group | None:
        for g in self.promo_groups:
            if g.name == name:
                return g
        return None

    @property
    def target_group(self) -> Group | None:
        if self.target_discounted_group_name is None:
            return None
        return self.group(self.target_discounted_group_name)

    @property
    def requisite_groups(self) -> tuple[Group, ...]:
        """The groups other than the target (all groups when there is no target)."""
        name = self.target_discounted_group_name
        return tuple(g for g in self.promo_groups if g.name != name)

    @property
    def priority_key(self) -> tuple[int, int, str]:
        """Ascending ``evaluate_priority`` with null after all numbered; ties by retailer id."""
        p = self.evaluate_priority
        return (1, 0, self.promo_id_retailer) if p is None else (0, p, self.promo_id_retailer)
