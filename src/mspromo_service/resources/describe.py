"""``/api/1.0/promotions/describe/``: promotions in plain words and their state at a time.

The console posts the promotions it listed (or a draft it is editing) and shows the
engine's sentences; the words come from the engine's family modules, not from the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import falcon

from mspromo_engine import (
    ErrorDetail,
    Promotion,
    ValidationError,
    describe_promotion,
    promotion_from_wire,
    promotion_state,
)
from mspromo_service.resources.common import json_object, read_json

__all__ = ["MAX_DESCRIBED", "DescribeResource"]

MAX_DESCRIBED = 1000


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _at(value: Any, now: datetime) -> datetime | ErrorDetail:
    if value is None:
        return now
    if not isinstance(value, str) or len(value) > 64:
        return ErrorDetail("at", "not an ISO 8601 datetime")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return ErrorDetail("at", "not an ISO 8601 datetime")
    if at.tzinfo is None:
        return ErrorDetail("at", "needs a UTC offset or Z")
    return at


class DescribeResource:
    """POST ``{promotions: [...], at?, currency_decimals?}`` ->
    ``{at, promotions: [{promo_id_retailer, description, state}]}``."""

    write_methods: ClassVar[frozenset[str]] = frozenset()  # a read that takes a body

    def __init__(self, max_body_bytes: int, now: Callable[[], datetime] = _utcnow) -> None:
        self._max_body_bytes = max_body_bytes
        self._now = now

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req, self._max_body_bytes))
        errors: list[ErrorDetail] = []
        decimals = body.get("currency_decimals", 2)
        if type(decimals) is not int or not 0 <= decimals <= 6:
            errors.append(ErrorDetail("currency_decimals", "an integer from 0 to 6"))
            decimals = 2
        at = _at(body.get("at"), self._now())
        if isinstance(at, ErrorDetail):
            errors.append(at)
        wires = body.get("promotions")
        if not isinstance(wires, list):
            errors.append(ErrorDetail("promotions", "required: a list of promotions"))
            wires = []
        elif len(wires) > MAX_DESCRIBED:
            errors.append(ErrorDetail("promotions", f"at most {MAX_DESCRIBED} promotions"))
            wires = []
        promotions: list[Promotion] = []
        for i, wire in enumerate(wires):
            try:
                promotions.append(
                    promotion_from_wire(wire, path=f"promotions[{i}]", currency_decimals=decimals)
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors or isinstance(at, ErrorDetail):
            raise ValidationError(errors[:100])
        resp.media = {
            "at": at.isoformat(),
            "promotions": [
                {
                    "promo_id_retailer": p.promo_id_retailer,
                    "description": describe_promotion(p, currency_decimals=decimals),
                    "state": promotion_state(p, at).value,
                }
                for p in promotions
            ],
        }
