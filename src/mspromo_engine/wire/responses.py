"""Response builders of the engine endpoints, over already parsed requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.engine import run
from mspromo_engine.recommend import promotions_for_nodes, recommendations_response
from mspromo_engine.result import evaluation_to_wire
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.promotions import promotion_to_wire
from mspromo_engine.wire.requests import SuggestionsRequest

__all__ = ["evaluation_response", "recommendations_response", "suggestions_response"]


def evaluation_response(request: EvaluationRequest, rules: RuleSet) -> dict[str, Any]:
    """The evaluate response of SPEC §6."""
    return evaluation_to_wire(run(request, rules))


def suggestions_response(
    request: SuggestionsRequest, rules: RuleSet, *, now: datetime
) -> dict[str, Any]:
    """Per node, the live promotions that involve it (``at`` defaults to ``now``)."""
    at = request.at or now
    return {
        "store_id": request.store_id,
        "suggestions": [
            {
                "node_id": ref.node_id,
                "node_type": ref.node_type.value,
                "promotions": [promotion_to_wire(p) for p in promos],
            }
            for ref, promos in promotions_for_nodes(rules, request.nodes, at=at)
        ],
    }
