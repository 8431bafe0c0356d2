"""The WSGI entry point: ``gunicorn … mspromo_service.wsgi:app``.

Reads the environment once (``Settings.from_env()``); no data is written at import.
Refuses to load (so gunicorn does not start) when writes would be open outside a local or
test deployment (:meth:`Settings.check_write_protection`).
"""

from __future__ import annotations

import logging
import os

import falcon

from mspromo_service.app import configure_logging, create_app
from mspromo_service.settings import Settings
from mspromo_service.storage import SqlRepository, create_engine

__all__ = ["app", "repository", "settings"]

settings = Settings.from_env()
configure_logging(
    os.environ.get("GUNICORN_LOGLEVEL", "INFO").strip() or "INFO",
    settings.log_dir,
    settings.service_name,
)
settings.check_write_protection()
if not settings.admin_token:
    logging.getLogger("mspromo_service.app").warning(
        "MSPROMO_ADMIN_TOKEN is not set: every write endpoint is open (DEPLOYMENT_ENV=%s%s)",
        settings.deployment_env,
        ", MSPROMO_ALLOW_OPEN_WRITES=1" if settings.allow_open_writes else "",
        extra={"service": settings.service_name, "event": "open_writes"},
    )
repository = SqlRepository(
    create_engine(settings.database_url, timeouts=settings.database_timeouts),
    (
        create_engine(settings.database_read_url, timeouts=settings.database_timeouts)
        if settings.database_read_url
        else None
    ),
)
app: falcon.App[falcon.Request, falcon.Response] = create_app(settings, repository)
