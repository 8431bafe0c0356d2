"""Rows to engine objects: set-based loads of whole promotions."""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mspromo_engine import (
    Availability,
    DiscountApplyType,
    DiscountType,
    EvaluateCriteria,
    Family,
    Group,
    Node,
    NodeType,
    Promotion,
    ReferencePrice,
    SelectionCriteria,
    SpecialPromoInfo,
    Strategy,
    extra_data_from_wire,
)
from mspromo_service.storage.rows import chunks
from mspromo_service.storage.schema import (
    decimal_limits,
    header,
    promo_group,
    promo_group_node,
    promo_header_store,
    special_promo_info,
)

E = TypeVar("E", bound=enum.Enum)


def _aware(value: datetime, offset: int) -> datetime:
    tz = UTC if offset == 0 else timezone(timedelta(seconds=offset))
    return value.replace(tzinfo=UTC).astimezone(tz)


_QUANTUM = Decimal(1).scaleb(-decimal_limits.scale)


@functools.lru_cache(maxsize=8192)
def _dec_out(value: Any) -> Decimal:
    """A stored decimal without the column's padding: ``10.500000`` reads as ``10.5``.

    (Padding would make money look more precise than the currency allows, and the value
    must survive a round trip through the engine codec's validation.)
    """
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    d = d.quantize(_QUANTUM)  # undo float noise (SQLite stores NUMERIC as REAL)
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec_out(value)


def _load_extra(text: str) -> tuple[tuple[str, Any], ...]:
    return extra_data_from_wire(json.loads(text, parse_float=Decimal))


