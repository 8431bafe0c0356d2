"""Engine objects to rows: what a write inserts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mspromo_engine import Promotion
from mspromo_engine.codec import (
    extra_data_to_wire,
    json_default,
)
from mspromo_service.storage.ids import IdPool
from mspromo_service.storage.schema import (
    header,
    promo_group,
    promo_group_node,
    promo_header_store,
    special_promo_info,
)

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _offset(value: datetime) -> int:
    delta = value.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _dump_extra(extra: tuple[tuple[str, Any], ...]) -> str:
    # The engine codec freezes nested JSON (hashable promotions): thaw it the codec's way.
    wire = extra_data_to_wire(extra)
    return json.dumps(wire, default=json_default, sort_keys=True)  # ASCII: any text fits


def header_row(promo: Promotion, header_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": header_id,
        "retailer": promo.retailer,
        "promo_id_retailer": promo.promo_id_retailer,
        "family": promo.family.value,
        "title": promo.title,
        "description": promo.description,
        "promo_short_code": promo.promo_short_code,
        "evaluate_criteria": promo.evaluate_criteria.value,
        "evaluate_priority": promo.evaluate_priority,
        "discount_type": promo.discount_type.value,
        "discount_type_strategy": promo.discount_type_strategy.value,
        "discount_value": promo.discount_value,
        "discount_value_on": promo.discount_value_on.value,
        "max_application_limit": promo.max_application_limit,
        "max_discount": promo.max_discount,
        "is_active": promo.is_active,
        "start_date_time": _utc_naive(promo.start_date_time),
        "start_utc_offset": _offset(promo.start_date_time),
        "end_date_time": _utc_naive(promo.end_date_time),
        "end_utc_offset": _offset(promo.end_date_time),
        "active_days": promo.active_days,
        "is_happy_hour": promo.is_happy_hour,
        "discounted_group_item_selection_criteria": (
            promo.discounted_group_item_selection_criteria.value
        ),
        "requisite_groups_item_selection_criteria": (
            promo.requisite_groups_item_selection_criteria.value
        ),
        "target_discounted_group_name": promo.target_discounted_group_name,
        "target_discounted_group_qty_min": promo.target_discounted_group_qty_min,
        "layer": promo.layer,
        "discount_apply_type": promo.discount_apply_type.value,
        "availability": promo.availability.value,
        "apply_on_discounted_items": promo.apply_on_discounted_items,
        "extra_data": _dump_extra(promo.extra_data),
        "created_at": now,
        "updated_at": now,
    }


@attrs.define
class Rows:
    """The child rows of promotions, ready for ``executemany``."""

    groups: list[dict[str, Any]] = attrs.Factory(list)
    nodes: list[dict[str, Any]] = attrs.Factory(list)
    specials: list[dict[str, Any]] = attrs.Factory(list)
    links: list[dict[str, Any]] = attrs.Factory(list)
    new_id: IdPool = attrs.Factory(IdPool)

    def add_children(self, promo: Promotion, header_id: str) -> None:
        new_id = self.new_id
        for gpos, group in enumerate(promo.promo_groups):
            group_id = new_id()
            self.groups.append(
                {
                    "id": group_id,
                    "header_id": header_id,
                    "name": group.name,
                    "qty_or_value_min": group.qty_or_value_min,
                    "qty_or_value_max": group.qty_or_value_max,
                    "position": gpos,
                }
            )
            for npos, node in enumerate(group.nodes):
                self.nodes.append(
                    {
                        "id": new_id(),
                        "group_id": group_id,
                        "header_id": header_id,
                        "node_id": node.node_id,
                        "node_type": node.node_type.value,
                        "is_excluded": node.is_excluded,
                        "discount_type": (
                            None if node.discount_type is None else node.discount_type.value
                        ),
                        "discount_value": node.discount_value,
                        "position": npos,
                    }
                )
        for spos, info in enumerate(promo.special_promo_info):
            self.specials.append(
                {
                    "id": new_id(),
                    "header_id": header_id,
                    "group_qualifier_id": info.group_qualifier_id,
                    "description": info.description,
                    "position": spos,
                }
            )

    def add_links(self, header_id: str, links: Mapping[str, bool], now: datetime) -> None:
        for store_id, deleted in links.items():
            self.links.append(
                {
                    "id": self.new_id(),
                    "header_id": header_id,
                    "store_id": store_id,
                    "is_deleted": deleted,
                    "deleted_at": now if deleted else None,
                    "created_at": now,
                }
            )

    def insert(self, conn: Connection) -> None:
        for table, rows in (
            (promo_group, self.groups),
            (promo_group_node, self.nodes),
            (special_promo_info, self.specials),
            (promo_header_store, self.links),
        ):
            if rows:
                conn.execute(table.insert(), rows)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def delete_promotions(conn: Connection, header_ids: Sequence[str], batch: int = CHUNK) -> None:
    """Delete promotions with their nodes, groups, special info and links."""
    for chunk in chunks(list(header_ids), batch):
        for table in (promo_group_node, promo_group, special_promo_info, promo_header_store):
            conn.execute(sa.delete(table).where(table.c.header_id.in_(chunk)))
        conn.execute(sa.delete(header).where(header.c.id.in_(chunk)))
