"""``/health_check/`` (GET and HEAD): 200 when the database answers and its schema is at
the migration head, else 503 with a body that says which (SPEC §7.2)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import falcon

from mspromo_service.outage import RETRY_AFTER_SECONDS, describe
from mspromo_service.storage import Repository

__all__ = ["HealthResource"]

log = logging.getLogger("mspromo_service.health")


class HealthResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, repository: Repository, head: tuple[str, ...]) -> None:
        self._repository = repository
        self._head = head

    def _problem(self) -> tuple[dict[str, Any], str] | None:
        """None when healthy, else the 503 body and the reason for the log."""
        try:
            self._repository.ping()
            current = self._repository.schema_revisions()
        except Exception as exc:
            # The driver's message stays in the log: it may name hosts and users.
            down = {"status": "unavailable", "problem": "the database does not answer"}
            return down, describe(exc)
        if current != self._head:
            body: dict[str, Any] = {
                "status": "unavailable",
                "problem": "the database schema is not at the migration head "
                "(run `mspromo db upgrade`)",
                "schema_revisions": list(current),
                "head": list(self._head),
            }
            return body, f"schema at {list(current)}, head is {list(self._head)}"
        return None

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        found = self._problem()
        if found is None:
            resp.media = {"status": "ok"}
            return
        problem, reason = found
        log.warning(
            "health check failed: %s",
            reason,
            extra={
                "request_id": getattr(req.context, "request_id", None),
                "service": getattr(req.context, "service", None),
            },
        )
        resp.status = falcon.HTTP_503
        resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        resp.media = problem

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.on_get(req, resp)