@functools.lru_cache(maxsize=1024)
def _load_codes(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def _codes(enum_type: type[E]) -> dict[str, E]:
    """Wire code -> enum member (a dict lookup is much cheaper than ``Enum(code)``)."""
    return {member.value: member for member in enum_type}


_NODE_TYPE = _codes(NodeType)
_DISCOUNT_TYPE = _codes(DiscountType)
_FAMILY = _codes(Family)
_CRITERIA = _codes(EvaluateCriteria)
_STRATEGY = _codes(Strategy)
_REFERENCE = _codes(ReferencePrice)
_SELECTION = _codes(SelectionCriteria)
_APPLY_TYPE = _codes(DiscountApplyType)
_AVAILABILITY = _codes(Availability)


@attrs.frozen
class Loaded:
    """A stored promotion with the state of all its store links."""

    header_id: str
    promotion: Promotion  # ``stores`` = the links that are not soft-deleted
    links: dict[str, bool]  # store_id -> is_deleted
    group_ids: tuple[str, ...] = ()  # the row ids of ``promotion.promo_groups``, in order


def load(
    conn: Connection,
    where: Callable[[sa.ColumnElement[str]], sa.ColumnElement[bool]],
    *,
    lock: bool = False,
) -> list[Loaded]:
    """Promotions whose header id satisfies ``where(id_column)``, in id order.

    Five set-based queries whatever the number of promotions (no N+1): headers, groups,
    nodes, links, special info; each filtered by the same condition on the header id.
    """
    h = header
    columns = [c for c in h.c if c.name not in ("created_at", "updated_at")]
    query = sa.select(*columns).where(where(h.c.id)).order_by(h.c.id)
    heads = conn.execute(query.with_for_update() if lock else query).all()
    if not heads:
        return []
    g = promo_group
    groups_by_header: dict[str, list[Any]] = {}
    for row in conn.execute(
        sa.select(g).where(where(g.c.header_id)).order_by(g.c.header_id, g.c.position)
    ):
        groups_by_header.setdefault(row.header_id, []).append(row)
    n = promo_group_node
    nodes_by_group: dict[str, list[Node]] = {}
    for row in conn.execute(
        sa.select(
            n.c.group_id,
            n.c.node_id,
            n.c.node_type,
            n.c.is_excluded,
            n.c.discount_type,
            n.c.discount_value,
        )
        .where(where(n.c.header_id))
        .order_by(n.c.group_id, n.c.position)
    ):
        nodes_by_group.setdefault(row.group_id, []).append(
            Node(
                node_id=row.node_id,
                node_type=_NODE_TYPE[row.node_type],
                is_excluded=bool(row.is_excluded),
                discount_type=(
                    None if row.discount_type is None else _DISCOUNT_TYPE[row.discount_type]
                ),
                discount_value=_opt_dec(row.discount_value),
            )
        )
    lk = promo_header_store
    links_by_header: dict[str, dict[str, bool]] = {}
    for row in conn.execute(
        sa.select(lk.c.header_id, lk.c.store_id, lk.c.is_deleted)
        .where(where(lk.c.header_id))
        .order_by(lk.c.header_id, lk.c.store_id)
    ):
        links_by_header.setdefault(row.header_id, {})[row.store_id] = bool(row.is_deleted)
    sp = special_promo_info
    specials_by_header: dict[str, list[SpecialPromoInfo]] = {}
    for row in conn.execute(
        sa.select(sp.c.header_id, sp.c.group_qualifier_id, sp.c.description)
        .where(where(sp.c.header_id))
        .order_by(sp.c.header_id, sp.c.position)
    ):
        specials_by_header.setdefault(row.header_id, []).append(
            SpecialPromoInfo(row.group_qualifier_id, row.description)
        )

    out: list[Loaded] = []
    for row in heads:
        groups = tuple(
            Group(
                name=gr.name,
                qty_or_value_min=_dec_out(gr.qty_or_value_min),
                qty_or_value_max=_opt_dec(gr.qty_or_value_max),
                nodes=tuple(nodes_by_group.get(gr.id, ())),
            )
            for gr in groups_by_header.get(row.id, ())
        )
        links = links_by_header.get(row.id, {})
        promo = Promotion(
            retailer=row.retailer,
            promo_id_retailer=row.promo_id_retailer,
            start_date_time=_aware(row.start_date_time, row.start_utc_offset),
            end_date_time=_aware(row.end_date_time, row.end_utc_offset),
            promo_groups=groups,
            promo_id=row.id,
            family=_FAMILY[row.family],
            title=row.title,
            description=row.description,
            promo_short_code=row.promo_short_code,
            evaluate_criteria=_CRITERIA[row.evaluate_criteria],
            evaluate_priority=row.evaluate_priority,
            discount_type=_DISCOUNT_TYPE[row.discount_type],
            discount_type_strategy=_STRATEGY[row.discount_type_strategy],
            discount_value=_dec_out(row.discount_value),
            discount_value_on=_REFERENCE[row.discount_value_on],
            max_application_limit=row.max_application_limit,
            max_discount=_opt_dec(row.max_discount),
            is_active=bool(row.is_active),
            active_days=row.active_days,
            is_happy_hour=bool(row.is_happy_hour),
            discounted_group_item_selection_criteria=_SELECTION[
                row.discounted_group_item_selection_criteria
            ],
            requisite_groups_item_selection_criteria=_SELECTION[
                row.requisite_groups_item_selection_criteria
            ],
            target_discounted_group_name=row.target_discounted_group_name,
            target_discounted_group_qty_min=row.target_discounted_group_qty_min,
            layer=row.layer,
            discount_apply_type=_APPLY_TYPE[row.discount_apply_type],
            availability=_AVAILABILITY[row.availability],
            apply_on_discounted_items=bool(row.apply_on_discounted_items),
            extra_data=_load_extra(row.extra_data),
            stores=tuple(s for s, deleted in links.items() if not deleted),
            special_promo_info=tuple(specials_by_header.get(row.id, ())),
            coupon_codes=_load_codes(row.coupon_codes),
            usage_limit=row.usage_limit,
            usage_limit_per_customer=row.usage_limit_per_customer,
        )
        group_ids = tuple(gr.id for gr in groups_by_header.get(row.id, ()))
        out.append(Loaded(row.id, promo, dict(links), group_ids))
    return out


def load_ids(conn: Connection, ids: Sequence[str]) -> list[Loaded]:
    out: list[Loaded] = []
    for chunk in chunks(list(ids)):
        out.extend(load(conn, lambda col, c=chunk: col.in_(c)))  # type: ignore[misc]
    out.sort(key=lambda x: x.header_id)
    return out


def active_in_store(store_id: str) -> sa.Select[tuple[str]]:
    lk = promo_header_store
    return (
        sa.select(lk.c.header_id)
        .where(lk.c.store_id == store_id, lk.c.is_deleted == sa.false())
        .correlate(None)
    )
