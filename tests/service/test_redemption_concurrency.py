"""Usage limits hold under concurrency (SPEC §9): 32 redemptions at once, from threads of
one process and from several gunicorn worker processes, on SQLite and MySQL, record
exactly as many as the limit allows."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
import sqlalchemy as sa
from fakes import basket_request, client, promo, sql_repository
from live_gunicorn import free_port, running_gunicorn

from mspromo_service.storage import SqlRepository, promo_usage, redemption

URL = "/api/1.0/promotions/redemptions/"
N = 32
TOKEN = "concurrency-token"


def order(order_id: str, **extra: Any) -> dict[str, Any]:
    return {**basket_request(qty=3), "order_id": order_id, **extra}


def ledger_rows(engine: sa.Engine) -> tuple[int, int]:
    """(ledger rows, the promotion's promo_usage count) for P1."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(redemption)).scalar_one()
        used = conn.execute(
            sa.select(promo_usage.c.redemptions).where(promo_usage.c.promo_id_retailer == "P1")
        ).scalar_one_or_none()
    return int(rows), int(used or 0)


def all_at_once(call: Callable[[int], tuple[int, Any]], n: int = N) -> list[tuple[int, Any]]:
    """``call(i)`` for i in 0..n-1, from n threads released together."""
    barrier = threading.Barrier(n)

    def run(i: int) -> tuple[int, Any]:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def repo(database_url: str) -> Iterator[SqlRepository]:
    repository = sql_repository(database_url)
    try:
        yield repository
    finally:
        repository.engine.dispose()


def _in_process(api: falcon.testing.TestClient) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    def post(body: dict[str, Any]) -> tuple[int, Any]:
        result = api.simulate_post(URL, json=body)
        return result.status_code, result.json

    return post


def test_32_threads_redeem_a_promotion_limited_to_5_exactly_5_times(repo: SqlRepository) -> None:
    repo.create_promotion(promo("P1", usage_limit=5))
    post = _in_process(client(repo))
    results = all_at_once(lambda i: post(order(f"o-{i}", customer_id=f"c-{i}")))
    assert [s for s, _ in results] == [201] * N, results
    assert sum(body["redeemed"] == ["P1"] for _, body in results) == 5
    assert ledger_rows(repo.engine) == (5, 5)


def test_32_threads_of_one_customer_redeem_a_per_customer_limit_of_3_exactly_3_times(
    repo: SqlRepository,
) -> None:
    repo.create_promotion(promo("P1", usage_limit_per_customer=3))
    post = _in_process(client(repo))
    # Half the orders are one customer's, the other half spread over 16 customers.
    results = all_at_once(
        lambda i: post(order(f"o-{i}", customer_id="c-same" if i % 2 else f"c-{i}"))
    )
    assert [s for s, _ in results] == [201] * N
    same = [body for _, body in results if body["customer_id"] == "c-same"]
    assert sum(b["redeemed"] == ["P1"] for b in same) == 3
    others = [body for _, body in results if body["customer_id"] != "c-same"]
    assert all(b["redeemed"] == ["P1"] for b in others)
    assert ledger_rows(repo.engine) == (3 + 16, 3 + 16)


def test_the_same_order_sent_by_32_threads_is_recorded_once(repo: SqlRepository) -> None:
    repo.create_promotion(promo("P1", usage_limit=5))
    post = _in_process(client(repo))
    results = all_at_once(lambda i: post(order("o-same")))
    assert sorted(s for s, _ in results) == [200] * (N - 1) + [201]
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    assert ledger_rows(repo.engine) == (1, 1)


# ---------------------------------------------------------------------------------------
# Several gunicorn worker processes


def _http(base: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    return status, json.loads(raw) if raw else None


@pytest.fixture
def gunicorn(database_url: str, tmp_path: Path) -> Iterator[tuple[str, sa.Engine]]:
    """3 gunicorn workers x 4 threads on a migrated database; (base URL, an engine)."""
    from mspromo_service.migrations import upgrade
    from mspromo_service.storage import create_engine

    upgrade(database_url, "head")
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "4",
        "MSPROMO_DATABASE_URL": database_url,
        "MSPROMO_ADMIN_TOKEN": TOKEN,
        "MSPROMO_RULES_MAX_STALENESS": "0",
    }
    engine = create_engine(database_url)
    try:
        with running_gunicorn(tmp_path, port, env, stop_timeout=10) as base:
            yield base, engine
    finally:
        engine.dispose()


@pytest.mark.integration
def test_32_requests_over_3_gunicorn_workers_redeem_a_limit_of_5_exactly_5_times(
    gunicorn: tuple[str, sa.Engine],
) -> None:
    base, engine = gunicorn
    status, body = _http(base, "POST", "/api/1.0/promotions/", promo("P1", usage_limit=5))
    assert status == 201, body
    results = all_at_once(lambda i: _http(base, "POST", URL, order(f"o-{i}")))
    assert [s for s, _ in results] == [201] * N, results
    assert sum(body["redeemed"] == ["P1"] for _, body in results) == 5
    assert ledger_rows(engine) == (5, 5)


@pytest.mark.integration
def test_32_requests_over_3_gunicorn_workers_keep_a_per_customer_limit(
    gunicorn: tuple[str, sa.Engine],
) -> None:
    base, engine = gunicorn
    status, body = _http(
        base, "POST", "/api/1.0/promotions/", promo("P1", usage_limit_per_customer=2)
    )
    assert status == 201, body
    results = all_at_once(lambda i: _http(base, "POST", URL, order(f"o-{i}", customer_id="c")))
    assert [s for s, _ in results] == [201] * N
    assert sum(body["redeemed"] == ["P1"] for _, body in results) == 2
    assert ledger_rows(engine) == (2, 2)
