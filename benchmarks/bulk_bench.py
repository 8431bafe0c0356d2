"""Bulk transaction benchmark: a 10,000-op create transaction, timed end to end, then a
10,000-op update transaction (a title change of every promotion).

Each run starts from an empty schema (``--database-url``; default: the local MariaDB, in
the database ``mspromo_bench``, created when missing), builds ``--ops`` create ops of
realistic promotions (mixed families, 1-3 groups, 1-4 nodes per group, 1-3 stores), and
times ``SqlRepository.bulk_transaction`` (validation through the engine codec, inserts,
revision bumps, commit). It then times loading the busiest store's promotions back (what
the service does to compile a store's rule set), and one transaction of ``--ops`` ``u``
ops that retitle every promotion (what a header change costs: ideally no child row is
written). Parsing the ops (the service's contract, when the tree has one) is part of each
timed transaction, as it is of a request. Prints a small table and writes
``benchmarks/results/bulk.json``.

    python benchmarks/bulk_bench.py
    python benchmarks/bulk_bench.py --database-url sqlite:////tmp/bench.sqlite3 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mspromo_service import storage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bulk.json"
DEFAULT_URL = "mysql+pymysql://root@127.0.0.1:3306/mspromo_bench"
RETAILER = "bench"
STORES = ["bench-1", "bench-2", "bench-3"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--ops", type=int, default=10_000, help="create ops per transaction")
    p.add_argument("--runs", type=int, default=3, help="timed runs (fresh schema each)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--output", type=Path, default=RESULTS)
    return p


def _promotion(i: int, rng: random.Random) -> dict[str, Any]:
    family = rng.choice("eeeppcrl")
    n_groups = {"c": rng.randint(2, 3), "l": rng.randint(1, 2)}.get(family, 1)
    groups = []
    for g in range(n_groups):
        nodes: list[dict[str, Any]] = [
            {"node_id": f"SKU-{rng.randrange(50_000):05}", "node_type": "i"}
            for _ in range(rng.randint(1, 3))
        ]
        if rng.random() < 0.3:
            nodes.append({"node_id": f"CAT-{rng.randrange(200)}", "node_type": "c2"})
        groups.append(
            {
                "name": f"g{g + 1}",
                "qty_or_value_min": 3 if family == "r" else 2,
                "promo_group_nodes": nodes,
            }
        )
    promo: dict[str, Any] = {
        "retailer": RETAILER,
        "promo_id_retailer": f"B-{i:06}",
        "family": family,
        "title": f"Bench promotion {i}",
        "discount_type": "p",
        "discount_value": str(rng.choice([5, 10, 15, 20, 25, 50])),
        "max_application_limit": rng.randint(1, 5),
        "start_date_time": "2020-01-01T00:00:00Z",
        "end_date_time": "2099-01-01T00:00:00Z",
        "stores": rng.sample(STORES, rng.randint(1, 3)),
        "promo_groups": groups,
    }
    if family == "r":
        promo["target_discounted_group_qty_min"] = 1
        promo["discount_value"] = "100"
    return promo


def _bulk(repo: Any, ops: list[dict[str, Any]]) -> None:
    """One bulk transaction as the service runs it: parse the ops, then apply them."""
    try:
        from mspromo_service.contract import BulkTransaction, op_paths
    except ImportError:  # a tree from before the typed ops: the repository parses
        repo.bulk_transaction(RETAILER, ops)
        return
    from mspromo_engine import wire

    transaction = wire.structure({"retailer": RETAILER, "ops": ops}, BulkTransaction)
    repo.bulk_transaction(transaction, op_paths(ops))


def _reset(engine: sa.Engine) -> None:
    storage.metadata.drop_all(engine)
    storage.metadata.create_all(engine)


def _ensure_database(url: sa.URL) -> None:
    if url.get_backend_name() not in ("mysql", "mariadb") or not url.database:
        return
    admin = sa.create_engine(url.set(database=""), poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(
                sa.text(
                    f"CREATE DATABASE IF NOT EXISTS `{url.database}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            )
    finally:
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = sa.make_url(args.database_url)
    _ensure_database(url)
    engine = storage.create_engine(url)
    repo = storage.SqlRepository(engine)
    rng = random.Random(args.seed)
    ops = [{"action": "c", "body": _promotion(i, rng)} for i in range(args.ops)]
    updates = [
        {
            "action": "u",
            "body": {
                "promo_id_retailer": op["body"]["promo_id_retailer"],
                "header": {"title": f"Retitled {i}"},
            },
        }
        for i, op in enumerate(ops)
    ]
    rows = {
        "groups": sum(len(op["body"]["promo_groups"]) for op in ops),
        "nodes": sum(len(g["promo_group_nodes"]) for op in ops for g in op["body"]["promo_groups"]),
        "links": sum(len(op["body"]["stores"]) for op in ops),
    }
    runs: list[dict[str, float]] = []
    try:
        for _ in range(args.runs):
            _reset(engine)
            start = time.perf_counter()
            _bulk(repo, ops)
            bulk = time.perf_counter() - start
            start = time.perf_counter()
            loaded = repo.promotions_of_store(STORES[0])
            load = time.perf_counter() - start
            start = time.perf_counter()
            _bulk(repo, updates)
            update = time.perf_counter() - start
            runs.append(
                {
                    "bulk_seconds": bulk,
                    "load_seconds": load,
                    "loaded": len(loaded),
                    "update_seconds": update,
                }
            )
        _reset(engine)
    finally:
        engine.dispose()

    bulk_times = [r["bulk_seconds"] for r in runs]
    load_times = [r["load_seconds"] for r in runs]
    update_times = [r["update_seconds"] for r in runs]
    result = {
        "benchmark": "bulk_transaction",
        "database": url.render_as_string(hide_password=True),
        "dialect": url.get_backend_name(),
        "ops": args.ops,
        "rows": rows,
        "runs": runs,
        "bulk_seconds_best": min(bulk_times),
        "bulk_seconds_median": statistics.median(bulk_times),
        "ops_per_second_median": args.ops / statistics.median(bulk_times),
        "store_load_promotions": int(runs[-1]["loaded"]),
        "store_load_seconds_median": statistics.median(load_times),
        "update_seconds_median": statistics.median(update_times),
        "update_ops_per_second_median": args.ops / statistics.median(update_times),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} / {platform.system()}, {os.cpu_count()} cpus",
        # Other work on the machine inflates the times: the 1-minute load average at the end.
        "load_average_1m": os.getloadavg()[0],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(
        f"bulk transaction on {result['database']}: {args.ops} create ops, "
        f"{rows['groups']} groups, {rows['nodes']} nodes, {rows['links']} links"
    )
    print(f"{'run':>3}  {'bulk s':>8}  {'ops/s':>8}  {'load s':>8}  {'loaded':>6}  {'update s':>8}")
    for n, r in enumerate(runs, 1):
        print(
            f"{n:>3}  {r['bulk_seconds']:>8.2f}  {args.ops / r['bulk_seconds']:>8.0f}  "
            f"{r['load_seconds']:>8.2f}  {int(r['loaded']):>6}  {r['update_seconds']:>8.2f}"
        )
    print(
        f"median bulk {result['bulk_seconds_median']:.2f} s "
        f"({result['ops_per_second_median']:.0f} ops/s); "
        f"median update {result['update_seconds_median']:.2f} s; "
        f"load average {result['load_average_1m']:.1f} on {os.cpu_count()} cpus"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
