"""Typed request parts the engine owns beyond promotions and evaluate requests: a partial
promotion header (for updates) and the suggestions request."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from mspromo_engine.bounds import GROUP_NAME_LEN, ID_LEN, bound
from mspromo_engine.model import NodeType, Promotion
from mspromo_engine.wire.converter import UNSET, Unset

__all__ = ["GroupChange", "HeaderUpdate", "NodeRef", "SuggestionsRequest"]

# Header fields an update may change: everything but ids, retailer, stores and children.
_NOT_UPDATABLE = frozenset(
    {"promo_id", "retailer", "promo_id_retailer", "stores", "special_promo_info", "promo_groups"}
)


@attrs.frozen
class GroupChange:
    """New limits of the group called ``name`` (groups are matched by name)."""

    __wire_forbid_extra__ = True
    name: str = attrs.field(metadata=bound(min_length=1, max_length=GROUP_NAME_LEN))
    qty_or_value_min: Decimal | Unset = UNSET
    qty_or_value_max: Decimal | Unset | None = UNSET


class _Changes:
    """Only what the client sent: ``changes()`` is ready for ``attrs.evolve``."""

    def changes(self) -> dict[str, Any]:
        return {
            a.name: getattr(self, a.name)
            for a in attrs.fields(type(self))  # type: ignore[arg-type]
            if a.name != "promo_groups" and getattr(self, a.name) is not UNSET
        }


def _header_update_fields() -> dict[str, Any]:
    out: dict[str, Any] = {}
    attrs.resolve_types(Promotion)
    for a in attrs.fields(Promotion):
        if a.name in _NOT_UPDATABLE:
            continue
        kind: Any = a.type | Unset
        out[a.name] = attrs.field(type=kind, default=UNSET, metadata=a.metadata)
    out["promo_groups"] = attrs.field(
        type=tuple[GroupChange, ...], default=(), metadata=bound(max_items="promotion_groups")
    )
    return out


# Generated from Promotion's own fields (types, bounds), so the two cannot drift apart.
HeaderUpdate: type[_Changes] = attrs.make_class(
    "HeaderUpdate",
    _header_update_fields(),
    bases=(_Changes,),
    frozen=True,
)
HeaderUpdate.__module__ = __name__
HeaderUpdate.__doc__ = "The header fields a bulk ``u`` op changes; absent fields are UNSET."
HeaderUpdate.__wire_forbid_extra__ = True  # type: ignore[attr-defined]  # ids, retailer: no


@attrs.frozen
class NodeRef:
    """A product reference: an item (``i``, SKU) or a category value (``c1``…``c7``)."""

    node_id: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    node_type: NodeType = NodeType.ITEM


@attrs.frozen
class SuggestionsRequest:
    """``POST suggestions/``: which live promotions involve these products."""

    store_id: str = attrs.field(metadata=bound(min_length=1, max_length=ID_LEN))
    nodes: tuple[NodeRef, ...] = attrs.field(metadata=bound(max_items="suggestion_nodes"))
    at: datetime | None = None
