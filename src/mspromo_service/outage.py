"""Database outages (SPEC §7.2): recognised, logged once per transition, failed fast.

* :func:`is_unavailable` tells an unreachable, frozen or missing database (connection
  refused or lost, a driver timeout, a pool timeout, a locked SQLite file, missing tables)
  from a defect in a query, which stays a 500.
* :class:`OutageMonitor` logs one WARNING when the database becomes unavailable and one
  INFO line when it answers again, instead of a traceback per request. While it is down,
  at most one call per ``retry_interval`` seconds goes to the database; the others fail at
  once with :class:`DatabaseUnavailable` instead of each waiting for the driver timeouts
  (requests would otherwise pile up on every worker thread).
* :class:`GuardedRepository` wraps a repository: every call reports to the monitor, and an
  outage error leaves it as :class:`DatabaseUnavailable` (-> 503 with ``Retry-After``).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from mspromo_service.exceptions import DatabaseUnavailable

__all__ = [
    "RETRY_AFTER_SECONDS",
    "GuardedRepository",
    "OutageMonitor",
    "describe",
    "is_unavailable",
]

# What a 503 for an unavailable database asks the client to wait, in seconds.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("mspromo_service.database")

# MySQL errors that mean "the database or its tables are not there" (a missing or not yet
# migrated database), reported by PyMySQL as ProgrammingError / InternalError.
_MISSING_CODES = frozenset({1044, 1045, 1049, 1146})


def _mysql_code(exc: sa.exc.DBAPIError) -> int | None:
    args = getattr(exc.orig, "args", None)
    return args[0] if args and isinstance(args[0], int) else None


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be used now (rather than a query defect)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(
        exc,
        sa.exc.OperationalError
        | sa.exc.InterfaceError
        | sa.exc.TimeoutError
        | sa.exc.DisconnectionError,
    ):
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        return bool(exc.connection_invalidated) or _mysql_code(exc) in _MISSING_CODES
    return isinstance(exc, ConnectionError | TimeoutError)


def describe(exc: BaseException) -> str:
    """A one-line reason without SQL text or parameters (they may carry data)."""
    if isinstance(exc, DatabaseUnavailable) and exc.__cause__ is not None:
        exc = exc.__cause__
    inner = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(inner).split())
    return f"{type(inner).__name__}: {text[:300]}" if text else type(inner).__name__


class OutageMonitor:
    """Whether the database is believed up; logs each transition once."""

    def __init__(
        self, retry_interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._retry_interval = retry_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_attempt = 0.0

    @property
    def is_down(self) -> bool:
        with self._lock:
            return self._down_since is not None

    def may_try(self) -> bool:
        """True when the database may be called now: it is up, or the one retry of this
        interval falls to the caller."""
        with self._lock:
            if self._down_since is None:
                return True
            now = self._clock()
            if now - self._last_attempt >= self._retry_interval:
                self._last_attempt = now
                return True
            return False

    def failed(self, exc: BaseException, extra: dict[str, Any] | None = None) -> None:
        with self._lock:
            now = self._clock()
            self._last_attempt = now
            if self._down_since is not None:
                return
            self._down_since = now
        log.warning(
            "database unavailable: %s",
            describe(exc),
            extra={"event": "database_unavailable", **(extra or {})},
        )

    def succeeded(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            down_for = self._clock() - self._down_since
            self._down_since = None
        log.info(
            "database available again after %.1f s",
            down_for,
            extra={"event": "database_available", "down_seconds": round(down_for, 3)},
        )


class GuardedRepository:
    """Any repository, its calls reported to an :class:`OutageMonitor`; outage errors
    become :class:`DatabaseUnavailable`. Other errors (NotFound, input errors, defects)
    pass through unchanged."""

    def __init__(self, inner: Any, monitor: OutageMonitor) -> None:
        self._inner = inner
        self._monitor = monitor

    @property
    def monitor(self) -> OutageMonitor:
        return self._monitor

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr
        monitor = self._monitor

        @functools.wraps(attr)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not monitor.may_try():
                raise DatabaseUnavailable("the database is unavailable (retrying shortly)")
            try:
                result = attr(*args, **kwargs)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                monitor.failed(exc)
                raise DatabaseUnavailable(describe(exc)) from exc
            monitor.succeeded()
            return result

        return guarded
