"""Applying the bulk ops (SPEC §7) to promotions: typed ops in, checked promotions out.

The ops arrive parsed (`mspromo_service.contract`). A ``u``/``n``/``g``/``s`` op makes the
new promotion from the stored one with ``attrs.evolve``; the result is then checked as a
whole (SPEC §2 and the columns), as a created one is. An error names where the client
wrote the value, on a path built from the op's own layout: ``ops[3].body.nodes[0]`` for a
node of an ``n`` op, ``ops[3].body.group_to_nodes.g1.nodes[0]`` for one of a ``g`` op.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from mspromo_engine import (
    ErrorDetail,
    Group,
    Promotion,
    SpecialPromoInfo,
    ValidationError,
    default_short_code,
    wire,
)
from mspromo_service.contract import (
    BulkOp,
    CreateOp,
    DeleteOp,
    ReplaceGroupsOp,
    ReplaceNodesOp,
    UpdateOp,
    UpsertSpecialOp,
)
from mspromo_service.storage.bulk import OpError, WorkingSet
from mspromo_service.storage.limits import checked

__all__ = ["Layout", "apply_op", "created"]

# A path inside a promotion that lies in one of its groups, e.g.
# ``promo_groups[1].promo_group_nodes[0].node_id`` or ``promo_groups[0].qty_or_value_max``.
_IN_GROUP = re.compile(r"promo_groups\[(\d+)\](?:(\.promo_group_nodes)(.*)|(.*))")


@attrs.frozen
class Layout:
    """Where an op wrote the parts of the promotion it makes: its fields under ``fields``;
    group ``i`` at ``groups[i]`` and its nodes at ``nodes[i]`` when the op wrote them
    elsewhere than a promotion would (``promo_groups[i]``, ``.promo_group_nodes``)."""

    fields: str
    groups: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()

    def _field(self, name: str) -> str:
        return f"{self.fields}.{name}" if self.fields and name else self.fields or name

    def group(self, i: int) -> str:
        return self.groups[i] if i < len(self.groups) else self._field(f"promo_groups[{i}]")

    def nodes_of(self, i: int) -> str:
        return self.nodes[i] if i < len(self.nodes) else f"{self.group(i)}.promo_group_nodes"

    def locate(self, error: ErrorDetail) -> ErrorDetail:
        """An error of the promotion (its path relative to the promotion) at its place in
        the op."""
        m = _IN_GROUP.fullmatch(error.path)
        if m is None:
            return ErrorDetail(self._field(error.path), error.message)
        i = int(m[1])
        where = self.nodes_of(i) + m[3] if m[2] else self.group(i) + m[4]
        return ErrorDetail(where, error.message)


def _checked(promo: Promotion, layout: Layout) -> Promotion:
    try:
        return checked(promo, "")
    except ValidationError as exc:
        raise OpError([layout.locate(e) for e in exc.errors]) from None


def _follow_short_code(current: Promotion, new: Promotion, given: bool) -> Promotion:
    """A generated short code follows the new definition; one the client chose stays."""
    if not given and current.promo_short_code == default_short_code(current):
        return attrs.evolve(new, promo_short_code="")  # ``checked`` generates it again
    return new


def created(op: CreateOp, retailer: str, where: str) -> Promotion:
    """The checked promotion of a ``c`` op (needs no database)."""
    promo = op.body
    if promo.retailer != retailer:
        raise OpError(
            [ErrorDetail(f"{where}.retailer", f"must be the transaction's retailer {retailer}")]
        )
    return _checked(promo, Layout(where))


def _updated(current: Promotion, op: UpdateOp, where: str) -> Promotion:
    hp = f"{where}.header"
    head: Any = op.header  # a HeaderUpdate (a class generated from Promotion's fields)
    changes: dict[str, Any] = head.changes()
    groups = list(current.promo_groups)
    position = {g.name: i for i, g in enumerate(groups)}
    errors: list[ErrorDetail] = []
    for j, change in enumerate(head.promo_groups):
        i = position.get(change.name)
        if i is None:
            errors.append(ErrorDetail(f"{hp}.promo_groups[{j}].name", "no group of this name"))
            continue
        limits = {
            name: value
            for name in ("qty_or_value_min", "qty_or_value_max")
            if (value := getattr(change, name)) is not wire.UNSET
        }
        groups[i] = attrs.evolve(groups[i], **limits)
    if errors:
        raise OpError(errors)
    new = attrs.evolve(current, **changes, promo_groups=tuple(groups))
    new = _follow_short_code(current, new, "promo_short_code" in changes)
    return _checked(new, Layout(hp))


def _with_nodes(current: Promotion, op: ReplaceNodesOp, where: str) -> Promotion:
    if len(current.promo_groups) != 1:
        raise OpError(
            [
                ErrorDetail(
                    where,
                    f"promotion {current.promo_id_retailer} has "
                    f"{len(current.promo_groups)} groups; replace its nodes with action g",
                )
            ]
        )
    group = attrs.evolve(current.promo_groups[0], nodes=op.nodes)
    new = _follow_short_code(current, attrs.evolve(current, promo_groups=(group,)), False)
    return _checked(new, Layout(where, nodes=(f"{where}.nodes",)))


def _with_groups(current: Promotion, op: ReplaceGroupsOp, where: str) -> Promotion:
    gp = f"{where}.group_to_nodes"
    if not op.group_to_nodes:
        raise OpError([ErrorDetail(gp, "required: a JSON object of groups")])
    groups = tuple(
        Group(
            name=name,
            qty_or_value_min=spec.qty_or_value_min,
            qty_or_value_max=spec.qty_or_value_max,
            nodes=spec.nodes,
        )
        for name, spec in op.group_to_nodes.items()
    )
    paths = tuple(f"{gp}.{name}" for name in op.group_to_nodes)
    new = _follow_short_code(current, attrs.evolve(current, promo_groups=groups), False)
    return _checked(new, Layout(where, groups=paths, nodes=tuple(f"{p}.nodes" for p in paths)))


def _with_special(current: Promotion, op: UpsertSpecialOp, where: str) -> Promotion:
    merged = {info.group_qualifier_id: info for info in current.special_promo_info}
    for change in op.special_promo_info:
        qid = change.group_qualifier_id
        if change.description is not wire.UNSET:
            merged[qid] = SpecialPromoInfo(qid, change.description)
        elif qid not in merged:
            merged[qid] = SpecialPromoInfo(qid)
    new = attrs.evolve(current, special_promo_info=tuple(merged.values()))
    return _checked(new, Layout(where))


def apply_op(
    work: WorkingSet, op: BulkOp, i: int, where: str, promo: Promotion | None = None
) -> None:
    """Apply op ``i`` (its fields written at ``where``) to the working set; a ``c`` op
    brings its promotion already :func:`created`. Raises OpError."""
    at = f"ops[{i}]"
    retailer = work.retailer
    assert retailer is not None
    if isinstance(op, CreateOp):
        assert promo is not None
        work.create(promo, at)
        return
    if isinstance(op, DeleteOp):
        entry = work.find(retailer, op.promo_id_retailer, op.store_id, at)
        work.soft_delete(entry, op.store_id)
        return
    entry = work.find(retailer, op.promo_id_retailer, op.store_id, at)
    current = entry.promotion
    if isinstance(op, UpdateOp):
        new = _updated(current, op, where)
    elif isinstance(op, ReplaceNodesOp):
        new = _with_nodes(current, op, where)
    elif isinstance(op, ReplaceGroupsOp):
        new = _with_groups(current, op, where)
    else:
        new = _with_special(current, op, where)
    work.replace(entry, new)
