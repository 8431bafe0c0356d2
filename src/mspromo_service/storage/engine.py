"""SQLAlchemy engines set up the way this storage expects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

WRITE = "mspromo_write"


def create_engine(url: str | sa.URL, **kwargs: Any) -> Engine:
    """An engine with the settings this storage expects.

    MySQL: ``pool_pre_ping``, hourly connection recycling, utf8mb4. SQLite: usable from
    several threads, a 30 s busy timeout, foreign keys on, WAL for files, and write
    transactions that take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a
    read-then-write transaction never fails half-way on a concurrent writer.
    """
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 30.0}
        connect_args.update(kwargs.pop("connect_args", {}))
        in_memory = u.database in (None, "", ":memory:")
        if in_memory:  # one shared connection: every thread sees the same database
            kwargs.setdefault("poolclass", sa.pool.StaticPool)
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get(WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if u.get_backend_name() in ("mysql", "mariadb"):
        if "charset" not in u.query:
            u = u.update_query_dict({"charset": "utf8mb4"})
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", 3600)
    return sa.create_engine(u, **kwargs)
