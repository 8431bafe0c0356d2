"""``/suggestions/`` and ``/item_recommendations/``: which promotions involve products."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import falcon

from mspromo_engine.recommend import item_recommendations_json, suggestions_json
from mspromo_service.resources.common import read_json
from mspromo_service.resources.evaluate import rules_for
from mspromo_service.rules import RulesCache

__all__ = ["ItemRecommendationsResource", "SuggestionsResource"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SuggestionsResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, cache: RulesCache, max_body_bytes: int, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._max_body_bytes)
        resp.media = suggestions_json(body, rules_for(self._cache, body), now=self._now())


class ItemRecommendationsResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, cache: RulesCache, max_body_bytes: int, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._now = now

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._max_body_bytes)
        resp.media = item_recommendations_json(body, rules_for(self._cache, body), now=self._now())
