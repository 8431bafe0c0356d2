"""Alembic migrations of the service's database, run from code (no ``alembic.ini``).

``mspromo db upgrade`` calls :func:`upgrade`; tests and tools can build the
:class:`alembic.config.Config` with :func:`alembic_config` and use any Alembic command.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

__all__ = [
    "SCRIPT_LOCATION",
    "alembic_config",
    "current_revisions",
    "head_revisions",
    "upgrade",
]

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for ``database_url`` with this package as script location."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # ``%`` is ConfigParser interpolation syntax: escape it in URLs (quoted passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` to the database."""
    command.upgrade(alembic_config(database_url), revision)


@functools.cache
def head_revisions() -> tuple[str, ...]:
    """The migration heads this code expects (read from the scripts once)."""
    script = ScriptDirectory(SCRIPT_LOCATION)
    return tuple(sorted(script.get_heads()))


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is stamped with; ``()`` when it has never been migrated."""
    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
