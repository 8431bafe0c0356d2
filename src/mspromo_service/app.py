"""The Falcon application: routes (SPEC §7), error mapping, request ids, logging, auth.

``create_app(settings, repository)`` builds it; nothing here reads the environment or
touches the database at import time. Paths are accepted with and without their trailing
slash.
"""

from __future__ import annotations

import hmac
import json
import logging
import logging.handlers
import os
import re
import time
import traceback
import uuid
from typing import Any, Protocol, cast

import falcon
import falcon.media

from mspromo_engine import ValidationError, wire
from mspromo_service.contract import ITEM_RECOMMENDATIONS, SUGGESTIONS
from mspromo_service.exceptions import Conflict, DatabaseUnavailable, NotFound
from mspromo_service.migrations import head_revisions
from mspromo_service.openapi import ROUTES, build_document
from mspromo_service.outage import (
    RETRY_AFTER_SECONDS,
    GuardedRepository,
    OutageMonitor,
    is_unavailable,
)
from mspromo_service.resources.common import ApiError, dumps, error_body, loads
from mspromo_service.resources.console import ConsoleResource, RootResource
from mspromo_service.resources.describe import DescribeResource
from mspromo_service.resources.evaluate import StoreRulesResource
from mspromo_service.resources.health import HealthResource
from mspromo_service.resources.openapi import OpenApiResource
from mspromo_service.resources.promotions import (
    PromotionResource,
    PromotionsResource,
    RetailerPromotionsResource,
    StorePromotionsByIdsResource,
    StorePromotionsResource,
)
from mspromo_service.resources.redemptions import (
    RedemptionResource,
    RedemptionsResource,
    evaluate_endpoint,
)
from mspromo_service.resources.transaction import TransactionResource
from mspromo_service.rules import RulesCache
from mspromo_service.storage import Repository
from mspromo_service.storage.redemptions import SqlLedger

__all__ = ["AppSettings", "JsonLogFormatter", "configure_logging", "create_app"]

log = logging.getLogger("mspromo_service.app")
access_log = logging.getLogger("mspromo_service.access")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


class AppSettings(Protocol):
    """What the application reads from ``mspromo_service.settings.Settings``."""

    @property
    def max_body_bytes(self) -> int: ...

    @property
    def admin_token(self) -> str | None: ...

    @property
    def rules_max_staleness(self) -> float: ...

    @property
    def rules_max_stale_on_error(self) -> float: ...

    @property
    def service_name(self) -> str: ...

    @property
    def limits(self) -> wire.Limits: ...


# ---------------------------------------------------------------------------------------
# Logging


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extras."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "taskName",
    }

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info and "exc" not in out:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


JsonLogFormatter.converter = time.gmtime


