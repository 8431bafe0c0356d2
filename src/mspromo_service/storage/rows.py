"""Engine objects to rows: what a write inserts, updates and deletes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mspromo_engine import (
    Group,
    Node,
    Promotion,
    SpecialPromoInfo,
    extra_data_to_wire,
    json_default,
)
from mspromo_service.storage.ids import IdPool
from mspromo_service.storage.inserts import insert_rows
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
        "coupon_codes": json.dumps(list(promo.coupon_codes)) if promo.coupon_codes else None,
        "usage_limit": promo.usage_limit,
        "usage_limit_per_customer": promo.usage_limit_per_customer,
        "created_at": now,
        "updated_at": now,
    }


@attrs.define
class Rows:
    """The child-row changes of a write, gathered to run as a few set-based statements."""

    groups: list[dict[str, Any]] = attrs.Factory(list)
    nodes: list[dict[str, Any]] = attrs.Factory(list)
    specials: list[dict[str, Any]] = attrs.Factory(list)
    links: list[dict[str, Any]] = attrs.Factory(list)
    group_updates: list[dict[str, Any]] = attrs.Factory(list)
    dead_groups: list[str] = attrs.Factory(list)  # group ids: the group and its nodes go
    dead_nodes_of: list[str] = attrs.Factory(list)  # group ids whose nodes are replaced
    dead_specials_of: list[str] = attrs.Factory(list)  # header ids whose info is replaced
    new_id: IdPool = attrs.Factory(IdPool)

    def add_children(self, promo: Promotion, header_id: str) -> None:
        for position, group in enumerate(promo.promo_groups):
            self._add_group(header_id, group, position)
        self._add_specials(header_id, promo.special_promo_info)

    def change_children(
        self, header_id: str, old: Promotion, group_ids: Sequence[str], new: Promotion
    ) -> bool:
        """Queue only the child rows that differ between ``old`` (stored, its groups'
        ids ``group_ids``) and ``new``; groups are matched by name. Returns whether any do."""
        before = self._queued()
        pairs = zip(old.promo_groups, group_ids, strict=True)
        stored = {g.name: (gid, pos, g) for pos, (g, gid) in enumerate(pairs)}
        for position, group in enumerate(new.promo_groups):
            found = stored.pop(group.name, None)
            if found is None:
                self._add_group(header_id, group, position)
                continue
            group_id, old_position, old_group = found
            if (old_position, old_group.qty_or_value_min, old_group.qty_or_value_max) != (
                position,
                group.qty_or_value_min,
                group.qty_or_value_max,
            ):
                self.group_updates.append(
                    {
                        "b_id": group_id,
                        "qty_or_value_min": group.qty_or_value_min,
                        "qty_or_value_max": group.qty_or_value_max,
                        "position": position,
                    }
                )
            if old_group.nodes != group.nodes:
                self.dead_nodes_of.append(group_id)
                self._add_nodes(header_id, group_id, group.nodes)
        self.dead_groups.extend(group_id for group_id, _, _ in stored.values())
        if old.special_promo_info != new.special_promo_info:
            self.dead_specials_of.append(header_id)
            self._add_specials(header_id, new.special_promo_info)
        return self._queued() != before

    def _queued(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.groups,
                self.nodes,
                self.specials,
                self.links,
                self.group_updates,
                self.dead_groups,
                self.dead_nodes_of,
                self.dead_specials_of,
            )
        )

    def _add_group(self, header_id: str, group: Group, position: int) -> None:
        group_id = self.new_id()
        self.groups.append(
            {
                "id": group_id,
                "header_id": header_id,
                "name": group.name,
                "qty_or_value_min": group.qty_or_value_min,
                "qty_or_value_max": group.qty_or_value_max,
                "position": position,
            }
        )
        self._add_nodes(header_id, group_id, group.nodes)

    def _add_nodes(self, header_id: str, group_id: str, nodes: Sequence[Node]) -> None:
        new_id = self.new_id
        self.nodes.extend(
            {
                "id": new_id(),
                "group_id": group_id,
                "header_id": header_id,
                "node_id": node.node_id,
                "node_type": node.node_type.value,
                "is_excluded": node.is_excluded,
                "discount_type": None if node.discount_type is None else node.discount_type.value,
                "discount_value": node.discount_value,
                "position": position,
            }
            for position, node in enumerate(nodes)
        )

    def _add_specials(self, header_id: str, infos: Sequence[SpecialPromoInfo]) -> None:
        self.specials.extend(
            {
                "id": self.new_id(),
                "header_id": header_id,
                "group_qualifier_id": info.group_qualifier_id,
                "description": info.description,
                "position": position,
            }
            for position, info in enumerate(infos)
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

    def write(self, conn: Connection) -> None:
        """Deletes, then updates, then inserts (a replaced row never meets its successor)."""
        g, n, sp = promo_group, promo_group_node, special_promo_info
        for chunk in chunks(self.dead_nodes_of + self.dead_groups):
            conn.execute(sa.delete(n).where(n.c.group_id.in_(chunk)))
        for chunk in chunks(self.dead_groups):
            conn.execute(sa.delete(g).where(g.c.id.in_(chunk)))
        for chunk in chunks(self.dead_specials_of):
            conn.execute(sa.delete(sp).where(sp.c.header_id.in_(chunk)))
        if self.group_updates:
            conn.execute(
                sa.update(g)
                .where(g.c.id == sa.bindparam("b_id"))
                .values(
                    qty_or_value_min=sa.bindparam("qty_or_value_min"),
                    qty_or_value_max=sa.bindparam("qty_or_value_max"),
                    position=sa.bindparam("position"),
                ),
                self.group_updates,
            )
        for table, rows in (
            (g, self.groups),
            (n, self.nodes),
            (sp, self.specials),
            (promo_header_store, self.links),
        ):
            insert_rows(conn, table, rows)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def delete_promotions(conn: Connection, header_ids: Sequence[str], batch: int = CHUNK) -> None:
    """Delete promotions with their nodes, groups, special info and links."""
    for chunk in chunks(list(header_ids), batch):
        for table in (promo_group_node, promo_group, special_promo_info, promo_header_store):
            conn.execute(sa.delete(table).where(table.c.header_id.in_(chunk)))
        conn.execute(sa.delete(header).where(header.c.id.in_(chunk)))
