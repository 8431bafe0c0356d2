"""Freshness checks at fleet scale (SPEC §11): what one process's revision checks cost the
database per ``MSPROMO_RULES_MAX_STALENESS`` interval, before and after the sweep.

Before: one ``store_revision`` query per cached store (S queries per interval). After: one
``store_revisions`` query for all S stores. The script fills ``store_revision`` with S
stores in a scratch database (MariaDB/MySQL with ``--mysql-url``, else a SQLite file),
times both ways ``--runs`` times per S, prints a table and writes
``benchmarks/results/freshness.json``; the database is dropped afterwards.

    python benchmarks/freshness_bench.py --mysql-url mysql+pymysql://root@127.0.0.1:3306/mspromo_bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mspromo_service import storage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "freshness.json"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mysql-url", default=None, help="server URL; a scratch database is made")
    p.add_argument("--stores", type=int, nargs="+", default=[10, 100, 1000])
    p.add_argument("--runs", type=int, default=5)
    return p


def _scratch(args: argparse.Namespace) -> tuple[sa.Engine, str, object]:
    if args.mysql_url is None:
        path = Path(tempfile.mkdtemp(prefix="mspromo-fresh-")) / "f.sqlite3"
        return storage.create_engine(f"sqlite:///{path}"), "sqlite", path
    base = sa.make_url(args.mysql_url)
    name = f"{base.database or 'mspromo_bench'}_fresh_{secrets.token_hex(4)}"
    admin = sa.create_engine(base.set(database=""), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return storage.create_engine(base.set(database=name)), "mysql", name


def main() -> int:
    args = _parser().parse_args()
    if not (1 <= args.runs <= 50 and all(1 <= s <= 20_000 for s in args.stores)):
        sys.exit("--runs 1-50, --stores 1-20000")
    engine, kind, handle = _scratch(args)
    rows: list[dict[str, object]] = []
    try:
        storage.metadata.create_all(engine)
        stores = [f"s-{i:05d}" for i in range(max(args.stores))]
        with engine.begin() as conn:
            conn.execute(
                sa.insert(storage.store_revision), [{"store_id": s, "revision": 1} for s in stores]
            )
        repo = storage.SqlRepository(engine)
        for count in args.stores:
            subset = stores[:count]
            before, after = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                for s in subset:
                    repo.store_revision(s)
                before.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                got = repo.store_revisions(subset)
                after.append(time.perf_counter() - t0)
                assert len(got) == count
            rows.append(
                {
                    "stores": count,
                    "before_queries": count,
                    "before_ms": round(1000 * statistics.median(before), 2),
                    "after_queries": 1,
                    "after_ms": round(1000 * statistics.median(after), 2),
                }
            )
    finally:
        engine.dispose()
        if kind == "mysql":
            server = sa.make_url(args.mysql_url).set(database="")
            admin = sa.create_engine(server, poolclass=sa.pool.NullPool)
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{handle}`"))
            admin.dispose()

    print(f"revision checks of one process per interval ({kind}, median of {args.runs})")
    head = ("stores", "before: queries", "ms", "after: queries", "ms", "ratio")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (7, 16, 9, 15, 8, 7), strict=True)))
    for r in rows:
        ratio = float(r["before_ms"]) / max(float(r["after_ms"]), 1e-6)  # type: ignore[arg-type]
        print(
            f"{r['stores']:>7} {r['before_queries']:>16} {r['before_ms']:>9} "
            f"{r['after_queries']:>15} {r['after_ms']:>8} {ratio:>6.1f}×"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "freshness",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": kind,
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_1m": round(os.getloadavg()[0], 2),
                },
                "runs": args.runs,
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
