"""``POST bulk_transaction/``: the envelope and its six ops, a tagged union on ``action``.

An op is either flat (``{"action": "d", "promo_id_retailer": …, "store_id": …}``) or wraps
its payload in ``body`` (``{"action": "c", "body": {…promotion…}}``); both are read the
same. Parsing says nothing about the database: whether a promotion exists, is linked to a
store or has one group is the storage's business when it applies the ops.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from mspromo_engine import Node, Promotion, wire

__all__ = [
    "BulkOp",
    "BulkTransaction",
    "CreateOp",
    "DeleteOp",
    "GroupNodes",
    "ReplaceGroupsOp",
    "ReplaceNodesOp",
    "SpecialInfoChange",
    "UpdateOp",
    "UpsertSpecialOp",
    "op_paths",
]

_ID = wire.bound(min_length=1, max_length=wire.ID_LEN)


def _payload(op: Mapping[str, Any]) -> Mapping[str, Any]:
    """The op's fields: those inside ``body`` when it has one, with its ``action``."""
    body = op.get("body")
    if isinstance(body, Mapping):
        return {**body, "action": op.get("action")}
    return op


@attrs.frozen
class CreateOp:
    """``c``: create a promotion (its retailer defaults to the transaction's)."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "c")
    action: str
    body: Promotion  # flat or in "body", errors say ops[i].body.<field>

    @staticmethod
    def __wire_prepare__(op: Mapping[str, Any]) -> dict[str, Any]:
        fields = dict(_payload(op))
        action = fields.pop("action", None)
        return {"action": action, "body": fields}


@attrs.frozen
class DeleteOp:
    """``d``: soft-delete the promotion's link to ``store_id`` (idempotent)."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "d")
    __wire_prepare__ = staticmethod(_payload)
    action: str
    promo_id_retailer: str = attrs.field(metadata=_ID)
    store_id: str = attrs.field(metadata=_ID)


@attrs.frozen
class UpdateOp:
    """``u``: change header fields and group limits (groups matched by name)."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "u")
    __wire_prepare__ = staticmethod(_payload)
    action: str
    promo_id_retailer: str = attrs.field(metadata=_ID)
    header: wire.HeaderUpdate  # type: ignore[valid-type]
    store_id: str | None = attrs.field(default=None, metadata=_ID)


@attrs.frozen
class ReplaceNodesOp:
    """``n``: replace the nodes of a one-group promotion."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "n")
    __wire_prepare__ = staticmethod(_payload)
    action: str
    promo_id_retailer: str = attrs.field(metadata=_ID)
    nodes: tuple[Node, ...] = attrs.field(metadata=wire.bound(max_items="group_nodes"))
    store_id: str | None = attrs.field(default=None, metadata=_ID)


@attrs.frozen
class GroupNodes:
    """One group of a ``g`` op (its name is the key in ``group_to_nodes``)."""

    qty_or_value_min: Decimal
    qty_or_value_max: Decimal | None = None
    nodes: tuple[Node, ...] = attrs.field(default=(), metadata=wire.bound(max_items="group_nodes"))


@attrs.frozen
class ReplaceGroupsOp:
    """``g``: replace all groups and their nodes."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "g")
    __wire_prepare__ = staticmethod(_payload)
    action: str
    promo_id_retailer: str = attrs.field(metadata=_ID)
    group_to_nodes: dict[str, GroupNodes] = attrs.field(
        metadata=wire.bound(max_items="promotion_groups")
    )
    store_id: str | None = attrs.field(default=None, metadata=_ID)


@attrs.frozen
class SpecialInfoChange:
    """An upserted qualifier; a description not sent keeps the stored one."""

    group_qualifier_id: str = attrs.field(metadata=_ID)
    description: str | wire.Unset = wire.UNSET


@attrs.frozen
class UpsertSpecialOp:
    """``s``: insert or update special promo info, keyed by ``group_qualifier_id``."""

    __wire_tag__: ClassVar[tuple[str, str]] = ("action", "s")
    __wire_prepare__ = staticmethod(_payload)
    action: str
    promo_id_retailer: str = attrs.field(metadata=_ID)
    special_promo_info: tuple[SpecialInfoChange, ...] = attrs.field(
        metadata=wire.bound(max_items=100)
    )
    store_id: str | None = attrs.field(default=None, metadata=_ID)


BulkOp = CreateOp | DeleteOp | UpdateOp | ReplaceNodesOp | ReplaceGroupsOp | UpsertSpecialOp


@attrs.frozen
class BulkTransaction:
    """``{retailer, ops}``: all-or-nothing, at most ``bulk_ops`` ops."""

    retailer: str = attrs.field(metadata=wire.bound(min_length=1, max_length=wire.RETAILER_LEN))
    ops: tuple[BulkOp, ...] = attrs.field(metadata=wire.bound(max_items="bulk_ops"))

    @staticmethod
    def __wire_prepare__(body: Mapping[str, Any]) -> Mapping[str, Any]:
        # A create's retailer defaults to the transaction's (checked equal by storage).
        retailer = body.get("retailer")
        ops = body.get("ops")
        if not isinstance(retailer, str) or not isinstance(ops, list):
            return body
        filled = [_with_retailer(op, retailer) for op in ops]
        return {**body, "ops": filled}


def _with_retailer(op: Any, retailer: str) -> Any:
    if not isinstance(op, Mapping) or op.get("action") != "c":
        return op
    if isinstance(op.get("body"), Mapping):
        return {**op, "body": {"retailer": retailer, **op["body"]}}
    return {"retailer": retailer, **op}


def op_paths(ops: Any) -> tuple[str, ...]:
    """Where each op of a parsed body wrote its fields, for error paths: ``ops[i].body``
    when it wrapped them in ``body``, else ``ops[i]``."""
    if not isinstance(ops, list | tuple):
        return ()
    return tuple(
        f"ops[{i}].body"
        if isinstance(op, Mapping) and isinstance(op.get("body"), Mapping)
        else f"ops[{i}]"
        for i, op in enumerate(ops)
    )
