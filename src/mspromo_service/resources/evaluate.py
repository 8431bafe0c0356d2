"""``/api/1.0/promotions/evaluate/``: the engine over HTTP (SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import falcon

from mspromo_engine import RuleSet, evaluate_json
from mspromo_service.resources.common import read_json
from mspromo_service.rules import RulesCache

__all__ = ["EvaluateResource", "rules_for"]

_NO_RULES = RuleSet.compile(())


def _utcnow() -> datetime:
    return datetime.now(UTC)


def rules_for(cache: RulesCache, body: Any) -> RuleSet:
    """The rule set of the body's ``store_id``; none when it is absent or malformed
    (the engine then reports the input error)."""
    store_id = body.get("store_id") if isinstance(body, dict) else None
    if isinstance(store_id, str) and store_id:
        return cache.get(store_id)
    return _NO_RULES


class EvaluateResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, cache: RulesCache, max_body_bytes: int, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._max_body_bytes)
        resp.media = evaluate_json(body, rules_for(self._cache, body), now=self._now())
