"""A database that hangs (SPEC §7.2): requests answer within the driver timeouts, with
stale rules or 503, and the outage is logged once each way.

Nothing here touches the shared MySQL server's process: a loopback listener that never
answers stands for a server frozen before its greeting, and a proxy that stops moving
bytes stands for a server frozen mid-conversation (SIGSTOP). The timeouts are small so the
tests run fast; the bounds asserted are generous multiples of them (no timed asserts
beyond "it answered instead of hanging").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest
import sqlalchemy as sa
from fakes import basket_request, client, promo
from faultnet import freezable_proxy, silent_listener

from mspromo_service.migrations import upgrade
from mspromo_service.settings import DatabaseTimeouts
from mspromo_service.storage import SqlRepository, create_engine

TIMEOUT = 0.3
TIMEOUTS = DatabaseTimeouts(connect=TIMEOUT, read=TIMEOUT, write=TIMEOUT)
# A request may wait for a pre-ping, a reconnect and its handshake: a few timeouts at most.
# Without driver timeouts each of these requests would hang for as long as the freeze.
BOUND = 20 * TIMEOUT
EVALUATE = "/api/1.0/promotions/evaluate/"


def _timed(api: falcon.testing.TestClient, method: str, path: str, body: object = None) -> Any:
    started = time.monotonic()
    result = api.simulate_request(method, path, json=body)
    return result, time.monotonic() - started


def test_a_server_that_never_answers_gives_503_within_the_timeouts() -> None:
    with silent_listener() as server:
        url = f"mysql+pymysql://u@127.0.0.1:{server.port}/mspromo"
        engine = create_engine(url, timeouts=TIMEOUTS)
        api = client(SqlRepository(engine))
        try:
            for method, path, body in [
                ("GET", "/health_check/", None),
                ("POST", EVALUATE, basket_request()),
                ("POST", "/api/1.0/promotions/", promo("P1")),
                ("GET", "/api/1.0/promotions/store/s-1/", None),
                ("DELETE", "/api/1.0/promotions/store/s-1/", None),
            ]:
                r, took = _timed(api, method, path, body)
                assert r.status_code == 503, (method, path, r.text)
                assert r.headers["retry-after"].isdigit()
                assert took < BOUND, (method, path, took)
        finally:
            engine.dispose()


@pytest.fixture
def mysql_behind_proxy(_mysql_database_url: str) -> Iterator[tuple[Any, str]]:
    """A migrated MySQL test database reached through a freezable proxy."""
    upgrade(_mysql_database_url)
    real = sa.make_url(_mysql_database_url)
    with freezable_proxy(real.host or "127.0.0.1", real.port or 3306) as proxy:
        yield (
            proxy,
            real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        )


@pytest.mark.mysql
def test_a_frozen_server_gives_stale_rules_and_503_then_recovers(
    mysql_behind_proxy: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, url = mysql_behind_proxy
    engine = create_engine(url, timeouts=TIMEOUTS)
    # Every evaluation asks the database for the store's revision, so the freeze is met.
    api = client(SqlRepository(engine), rules_max_staleness=0.0)
    try:
        assert api.simulate_post("/api/1.0/promotions/", json=promo("P1")).status_code == 201
        fresh = api.simulate_post(EVALUATE, json=basket_request())
        assert fresh.status_code == 200 and fresh.json["basket"]["discount"] == "10.000"
        assert "x-rules-stale-seconds" not in fresh.headers
        assert api.simulate_get("/health_check/").status_code == 200

        proxy.freeze()
        with caplog.at_level(logging.INFO, logger="mspromo_service"):
            for _ in range(5):
                r, took = _timed(api, "POST", EVALUATE, basket_request())
                assert r.status_code == 200, r.text
                assert r.headers["x-rules-stale-seconds"].isdigit()
                assert r.json == fresh.json
                assert took < BOUND
            for method, path, body in [
                ("POST", "/api/1.0/promotions/", promo("P2")),
                ("DELETE", "/api/1.0/promotions/s-1/P1", None),
                ("GET", "/api/1.0/promotions/s-1/P1", None),
                ("POST", EVALUATE, basket_request("s-never-loaded")),
            ]:
                r, took = _timed(api, method, path, body)
                assert r.status_code == 503, (method, path, r.text)
                assert r.headers["retry-after"].isdigit()
                assert took < BOUND, (method, path, took)
            time.sleep(1.1)  # past the retry interval: the health check really asks
            r, took = _timed(api, "GET", "/health_check/")
            assert r.status_code == 503 and took < BOUND

            proxy.thaw()
            time.sleep(1.1)
            deadline = time.monotonic() + 10
            while True:
                r = api.simulate_post(EVALUATE, json=basket_request())
                if "x-rules-stale-seconds" not in r.headers or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert r.status_code == 200 and "x-rules-stale-seconds" not in r.headers
            assert api.simulate_get("/health_check/").status_code == 200

        outage = [
            rec.getMessage() for rec in caplog.records if rec.name == "mspromo_service.database"
        ]
        assert len(outage) == 2, outage
        assert outage[0].startswith("database unavailable: OperationalError")
        assert outage[1].startswith("database available again after")
        assert not [rec for rec in caplog.records if rec.name == "mspromo_service.app"]
        # Nothing was written while frozen: P1 is still there, P2 is not.
        rows = api.simulate_get("/api/1.0/promotions/store/s-1/").json["promotions"]
        assert [p["promo_id_retailer"] for p in rows] == ["P1"]
    finally:
        proxy.thaw()
        engine.dispose()
