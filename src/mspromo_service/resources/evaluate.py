"""The engine over HTTP: ``evaluate/`` (SPEC §6), ``suggestions/`` and
``item_recommendations/``. Each is a POST whose body names a store: the body is parsed
once into the endpoint's typed request, then the store's cached rule set is fetched with
the *validated* ``store_id`` and the engine answers from the parsed request."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import falcon

from mspromo_engine import RuleSet, wire
from mspromo_service.contract import Endpoint
from mspromo_service.resources.common import read_json
from mspromo_service.rules import Lookup, RulesCache

__all__ = ["StoreRulesResource", "rules_for"]

_NO_RULES = Lookup(RuleSet.compile(()))

# Sent when the rule set is a stale one served because the database is unavailable.
STALE_HEADER = "X-Rules-Stale-Seconds"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def rules_for(cache: RulesCache, store_id: str) -> Lookup:
    """The store's rule set; none without a store (then only ``promo_override`` applies)."""
    return cache.lookup(store_id) if store_id else _NO_RULES


class StoreRulesResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        endpoint: Endpoint[Any],
        cache: RulesCache,
        max_body_bytes: int,
        now: Callable[[], datetime] = _utcnow,
        *,
        limits: wire.Limits = wire.DEFAULT_LIMITS,
    ) -> None:
        self._endpoint = endpoint
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now
        self._limits = limits

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        now = self._now()
        request = self._endpoint.parse(
            read_json(req, self._max_body_bytes), now=now, limits=self._limits
        )
        found = rules_for(self._cache, self._endpoint.store_of(request))
        resp.media = self._endpoint.respond(request, found.rules, now)
        if found.stale_seconds is not None:
            resp.set_header(STALE_HEADER, str(max(1, math.ceil(found.stale_seconds))))
