"""The engine's front door: objects in, result out; or JSON-shaped dicts in and out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.engine import run
from mspromo_engine.result import Evaluation, evaluation_to_wire
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.evaluate import request_from_wire

__all__ = ["evaluate", "evaluate_json"]


def evaluate(request: EvaluationRequest, rules: RuleSet) -> Evaluation:
    """Evaluate a validated request against a compiled rule set."""
    return run(request, rules)


def evaluate_json(request: Mapping[str, Any], rules: RuleSet, *, now: datetime) -> dict[str, Any]:
    """The evaluate endpoint as a function: request dict (SPEC §6) -> response dict.

    ``now`` is used when the request has no ``at``. Raises
    :class:`~mspromo_engine.exceptions.ValidationError` (nothing evaluated) on bad input.
    """
    return evaluation_to_wire(evaluate(request_from_wire(request, now=now), rules))
