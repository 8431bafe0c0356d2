"""SQLAlchemy engines set up the way this storage expects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mspromo_service.settings import DatabaseTimeouts

WRITE = "mspromo_write"

# Without driver timeouts (the command line's long maintenance statements and migrations),
# SQLite still waits at most this long for a lock.
_SQLITE_BUSY_SECONDS = 30.0


def create_engine(
    url: str | sa.URL, *, timeouts: DatabaseTimeouts | None = None, **kwargs: Any
) -> Engine:
    """An engine with the settings this storage expects.

    MySQL: ``pool_pre_ping``, hourly connection recycling, utf8mb4. SQLite: usable from
    several threads, a busy timeout, foreign keys on, WAL for files, and write
    transactions that take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a
    read-then-write transaction never fails half-way on a concurrent writer.

    ``timeouts`` (the service passes its settings, SPEC §7.2): PyMySQL's
    ``connect_timeout``, ``read_timeout`` and ``write_timeout`` (PyMySQL reads the
    server's greeting under the read timeout), and the pool waits at most the connect
    timeout for a free connection; SQLite waits at most the write timeout for a lock
    (its ``timeout``). Without them, MySQL connects within PyMySQL's default 10 s and then
    waits as long as a statement takes, and SQLite waits 30 s for a lock.
    """
    u = sa.make_url(url)
    if timeouts is not None:
        kwargs.setdefault("pool_timeout", timeouts.connect)
    if u.get_backend_name() == "sqlite":
        busy = timeouts.write if timeouts is not None else _SQLITE_BUSY_SECONDS
        connect_args = {"check_same_thread": False, "timeout": busy}
        connect_args.update(kwargs.pop("connect_args", {}))
        in_memory = u.database in (None, "", ":memory:")
        if in_memory:  # one shared connection: every thread sees the same database
            kwargs.setdefault("poolclass", sa.pool.StaticPool)
            kwargs.pop("pool_timeout", None)  # StaticPool has no queue to wait in
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={round(busy * 1000)}")
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
        if timeouts is not None:
            connect_args = {
                "connect_timeout": timeouts.connect,
                "read_timeout": timeouts.read,
                "write_timeout": timeouts.write,
                **kwargs.pop("connect_args", {}),
            }
            kwargs["connect_args"] = connect_args
    return sa.create_engine(u, **kwargs)
