"""``/health_check/``: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

import logging
from typing import ClassVar

import falcon

from mspromo_service.storage import Repository

__all__ = ["HealthResource"]

log = logging.getLogger("mspromo_service.health")


class HealthResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, repository: Repository) -> None:
        self._repository = repository

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            self._repository.ping()
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            resp.status = falcon.HTTP_503
            resp.media = {"status": "unavailable"}
            return
        resp.media = {"status": "ok"}