def configure_logging(
    level: str = "INFO", log_dir: str | None = None, service_name: str = "mspromo"
) -> None:
    """Send the service's logs (``mspromo_service.*``) to stderr as JSON lines, and also to
    ``<log_dir>/<service_name>.log`` when ``log_dir`` (``LOG_DIR``) is set.

    The file is a ``WatchedFileHandler``: after logrotate moves it, each worker reopens it.
    Called by the WSGI entry point, not by :func:`create_app` (tests keep their logging).
    """
    logger = logging.getLogger("mspromo_service")
    if any(getattr(h, "_mspromo_json", False) for h in logger.handlers):
        return
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_dir is not None:
        os.makedirs(log_dir, exist_ok=True)
        handlers.append(
            logging.handlers.WatchedFileHandler(
                os.path.join(log_dir, f"{service_name}.log"), encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(JsonLogFormatter())
        handler._mspromo_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


# ---------------------------------------------------------------------------------------
# Middleware


class RequestContextMiddleware:
    """Request id (``X-Request-ID`` honoured when sane, else generated; echoed back) and one
    JSON access-log line per request: method, path, status, duration, request id."""

    def __init__(self, service_name: str) -> None:
        self._service_name = service_name

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()
        req.context.service = self._service_name
        given = req.get_header(REQUEST_ID_HEADER)
        req.context.request_id = (
            given if given and _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        )
        resp.set_header(REQUEST_ID_HEADER, req.context.request_id)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        request_id = getattr(req.context, "request_id", None) or uuid.uuid4().hex
        resp.set_header(REQUEST_ID_HEADER, request_id)
        started = getattr(req.context, "started", None)
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        status = resp.status_code
        # The path as the client sent it: Falcon's req.path has the trailing slash stripped.
        path = req.env.get("PATH_INFO") or req.path
        if req.query_string:
            path += "?" + req.query_string
        extra: dict[str, Any] = {
            "service": self._service_name,
            "request_id": request_id,
            "method": req.method,
            "path": path,
            "status": status,
            "duration_ms": round(duration, 3),
        }
        title = getattr(req.context, "error_title", None)
        if title is not None:
            extra["error"] = title
        access_log.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %d%s",
            req.method,
            path,
            status,
            f" {title}" if title is not None else "",
            extra=extra,
        )


class AuthMiddleware:
    """Bearer-token protection of the resources' ``write_methods`` (when a token is set).
    The scheme name is case-insensitive (RFC 7235 §2.1); the token is compared in constant
    time."""

    def __init__(self, token: str) -> None:
        self._expected = token.encode()

    def process_resource(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        params: dict[str, Any],
    ) -> None:
        if resource is None or req.method not in getattr(resource, "write_methods", ()):
            return
        scheme, _, credentials = (req.get_header("Authorization") or "").strip().partition(" ")
        given = credentials.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, self._expected):
            raise ApiError(
                falcon.HTTP_401,
                "Unauthorized",
                "this endpoint needs 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": 'Bearer realm="mspromo"'},
            )


# ---------------------------------------------------------------------------------------
# Errors


def _serialize_http_error(
    req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError
) -> None:
    errors = getattr(exc, "errors", None) or []
    title = exc.title or str(exc.status)
    req.context.error_title = title
    resp.content_type = falcon.MEDIA_JSON
    resp.text = dumps(error_body(title, exc.description, errors))


def _set_error(
    req: falcon.Request, resp: falcon.Response, status: str, body: dict[str, Any]
) -> None:
    req.context.error_title = body.get("title")
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.text = dumps(body)


def _on_validation_error(
    req: falcon.Request, resp: falcon.Response, exc: Exception, params: dict[str, Any]
) -> None:
    assert isinstance(exc, ValidationError)
    _set_error(req, resp, falcon.HTTP_400, exc.as_body())


def _on_not_found(
    req: falcon.Request, resp: falcon.Response, exc: Exception, params: dict[str, Any]
) -> None:
    _set_error(req, resp, falcon.HTTP_404, error_body("Not found", str(exc) or None, []))


def _on_conflict(
    req: falcon.Request, resp: falcon.Response, exc: Exception, params: dict[str, Any]
) -> None:
    _set_error(req, resp, falcon.HTTP_409, error_body("Conflict", str(exc) or None, []))


def _unavailable(req: falcon.Request, resp: falcon.Response) -> None:
    # No traceback and no log line here: OutageMonitor logs the outage once.
    resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    _set_error(
        req,
        resp,
        falcon.HTTP_503,
        error_body(
            "Service unavailable",
            f"the database is unavailable; retry in {RETRY_AFTER_SECONDS} seconds",
            [],
        ),
    )


def _on_unexpected(
    req: falcon.Request, resp: falcon.Response, exc: Exception, params: dict[str, Any]
) -> None:
    if is_unavailable(exc):  # raised past the guarded repository (e.g. a caller's cache)
        _unavailable(req, resp)
        return
    request_id = getattr(req.context, "request_id", None)
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        req.method,
        req.path,
        extra={
            "request_id": request_id,
            "exc": "".join(traceback.format_exception(exc)),
        },
    )
    _set_error(
        req,
        resp,
        falcon.HTTP_500,
        error_body(
            "Internal server error",
            f"unexpected error; quote request id {request_id} when reporting it",
            [],
        ),
    )


# ---------------------------------------------------------------------------------------
# The application


