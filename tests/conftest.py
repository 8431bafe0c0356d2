"""Shared fixtures: database URLs for storage tests.

``mysql_url`` (session scope)
    The URL in ``MSPROMO_TEST_MYSQL_URL`` (e.g.
    ``mysql+pymysql://root@127.0.0.1:3306/mspromo_test``). Unset or blank: the test is
    skipped. Set but the server does not answer: the test FAILS (a CI misconfiguration must
    never pass as a skip).

``database_url`` (function scope, parametrized ``sqlite`` / ``mysql``)
    A URL of an empty database that belongs to this test alone:

    * ``sqlite``: a file in the test's ``tmp_path``;
    * ``mysql`` (marked ``pytest.mark.mysql``): a database created for the test on the
      ``mysql_url`` server, named ``<base>_<worker>_<random>`` where ``<base>`` is the
      database of ``mysql_url`` (so a user granted ``<base>%`` may create it), and dropped
      afterwards.

    Storage tests take it and create their schema (``create_all`` or the Alembic
    migrations) in it::

        def test_store_roundtrip(database_url: str) -> None:
            engine = sqlalchemy.create_engine(database_url)
            ...

Select the MySQL cases alone with ``-m mysql``, or leave them out with ``-m "not mysql"``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # SQLAlchemy is imported lazily: engine-only installs lack it
    import sqlalchemy

MYSQL_URL_ENV = "MSPROMO_TEST_MYSQL_URL"


def _mysql_engine(url: str) -> sqlalchemy.Engine:
    import sqlalchemy

    return sqlalchemy.create_engine(
        url, connect_args={"connect_timeout": 5}, poolclass=sqlalchemy.pool.NullPool
    )


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """The MySQL test server URL; skip when not configured, fail when unreachable."""
    url = os.environ.get(MYSQL_URL_ENV, "").strip()
    if not url:
        pytest.skip(f"{MYSQL_URL_ENV} is not set")
    import sqlalchemy

    engine = _mysql_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"{MYSQL_URL_ENV} is set but the server does not answer: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def _mysql_database_url(mysql_url: str) -> Iterator[str]:
    """A fresh database on the MySQL test server, dropped after the test."""
    import sqlalchemy

    base = sqlalchemy.make_url(mysql_url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{base.database or 'mspromo_test'}_{worker}_{secrets.token_hex(4)}"[:64]
    admin = _mysql_engine(mysql_url)
    with admin.begin() as conn:
        conn.execute(
            sqlalchemy.text(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    query = {"charset": "utf8mb4", **base.query}
    try:
        yield base.set(database=name, query=query).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database for this test, once on SQLite and once on MySQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mspromo-test.sqlite3'}"
    url: str = request.getfixturevalue("_mysql_database_url")
    return url


# ---------------------------------------------------------------------------------------
# Every response the suite receives through Falcon's TestClient is checked against the
# generated /openapi.json (tests/response_contract.py).


def _install_response_check() -> None:
    try:
        import falcon.testing

        import response_contract
    except ImportError:  # engine-only install: no service, no document
        return
    original = falcon.testing.TestClient.simulate_request

    def simulate_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        method = kwargs.get("method", args[0] if args else "GET")
        path = kwargs.get("path", args[1] if len(args) > 1 else "/")
        body = None
        if result.content and (result.headers.get("content-type") or "").startswith(
            "application/json"
        ):
            body = result.json
        response_contract.check(
            method, path, result.status_code, result.headers.get("content-type"), body
        )
        return result

    falcon.testing.TestClient.simulate_request = simulate_request  # type: ignore[method-assign]


_install_response_check()
