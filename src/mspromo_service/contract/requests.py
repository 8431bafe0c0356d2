"""Request types of the engine endpoints and of the read endpoints that take a body.

Each endpoint is an :class:`Endpoint`: ``parse`` turns the JSON body into typed values
(bounds checked first, by the engine's converter), ``store_id`` says whose rules to load
(already validated: an over-long or non-string id never reaches the cache), ``answer``
builds the response from the parsed request alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import attrs

from mspromo_engine import (
    ErrorDetail,
    EvaluationRequest,
    Promotion,
    RuleSet,
    ValidationError,
    promotion_from_wire,
    request_from_wire,
    wire,
)

__all__ = [
    "EVALUATE",
    "ITEM_RECOMMENDATIONS",
    "SUGGESTIONS",
    "Endpoint",
    "RetailerIds",
    "parse_promotion",
]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


@attrs.frozen
class RetailerIds:
    """``POST bulk/{store_id}/``: ``{retailer_ids: [...]}``."""

    retailer_ids: tuple[str, ...] = attrs.field(
        metadata=wire.bound(max_items="retailer_ids", item_max_length=wire.ID_LEN)
    )


def parse_promotion(body: Any, limits: wire.Limits) -> Promotion:
    """``POST promotions/``: one promotion (SPEC §2), validated."""
    return promotion_from_wire(body, path="", limits=limits)


class _Parse(Protocol[R_co]):
    def __call__(self, body: Any, *, now: datetime, limits: wire.Limits) -> R_co: ...


@attrs.frozen
class Endpoint(Generic[R]):
    """One engine endpoint: how its body is parsed and answered."""

    parse: _Parse[R]
    store_id: Any  # Callable[[R], str]
    answer: Any  # Callable[[R, RuleSet, datetime], dict[str, Any]]

    def store_of(self, request: R) -> str:
        value: str = self.store_id(request)
        return value

    def respond(self, request: R, rules: RuleSet, now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = self.answer(request, rules, now)
        return out


def _evaluate(body: Any, *, now: datetime, limits: wire.Limits) -> EvaluationRequest:
    return request_from_wire(body, now=now, limits=limits)


def _recommendations(body: Any, *, now: datetime, limits: wire.Limits) -> EvaluationRequest:
    request = request_from_wire(body, now=now, limits=limits)
    if not request.store_id:
        raise ValidationError([ErrorDetail("store_id", "required")])
    return request


def _suggestions(body: Any, *, now: datetime, limits: wire.Limits) -> wire.SuggestionsRequest:
    return wire.structure(body, wire.SuggestionsRequest, limits=limits)


EVALUATE: Endpoint[EvaluationRequest] = Endpoint(
    _evaluate, lambda r: r.store_id, lambda r, rules, now: wire.evaluation_response(r, rules)
)
ITEM_RECOMMENDATIONS: Endpoint[EvaluationRequest] = Endpoint(
    _recommendations,
    lambda r: r.store_id,
    lambda r, rules, now: wire.recommendations_response(r, rules),
)
SUGGESTIONS: Endpoint[wire.SuggestionsRequest] = Endpoint(
    _suggestions,
    lambda r: r.store_id,
    lambda r, rules, now: wire.suggestions_response(r, rules, now=now),
)
