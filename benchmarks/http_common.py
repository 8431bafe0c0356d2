"""What the HTTP benchmarks share: the seeded store and basket, and a scratch database on
the MySQL/MariaDB server holding that store (``http_bench.py``, ``http_breakdown.py``)."""

from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STORE_ID = "bench-1"
RETAILER = "bench"
AT = "2026-11-25T10:00:00Z"
DEFAULT_SERVER_URL = "mysql+pymysql://root@127.0.0.1:3306/"


# ---------------------------------------------------------------------------------------
# Scenario


def scenario(n: int, lines: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The engine benchmark's seeded store (benchmarks/store.py): ``n`` promotions linked
    to the benchmark store, and a basket of ``lines`` lines that matches some of them."""
    sys.path.insert(0, str(HERE))
    try:
        from store import Store  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(HERE))
    from mspromo_engine import promotion_to_wire

    store = Store(seed)
    promotions = []
    for promo in store.promotions(n):
        wire = promotion_to_wire(promo)
        wire.pop("promo_id", None)
        wire["retailer"] = RETAILER
        wire["stores"] = [STORE_ID]
        promotions.append(wire)
    request = store.basket(lines, seed)
    request["store_id"] = STORE_ID
    request["at"] = AT
    return promotions, request


# ---------------------------------------------------------------------------------------
# Database


def create_database(server_url: str) -> str:
    import sqlalchemy as sa

    base = sa.make_url(server_url)
    name = f"mspromo_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base.set(database=None), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    query = {"charset": "utf8mb4", **base.query}
    url: str = base.set(database=name, query=query).render_as_string(hide_password=False)
    return url


def drop_database(url: str) -> None:
    import sqlalchemy as sa

    u = sa.make_url(url)
    admin = sa.create_engine(u.set(database=None), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{u.database}`"))
    admin.dispose()


def load(url: str, promotions: list[dict[str, Any]]) -> float:
    from mspromo_engine import wire
    from mspromo_service.contract import BulkTransaction
    from mspromo_service.migrations import upgrade
    from mspromo_service.storage import SqlRepository, create_engine

    upgrade(url, "head")
    engine = create_engine(url)
    repo = SqlRepository(engine)
    started = time.perf_counter()
    for i in range(0, len(promotions), 5000):
        ops = [{"action": "c", "body": p} for p in promotions[i : i + 5000]]
        repo.bulk_transaction(wire.structure({"retailer": RETAILER, "ops": ops}, BulkTransaction))
    engine.dispose()
    return time.perf_counter() - started
