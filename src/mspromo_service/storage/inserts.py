"""Bulk INSERTs: a table's rows as a few multi-row statements whose values the driver binds.

A 10,000-op create transaction inserts some 71,000 rows. Two costs dominate it: PyMySQL
escaping every value (pure Python) and the server running the statements; PyMySQL's
``executemany`` does them in turn, statement by statement. On MySQL :func:`insert_rows`
builds the same statements the same way (PyMySQL's own ``mogrify`` of each row, rows
joined up to its ``max_stmt_length``) and sends each from a second thread, so the server
runs statement *k* while this thread binds the values of statement *k + 1*. It is still
one connection and one transaction, the statements go in order, and a failing one stops
the rest and is raised (SQLAlchemy's exception, as ``executemany`` would raise it).
"""

from __future__ import annotations

import functools
import operator
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from pymysql.cursors import RE_INSERT_VALUES, Cursor
from sqlalchemy.engine import Connection, Dialect

__all__ = ["insert_rows"]

_Shape = Callable[[Mapping[str, Any]], Sequence[Any] | Mapping[str, Any]]


@functools.lru_cache(maxsize=64)
def _insert_plan(dialect: Dialect, table: sa.Table) -> tuple[str, _Shape]:
    """The INSERT of every column of ``table`` compiled once for ``dialect``, and what
    turns a row dict into its DBAPI parameters: the columns' bind processors applied (as
    SQLAlchemy applies them), in column order for a positional paramstyle."""
    compiled = table.insert().compile(dialect=dialect)
    names = tuple(compiled.positiontup or table.c.keys())
    processors = [
        (name, proc)
        for name in names
        if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if compiled.positional:
        getter = operator.itemgetter(*names)
        at = {name: i for i, name in enumerate(names)}
        indexed = [(at[name], proc) for name, proc in processors]

        def positional(row: Mapping[str, Any]) -> Sequence[Any]:
            values = list(getter(row))
            for i, proc in indexed:
                values[i] = proc(values[i])
            return tuple(values)

        return str(compiled), positional if indexed else getter

    def named(row: Mapping[str, Any]) -> Mapping[str, Any]:
        values = dict(row)
        for name, proc in processors:
            values[name] = proc(values[name])
        return values

    return str(compiled), named if processors else dict


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each a value for every column) in ``conn``'s transaction.

    The statement and parameters of ``conn.execute(table.insert(), rows)`` without
    SQLAlchemy's per-row parameter building; on MySQL the driver-bound statements are
    sent from a second thread (see the module's docstring), elsewhere ``executemany``."""
    if not rows:
        return
    sql, shape = _insert_plan(conn.dialect, table)
    params = [shape(row) for row in rows]
    found = RE_INSERT_VALUES.match(sql) if conn.dialect.driver == "pymysql" else None
    if found is None or len(params) == 1:
        conn.exec_driver_sql(sql, params)
        return
    dbapi: Any = conn.connection.dbapi_connection
    _pipelined(conn, _statements(dbapi, found, params))


def _statements(dbapi: Any, found: Any, params: list[Any]) -> Iterator[str]:
    """What PyMySQL's ``executemany`` sends: ``prefix (row),(row),… postfix`` statements of
    at most ``Cursor.max_stmt_length`` bytes, each row bound by the driver's ``mogrify``."""
    encoding = dbapi.encoding
    mogrify = dbapi.cursor().mogrify
    prefix = (found.group(1) % ()).encode(encoding)
    values = found.group(2).rstrip()
    postfix = ((found.group(3) or "") % ()).encode(encoding)
    sql = bytearray(prefix)
    sql += mogrify(values, params[0]).encode(encoding)
    for row in params[1:]:
        value = mogrify(values, row).encode(encoding)
        if len(sql) + len(value) + len(postfix) + 1 > Cursor.max_stmt_length:
            yield (sql + postfix).decode(encoding)
            sql = bytearray(prefix)
        else:
            sql += b","
        sql += value
    yield (sql + postfix).decode(encoding)


_DONE = object()


def _pipelined(conn: Connection, statements: Iterator[str]) -> None:
    """Run ``statements`` in order on ``conn`` from a second thread while this one makes
    the next; the first failure stops the rest and is raised here."""
    bound = {"no_parameters": True}  # values bound already: the driver formats nothing
    pending: queue.Queue[object] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def send() -> None:
        while (statement := pending.get()) is not _DONE:
            if not failed:
                try:
                    conn.exec_driver_sql(str(statement), execution_options=bound)
                except BaseException as exc:  # raised in the caller's thread below
                    failed.append(exc)

    sender = threading.Thread(target=send, name="mspromo-insert", daemon=True)
    sender.start()
    try:
        for statement in statements:
            if failed:
                break
            pending.put(statement)
    finally:
        pending.put(_DONE)
        sender.join()
    if failed:
        raise failed[0]
