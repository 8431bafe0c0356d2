"""Shapes of the service's own bodies (listings, errors, health, describe), for the
generated ``/openapi.json``; the engine's response shapes come from ``mspromo_engine.wire``."""

from __future__ import annotations

from datetime import datetime

import attrs

from mspromo_engine import EvaluationRequest, Promotion, wire

__all__ = [
    "DescribeRequest",
    "DescribeResponse",
    "ErrorBody",
    "Health",
    "PromotionList",
    "Redemption",
    "RedemptionRequest",
    "StoreDeletionBody",
]


@attrs.frozen
class PromotionList:
    """Promotions; ``next_cursor`` (listing only) is null on the last page."""

    promotions: tuple[Promotion, ...]
    next_cursor: str | None = None


@attrs.frozen
class StoreDeletionBody:
    """Shared promotions unlinked, the store's own deleted."""

    store_id: str
    unlinked: int
    deleted: int


@attrs.frozen
class Health:
    """``ok``, or ``unavailable`` with the problem: the database does not answer, or its
    schema is not at the migration head (then its revisions and the head's)."""

    status: str
    problem: str | None = None
    schema_revisions: tuple[str, ...] | None = None
    head: tuple[str, ...] | None = None


@attrs.frozen
class ErrorItem:
    path: str
    message: str


@attrs.frozen
class ErrorBody:
    """SPEC §7 errors: at most 100 listed, ``errors_omitted`` counts the rest."""

    title: str
    description: str
    errors: tuple[ErrorItem, ...]
    errors_omitted: int | None = None


@attrs.frozen
class DescribeRequest:
    """``POST describe/``: promotions (or a draft) to put in plain words."""

    promotions: tuple[Promotion, ...] = attrs.field(metadata=wire.bound(max_items=1000))
    at: datetime | None = None
    currency_decimals: int = attrs.field(default=2, metadata=wire.bound(minimum=0, maximum=6))


@attrs.frozen
class DescribedPromotion:
    promo_id_retailer: str
    description: str
    state: str


@attrs.frozen
class DescribeResponse:
    at: str
    promotions: tuple[DescribedPromotion, ...]


@attrs.frozen
class RedemptionRequest(EvaluationRequest):
    """``POST redemptions/`` (SPEC §9): an evaluate request and the till's order id."""

    order_id: str = attrs.field(kw_only=True, metadata=wire.bound(min_length=1, max_length=128))


@attrs.frozen
class Redemption:
    """A recorded order: the promotions it redeemed and the evaluation that counted;
    ``cancelled_at`` (GET only) is set once the order was cancelled."""

    order_id: str
    store_id: str
    customer_id: str | None
    redeemed: tuple[str, ...]
    evaluation: wire.shapes.EvaluateResponse
    cancelled_at: datetime | None = None