def create_app(
    settings: AppSettings, repository: Repository, *, cache: RulesCache | None = None
) -> falcon.App[falcon.Request, falcon.Response]:
    """The WSGI application over ``repository``; ``cache`` defaults to a new
    :class:`RulesCache` with ``settings.rules_max_staleness``.

    Every call to ``repository`` goes through a :class:`GuardedRepository`, so an
    unavailable database is logged once per outage and answered 503 (or stale rules)."""
    monitor = OutageMonitor()
    repository = cast(Repository, GuardedRepository(repository, monitor))
    if cache is None:
        cache = RulesCache(
            repository,
            settings.rules_max_staleness,
            max_stale_on_error=settings.rules_max_stale_on_error,
        )
    middleware: list[Any] = [RequestContextMiddleware(settings.service_name)]
    if settings.admin_token:
        middleware.append(AuthMiddleware(settings.admin_token))
    app = falcon.App(middleware=middleware, cors_enable=False)
    app.req_options.strip_url_path_trailing_slash = True
    app.req_options.keep_blank_qs_values = True

    json_handler = falcon.media.JSONHandler(dumps=dumps, loads=loads)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    app.resp_options.default_media_type = falcon.MEDIA_JSON

    app.set_error_serializer(_serialize_http_error)
    app.add_error_handler(Exception, _on_unexpected)
    app.add_error_handler(ValidationError, _on_validation_error)
    app.add_error_handler(NotFound, _on_not_found)
    app.add_error_handler(Conflict, _on_conflict)
    app.add_error_handler(
        DatabaseUnavailable, lambda req, resp, exc, params: _unavailable(req, resp)
    )

    limit = settings.max_body_bytes
    limits = settings.limits
    # The redemption ledger (SPEC §9), its calls guarded like the repository's.
    raw_ledger = getattr(repository, "ledger", None)
    ledger = None if raw_ledger is None else cast(SqlLedger, GuardedRepository(raw_ledger, monitor))
    promotion = PromotionResource(repository, cache)
    transaction = TransactionResource(repository, cache, limit, limits=limits)
    console = ConsoleResource()

    def engine(endpoint: Any) -> StoreRulesResource:
        return StoreRulesResource(endpoint, cache, limit, limits=limits)

    resources: dict[str, object] = {
        "/api/1.0/promotions/": PromotionsResource(repository, cache, limit, limits=limits),
        "/api/1.0/promotions/bulk_transaction/": transaction,
        "/api/1.0/promotions/transaction/": transaction,
        "/api/1.0/promotions/evaluate/": engine(evaluate_endpoint(ledger)),
        "/api/1.0/promotions/retailer/{retailer}/": RetailerPromotionsResource(repository),
        "/api/1.0/promotions/store/{store_id}/": StorePromotionsResource(repository, cache),
        "/api/1.0/promotions/bulk/{store_id}/": StorePromotionsByIdsResource(
            repository, limit, limits=limits
        ),
        "/api/1.0/promotions/describe/": DescribeResource(limit),
        "/api/1.0/promotions/suggestions/": engine(SUGGESTIONS),
        "/api/1.0/promotions/item_recommendations/": engine(ITEM_RECOMMENDATIONS),
        "/api/1.0/promotions/redemptions/": RedemptionsResource(
            ledger, cache, limit, limits=limits
        ),
        "/api/1.0/promotions/redemptions/{store_id}/{order_id}": RedemptionResource(ledger),
        "/api/1.0/promotions/{store_id}/{promo_id_retailer}": promotion,
        "/api/1.0/p/{store_id}/{promo_id_retailer}": promotion,
        "/health_check/": HealthResource(repository, head_revisions()),
        "/openapi.json": OpenApiResource(build_document(settings.service_name, limits)),
        "/": RootResource(),
        "/console/": console,
        "/console/{asset}": console,
    }
    assert set(resources) == set(ROUTES), "routes and the OpenAPI document disagree"
    for path, resource in resources.items():
        # Trailing slashes are stripped from requests, so routes are added without one.
        app.add_route(path.rstrip("/") or "/", resource)
    return app
