"""The engine's front door: objects in, result out; or JSON-shaped dicts in and out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.coupons import NO_USAGE, UsageCounts
from mspromo_engine.engine import canonical_units, run
from mspromo_engine.model import Promotion
from mspromo_engine.result import Evaluation, evaluation_to_wire
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.evaluate import request_from_wire

__all__ = ["UsageSource", "evaluate", "evaluate_json", "limited_promotions"]

#: Counts on demand: (the promotions with a limit the request may meet, its customer_id)
#: -> their counts. Called only when there is such a promotion.
UsageSource = Callable[[tuple[Promotion, ...], str | None], UsageCounts]


def evaluate(
    request: EvaluationRequest, rules: RuleSet, usage: UsageCounts = NO_USAGE
) -> Evaluation:
    """Evaluate a validated request against a compiled rule set.

    ``usage`` holds the redemption counts the caller knows (SPEC §9); without it every
    promotion is taken to have none, so a usage limit is never reached.
    """
    return run(request, rules, usage)


def evaluate_json(
    request: Mapping[str, Any],
    rules: RuleSet,
    *,
    now: datetime,
    usage: UsageCounts | UsageSource = NO_USAGE,
) -> dict[str, Any]:
    """The evaluate endpoint as a function: request dict (SPEC §6) -> response dict.

    ``now`` is used when the request has no ``at``. ``usage``: the counts, or a
    :data:`UsageSource` asked for them only when a limited promotion may take part.
    Raises :class:`~mspromo_engine.exceptions.ValidationError` (nothing evaluated) on bad
    input.
    """
    parsed = request_from_wire(request, now=now)
    if not isinstance(usage, UsageCounts):
        limited = limited_promotions(parsed, rules)
        usage = usage(limited, parsed.customer_id) if limited else NO_USAGE
    return evaluation_to_wire(evaluate(parsed, rules, usage))


def limited_promotions(request: EvaluationRequest, rules: RuleSet) -> tuple[Promotion, ...]:
    """The promotions with a usage limit that this request could meet: the rule set's that
    match one of its units, and its ``promo_override`` ones. Their counts are what a caller
    must pass to :func:`evaluate` in ``usage``; none at all for a store without limits,
    whose evaluation then needs no counts (SPEC §9)."""
    overrides = tuple(p for p in request.promo_override if p.has_usage_limit)
    if not rules.has_usage_limits:
        return overrides
    replaced = {(p.retailer, p.promo_id_retailer) for p in request.promo_override}
    stored = tuple(
        p
        for p in rules.matching(canonical_units(request.basket.items))
        if p.has_usage_limit and (p.retailer, p.promo_id_retailer) not in replaced
    )
    return stored + overrides
