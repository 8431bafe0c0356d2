"""Which promotions involve given products, and what would complete a basket's promotions.

Two pure functions behind ``POST /api/1.0/promotions/suggestions/`` and
``POST /api/1.0/promotions/item_recommendations/``, plus their JSON front doors. No I/O;
the caller passes the time.

Both list only promotions that run at ``at``, by the same participation check as an
evaluation (:mod:`mspromo_engine.participation`): active, inside their window, on one of
their ``active_days`` and inside their happy hour, seen in the request's time zone (UTC
when it has none); loyalty-only ones need one of the customer's qualifiers for item
recommendations. Suggestions have no customer, so they list loyalty-only ones too.

Item recommendations are a guide, not an evaluation: each group's eligible quantity (units,
or spend at sale price for money thresholds) is counted independently, so a unit that two
groups could use is counted in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from mspromo_engine.basket import EvaluationRequest, Item
from mspromo_engine.eligibility import Category, GroupIndex
from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.families import RULES
from mspromo_engine.model import (
    Group,
    NodeType,
    Promotion,
)
from mspromo_engine.money import format_money
from mspromo_engine.participation import qualified, runs_at
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.evaluate import request_from_wire
from mspromo_engine.wire.promotions import promotion_to_wire
from mspromo_engine.wire.requests import NodeRef

__all__ = [
    "MAX_SUGGESTION_NODES",
    "NodeRef",
    "Recommendation",
    "item_recommendations",
    "item_recommendations_json",
    "promotions_for_nodes",
    "recommendations_response",
    "suggestions_json",
]

MAX_SUGGESTION_NODES = 1000
# An item's categories as (level, value) pairs, as the matcher takes them.
_Categories = frozenset[Category]


@attrs.frozen
class Recommendation:
    """Add ``missing`` (units, or money for a spend threshold) of ``group`` to reach the next
    application of ``promotion``; ``completes`` when the basket earns none yet."""

    promotion: Promotion
    group: Group
    missing: Decimal
    is_value: bool
    completes: bool


def _running(rules: RuleSet, at: datetime, timezone: str) -> list[Promotion]:
    """The promotions on schedule at ``at`` (seen in ``timezone``), by priority."""
    local_at = at.astimezone(ZoneInfo(timezone))
    return sorted(
        (p for p in rules.promotions if runs_at(p, at, local_at)), key=lambda p: p.priority_key
    )


# ---------------------------------------------------------------------------------------
# Suggestions


def promotions_for_nodes(
    rules: RuleSet, nodes: Sequence[NodeRef], *, at: datetime, timezone: str = "UTC"
) -> list[tuple[NodeRef, list[Promotion]]]:
    """For each node, the promotions running at ``at`` with a group that takes it in (or
    ``ALL``) and does not exclude it, ordered by priority then ``promo_id_retailer``."""
    live = _running(rules, at, timezone)
    return [
        (
            ref,
            [
                p
                for p in live
                if any(i.involves(ref.node_type, ref.node_id) for i in rules.groups_of(p))
            ],
        )
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


def _is_value_group(promo: Promotion, group: Group) -> bool:
    """Whether the group's minimum is money: the basket families' spend thresholds."""
    return RULES[promo.family].spend_group(promo, group)


def _have(
    promo: Promotion, group: Group, index: GroupIndex, items: Iterable[tuple[Item, _Categories]]
) -> Decimal:
    eligible = [i for i, cats in items if index.match(i.sku, cats) is not None]
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
    timezone: str = "UTC",
) -> list[Recommendation]:
    """For each live promotion the basket partly meets (some group has an eligible unit),
    what each short group needs for the next application, while applications remain.

    Ordered: promotions the basket does not earn yet first, then by priority."""
    out: list[Recommendation] = []
    products = [(i, frozenset((c.type, c.value) for c in i.categories)) for i in items]
    for promo in _running(rules, at, timezone):
        if not qualified(promo, qualifier_ids):
            continue
        have = {
            g.name: _have(promo, g, index, products)
            for g, index in zip(promo.promo_groups, rules.groups_of(promo), strict=True)
        }
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
        out["missing_value"] = format_money(rec.missing)
    else:
        out["missing_qty"] = int(rec.missing)
    return out


def recommendations_response(request: EvaluationRequest, rules: RuleSet) -> dict[str, Any]:
    """Products that would complete or extend a promotion the basket partly meets."""
    recs = item_recommendations(
        request.basket.items,
        rules,
        at=request.at,
        qualifier_ids=request.qualifier_ids,
        timezone=request.timezone,
    )
    return {
        "store_id": request.store_id,
        "recommendations": [_recommendation_to_wire(r) for r in recs],
    }


def item_recommendations_json(body: Any, rules: RuleSet, *, now: datetime) -> dict[str, Any]:
    """``{store_id, basket, at?, …}`` (the evaluate request shape) -> recommendations."""
    request = request_from_wire(body, now=now)
    if not request.store_id:
        raise ValidationError([ErrorDetail("store_id", "required: a non-empty string")])
    return recommendations_response(request, rules)
