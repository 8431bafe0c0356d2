"""The engine over HTTP: ``evaluate/`` (SPEC §6), ``suggestions/`` and
``item_recommendations/``. Each is a POST whose body names a store; the answer is an
engine function over that store's cached rule set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

import falcon

from mspromo_engine import RuleSet
from mspromo_service.resources.common import read_json
from mspromo_service.rules import RulesCache

__all__ = ["EngineCall", "StoreRulesResource", "rules_for"]

_NO_RULES = RuleSet.compile(())


class EngineCall(Protocol):
    """An engine JSON function such as ``mspromo_engine.evaluate_json``."""

    def __call__(self, body: Any, rules: RuleSet, /, *, now: datetime) -> dict[str, Any]: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def rules_for(cache: RulesCache, body: Any) -> RuleSet:
    """The rule set of the body's ``store_id``; none when it is absent or malformed
    (the engine then reports the input error)."""
    store_id = body.get("store_id") if isinstance(body, dict) else None
    if isinstance(store_id, str) and store_id:
        return cache.get(store_id)
    return _NO_RULES


class StoreRulesResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        call: EngineCall,
        cache: RulesCache,
        max_body_bytes: int,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._call = call
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._max_body_bytes)
        resp.media = self._call(body, rules_for(self._cache, body), now=self._now())
