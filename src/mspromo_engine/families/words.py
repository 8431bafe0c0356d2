"""Phrasing shared by the families' ``describe`` functions: a rule in plain words.

Each family module writes its own sentence ("Buy 3 PEN, 10.00 off the 3") from these
pieces; nothing here knows about families. Money is shown with the currency's decimals.
"""

from __future__ import annotations

from decimal import Decimal

from mspromo_engine.model import DiscountType, Group, Node, NodeType, Promotion, Strategy
from mspromo_engine.money import round_money

__all__ = ["amount", "conditions", "count", "deal", "node_deal", "products", "with_limits"]

_MAX_NAMED = 3
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def amount(value: Decimal, decimals: int) -> str:
    """Money in the currency's decimals: ``10.00``."""
    return f"{round_money(value, decimals):f}"


def count(value: Decimal) -> str:
    """A group minimum that counts units, without a trailing ``.0``."""
    return f"{value.normalize():f}"


def _node(node: Node) -> str:
    if node.matches_all:
        return "any item"
    if node.node_type is NodeType.ITEM:
        return node.node_id
    return f"category {node.node_id}"


def products(group: Group) -> str:
    """The group's products: ``PEN``, ``PEN or PENCIL``, ``category DAIRY except BUTTER``."""
    names = [_node(n) for n in group.included]
    if len(names) > _MAX_NAMED:
        names = [*names[:_MAX_NAMED], f"{len(group.included) - _MAX_NAMED} more"]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    excluded = [_node(n) for n in group.excluded]
    if excluded:
        if len(excluded) > _MAX_NAMED:
            excluded = [*excluded[:_MAX_NAMED], f"{len(group.excluded) - _MAX_NAMED} more"]
        text += " except " + ", ".join(excluded)
    return text


def deal(kind: DiscountType, value: Decimal, strategy: Strategy, units: str, decimals: int) -> str:
    """What a set of ``units`` (e.g. ``"the 3"``) gets: ``10.00 off the 3``, ``free``."""
    if kind is DiscountType.PERCENT:
        return "free" if value == 100 else f"{value.normalize():f}% off"
    if kind is DiscountType.VALUE:
        off = amount(value, decimals)
        return f"{off} off each" if strategy is Strategy.EACH_ITEM else f"{off} off {units}"
    price = amount(value, decimals)
    return f"{price} each" if strategy is Strategy.EACH_ITEM else f"{units} for {price}"


def node_deal(promo: Promotion, node: Node, decimals: int) -> str:
    """A node's own per-unit deal (family ``l``), falling back to the promotion's."""
    kind = node.discount_type or promo.discount_type
    value = node.discount_value if node.discount_value is not None else promo.discount_value
    return deal(kind, value, Strategy.EACH_ITEM, "each", decimals)


def with_limits(promo: Promotion, text: str, decimals: int) -> str:
    """The sentence plus repeat limit, cap, loyalty and time conditions."""
    parts = [text]
    if promo.max_application_limit > 1:
        parts.append(f"up to {promo.max_application_limit} times")
    if promo.max_discount is not None:
        parts.append(f"at most {amount(promo.max_discount, decimals)} off in total")
    return "; ".join(parts) + conditions(promo)


def conditions(promo: Promotion) -> str:
    """Loyalty, weekday and happy-hour restrictions as a trailing clause."""
    out = ""
    if promo.special_promo_info:
        ids = ", ".join(s.group_qualifier_id for s in promo.special_promo_info)
        out += f"; loyalty only ({ids})"
    if promo.active_days != "1111111":
        days = [d for d, flag in zip(_WEEKDAYS, promo.active_days, strict=False) if flag == "1"]
        out += "; " + (", ".join(days) if days else "no day") + " only"
    if promo.is_happy_hour:
        start = promo.start_date_time.strftime("%H:%M")
        end = promo.end_date_time.strftime("%H:%M")
        out += f"; {start}–{end} only"
    return out
