"""The WSGI entry point: ``gunicorn … mspromo_service.wsgi:app``.

Reads the environment once (``Settings.from_env()``); no data is written at import.
"""

from __future__ import annotations

import os

import falcon

from mspromo_service.app import configure_logging, create_app
from mspromo_service.settings import Settings
from mspromo_service.storage import SqlRepository, create_engine

__all__ = ["app", "repository", "settings"]

configure_logging(os.environ.get("GUNICORN_LOGLEVEL", "INFO").strip() or "INFO")
settings = Settings.from_env()
repository = SqlRepository(
    create_engine(settings.database_url),
    create_engine(settings.database_read_url) if settings.database_read_url else None,
)
app: falcon.App[falcon.Request, falcon.Response] = create_app(settings, repository)
