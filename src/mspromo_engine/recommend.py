"""Which promotions involve given products, and what would complete a basket's promotions.

Two pure functions behind ``POST /api/1.0/promotions/suggestions/`` and
``POST /api/1.0/promotions/item_recommendations/``, plus their JSON front doors. No I/O;
the caller passes the time.

A promotion is *live* at ``at`` when it is active and ``at`` lies in its
``[start_date_time, end_date_time)`` window (weekdays and happy hours are not checked:
these endpoints answer "which deals run on these products", not "what applies now").

Item recommendations are a guide, not an evaluation: each group's eligible quantity (units,
or spend at sale price for money thresholds) is counted independently, so a unit that two
groups could use is counted in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from mspromo_engine.basket import Item
from mspromo_engine.codec import promotion_to_wire, request_from_wire
from mspromo_engine.eligibility import node_matches
from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.families import RULES
from mspromo_engine.model import (
    Availability,
    Group,
    Node,
    NodeType,
    Promotion,
)
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.requests import NodeRef

__all__ = [
    "MAX_SUGGESTION_NODES",
    "NodeRef",
    "Recommendation",
    "group_accepts",
    "is_live",
    "item_recommendations",
    "item_recommendations_json",
    "promotions_for_nodes",
    "suggestions_json",
]

MAX_SUGGESTION_NODES = 1000
_MONEY_PLACES = Decimal("0.001")


@attrs.frozen
class Recommendation:
    """Add ``missing`` (units, or money for a spend threshold) of ``group`` to reach the next
    application of ``promotion``; ``completes`` when the basket earns none yet."""

    promotion: Promotion
    group: Group
    missing: Decimal
    is_value: bool
    completes: bool


def is_live(promo: Promotion, at: datetime) -> bool:
    return promo.is_active and promo.start_date_time <= at < promo.end_date_time


# ---------------------------------------------------------------------------------------
# Suggestions


def _group_involves(group: Group, ref: NodeRef) -> bool:
    def same(node: Node) -> bool:
        return node.node_type is ref.node_type and node.node_id == ref.node_id

    if any(same(n) for n in group.excluded):
        return False
    return any(n.matches_all or same(n) for n in group.included)


def promotions_for_nodes(
    rules: RuleSet, nodes: Sequence[NodeRef], *, at: datetime
) -> list[tuple[NodeRef, list[Promotion]]]:
    """For each node, the live promotions with a group that includes it (or ``ALL``) and
    does not exclude it, ordered by priority then ``promo_id_retailer``."""
    live = sorted((p for p in rules.promotions if is_live(p, at)), key=lambda p: p.priority_key)
    return [
        (ref, [p for p in live if any(_group_involves(g, ref) for g in p.promo_groups)])
        for ref in nodes
    ]


def _parse_suggestions(body: Any, now: datetime) -> tuple[list[NodeRef], datetime]:
    errors: list[ErrorDetail] = []
    if not isinstance(body, Mapping):
        raise ValidationError([ErrorDetail("", "the request body must be a JSON object")])
    store_id = body.get("store_id")
    if not isinstance(store_id, str) or not store_id:
        errors.append(ErrorDetail("store_id", "required: a non-empty string"))
    at = now
    if body.get("at") is not None:
        raw = body["at"]
        try:
            at = datetime.fromisoformat(raw) if isinstance(raw, str) else None  # type: ignore[assignment]
        except ValueError:
            at = None  # type: ignore[assignment]
        if at is None:
            errors.append(ErrorDetail("at", "not an ISO 8601 datetime"))
            at = now
        elif at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
    raw_nodes = body.get("nodes")
    refs: list[NodeRef] = []
    if not isinstance(raw_nodes, list):
        errors.append(ErrorDetail("nodes", "required: a list of {node_id, node_type}"))
    elif len(raw_nodes) > MAX_SUGGESTION_NODES:
        errors.append(ErrorDetail("nodes", f"at most {MAX_SUGGESTION_NODES} nodes"))
    else:
        for i, raw in enumerate(raw_nodes):
            path = f"nodes[{i}]"
            if not isinstance(raw, Mapping):
                errors.append(ErrorDetail(path, "not a JSON object"))
                continue
            node_id = raw.get("node_id")
            if not isinstance(node_id, str) or not node_id:
                errors.append(ErrorDetail(f"{path}.node_id", "required: a non-empty string"))
                continue
            try:
                node_type = NodeType(raw.get("node_type", "i"))
            except ValueError:
                allowed = ", ".join(t.value for t in NodeType)
                errors.append(ErrorDetail(f"{path}.node_type", f"must be one of {allowed}"))
                continue
            refs.append(NodeRef(node_id, node_type))
    if errors:
        raise ValidationError(errors)
    return refs, at


def suggestions_json(body: Any, rules: RuleSet, *, now: datetime) -> dict[str, Any]:
    """``{store_id, nodes: [{node_id, node_type}], at?}`` -> per node, its promotions."""
    refs, at = _parse_suggestions(body, now)
    return {
        "store_id": body["store_id"],
        "suggestions": [
            {
                "node_id": ref.node_id,
                "node_type": ref.node_type.value,
                "promotions": [promotion_to_wire(p) for p in promos],
            }
            for ref, promos in promotions_for_nodes(rules, refs, at=at)
        ],
    }


# ---------------------------------------------------------------------------------------
# Item recommendations


def group_accepts(group: Group, item: Item) -> bool:
    """An item is eligible for a group when an included node matches it and no excluded
    node does (exclusion beats inclusion)."""
    cats = frozenset((c.type, c.value) for c in item.categories)
    if any(node_matches(n, item.sku, cats) for n in group.excluded):
        return False
    return any(node_matches(n, item.sku, cats) for n in group.included)


def _is_value_group(promo: Promotion, group: Group) -> bool:
    """Whether the group's minimum is money: the basket families' spend thresholds."""
    return RULES[promo.family].spend_group(promo, group)


def _have(promo: Promotion, group: Group, items: Iterable[Item]) -> Decimal:
    eligible = [i for i in items if group_accepts(group, i)]
    if _is_value_group(promo, group):
        return sum((i.sp * i.qty for i in eligible), Decimal(0))
    return Decimal(sum(i.qty for i in eligible))


def _max_applications(promo: Promotion) -> int:
    return RULES[promo.family].max_applications(promo)


def item_recommendations(
    items: Sequence[Item],
    rules: RuleSet,
    *,
    at: datetime,
    qualifier_ids: frozenset[str] = frozenset(),
) -> list[Recommendation]:
    """For each live promotion the basket partly meets (some group has an eligible unit),
    what each short group needs for the next application, while applications remain.

    Ordered: promotions the basket does not earn yet first, then by priority."""
    out: list[Recommendation] = []
    for promo in sorted(rules.promotions, key=lambda p: p.priority_key):
        if not is_live(promo, at):
            continue
        if promo.availability is Availability.SPECIAL and not any(
            s.group_qualifier_id in qualifier_ids for s in promo.special_promo_info
        ):
            continue
        have = {g.name: _have(promo, g, items) for g in promo.promo_groups}
        if not any(v > 0 for v in have.values()):
            continue
        needs = [g for g in promo.promo_groups if g.qty_or_value_min > 0]
        if not needs:
            continue
        earned = min(int(have[g.name] // g.qty_or_value_min) for g in needs)
        limit = _max_applications(promo)
        if earned >= limit:
            continue
        target = earned + 1
        for g in needs:
            missing = target * g.qty_or_value_min - have[g.name]
            if missing > 0:
                out.append(
                    Recommendation(promo, g, missing, _is_value_group(promo, g), earned == 0)
                )
    out.sort(key=lambda r: (not r.completes, r.promotion.priority_key, r.group.name))
    return out


def _money(value: Decimal) -> str:
    return str(value.quantize(_MONEY_PLACES, rounding=ROUND_HALF_UP))


def _recommendation_to_wire(rec: Recommendation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "promo_id": rec.promotion.promo_id,
        "promo_id_retailer": rec.promotion.promo_id_retailer,
        "promo_family": rec.promotion.family.value,
        "promo_title": rec.promotion.title,
        "group": rec.group.name,
        "completes": rec.completes,
        "nodes": [
            {"node_id": n.node_id, "node_type": n.node_type.value} for n in rec.group.included
        ],
    }
    if rec.is_value:
        out["missing_value"] = _money(rec.missing)
    else:
        out["missing_qty"] = int(rec.missing)
    return out


def item_recommendations_json(body: Any, rules: RuleSet, *, now: datetime) -> dict[str, Any]:
    """``{store_id, basket, at?, …}`` (the evaluate request shape) -> recommendations."""
    request = request_from_wire(body, now=now)
    if not request.store_id:
        raise ValidationError([ErrorDetail("store_id", "required: a non-empty string")])
    recs = item_recommendations(
        request.basket.items, rules, at=request.at, qualifier_ids=request.qualifier_ids
    )
    return {
        "store_id": request.store_id,
        "recommendations": [_recommendation_to_wire(r) for r in recs],
    }
