"""Engine benchmark (not part of the test run): ``nox -s bench`` or
``python benchmarks/engine_bench.py [--quick] [--profile] [--clusters] [--out PATH]``.

Prints a table and writes ``benchmarks/results/engine.json``. The machine may be shared
and noisy: comparisons are reported as ratios measured within one run, interleaved.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import platform
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mspromo_engine import best_discount, evaluate_json
from mspromo_engine.basket import Item
from mspromo_engine.engine import canonical_units, make_candidate, run_candidate
from mspromo_engine.families.common import LayerView
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire import promotion_from_wire, request_from_wire
from store import Store

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RESULTS = Path(__file__).resolve().parent / "results" / "engine.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def timed(body: dict[str, Any], rules: RuleSet) -> float:
    start = time.perf_counter()
    evaluate_json(body, rules, now=NOW)
    return time.perf_counter() - start


# --------------------------------------------------------------------------------------


def bench_latency(store: Store, rules: RuleSet, baskets: list[dict[str, Any]]) -> dict[str, Any]:
    for body in baskets[:5]:
        evaluate_json(body, rules, now=NOW)  # warm-up
    times = [timed(body, rules) for body in baskets]
    # A fingerprint of every response: equal across two runs (before/after a change)
    # means byte-identical responses for these baskets.
    digest = hashlib.sha256()
    for body in baskets:
        digest.update(json.dumps(evaluate_json(body, rules, now=NOW)).encode())
    units = []
    matching = []
    for body in baskets:
        request = request_from_wire(body, now=NOW)
        u = canonical_units(request.basket.items)
        units.append(len(u))
        matching.append(len(rules.matching(u)))
    return {
        "store_promotions": len(rules),
        "baskets": len(baskets),
        "lines": len(baskets[0]["basket"]["items"]),
        "units_mean": round(statistics.mean(units), 1),
        "matching_promotions_mean": round(statistics.mean(matching), 1),
        "matching_promotions_min_max": [min(matching), max(matching)],
        "p50_ms": ms(percentile(times, 50)),
        "p99_ms": ms(percentile(times, 99)),
        "responses_sha256": digest.hexdigest(),
        "targets": {"p50_ms": 3, "p99_ms": 10},
    }


def bench_scaling(small: RuleSet, large: RuleSet, baskets: list[dict[str, Any]]) -> dict[str, Any]:
    for body in baskets[:5]:
        evaluate_json(body, small, now=NOW)
        evaluate_json(body, large, now=NOW)
    t_small, t_large = [], []
    for body in baskets:  # interleaved, so noise hits both alike
        t_small.append(timed(body, small))
        t_large.append(timed(body, large))
    same = all(
        evaluate_json(b, small, now=NOW) == evaluate_json(b, large, now=NOW) for b in baskets[:10]
    )
    return {
        "small_store": len(small),
        "large_store": len(large),
        "small_p50_ms": ms(percentile(t_small, 50)),
        "large_p50_ms": ms(percentile(t_large, 50)),
        "ratio_p50": round(percentile(t_large, 50) / percentile(t_small, 50), 3),
        "ratio_mean": round(statistics.mean(t_large) / statistics.mean(t_small), 3),
        "same_responses": same,
        "target_ratio": 1.3,
    }


def bench_compile(store: Store, count: int) -> dict[str, Any]:
    gc.collect()
    start = time.perf_counter()
    promos = store.promotions(count)
    build_s = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    RuleSet.compile(promos)
    compile_s = time.perf_counter() - start
    del promos
    gc.collect()
    tracemalloc.start()
    promos = store.promotions(count)
    gc.collect()
    promotions_bytes = tracemalloc.get_traced_memory()[0]
    rules = RuleSet.compile(promos)
    gc.collect()
    total_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del rules, promos
    return {
        "promotions": count,
        "codec_build_s": round(build_s, 2),
        "compile_s": round(compile_s, 2),
        "promotion_objects_bytes_per_promotion": round(promotions_bytes / count),
        "compile_adds_bytes_per_promotion": round((total_bytes - promotions_bytes) / count),
        "total_bytes_per_promotion": round(total_bytes / count),
        "targets": {"compile_s": 10, "bytes_per_promotion": 2048},
    }


def _cluster(size: int, rng: random.Random) -> tuple[list[Any], LayerView]:
    """``size`` best-discount promotions that can all take any of 30 units (6 SKUs x 5)."""
    skus = [f"S{k}" for k in range(6)]
    wires = []
    for k in range(size):
        family = rng.choice("eeppclrm")
        fields: dict[str, Any] = {
            "evaluate_criteria": "b",
            "discount_type": rng.choice("pv"),
            "discount_value": str(rng.choice([5, 10, 20, 30])),
            "discounted_group_item_selection_criteria": rng.choice(["l", "lc", "m"]),
            "max_application_limit": rng.randint(1, 3),
        }
        n = rng.randint(1, 3)

        def nodes(names: list[str]) -> list[dict[str, Any]]:
            return [{"node_id": s, "node_type": "i"} for s in names]

        if family in "ep":
            groups = [{"name": "g1", "qty_or_value_min": str(n), "promo_group_nodes": nodes(skus)}]
        elif family in "cl":
            groups = [
                {"name": "g1", "qty_or_value_min": str(n), "promo_group_nodes": nodes(skus[:3])},
                {"name": "g2", "qty_or_value_min": str(n), "promo_group_nodes": nodes(skus[3:])},
            ]
        else:
            groups = [
                {"name": "g1", "qty_or_value_min": str(n + 1), "promo_group_nodes": nodes(skus)}
            ]
            fields["target_discounted_group_qty_min"] = 1
        wires.append(
            {
                "retailer": "bench",
                "promo_id_retailer": f"B{k:02}",
                "family": family,
                "start_date_time": "2026-01-01T00:00:00Z",
                "end_date_time": "2027-01-01T00:00:00Z",
                "stores": ["s-1"],
                "promo_groups": groups,
                **fields,
            }
        )
    rules = RuleSet.compile(promotion_from_wire(w) for w in wires)
    prices = ["1.99", "4.50", "9.99", "15.00", "22.00"]
    items = tuple(Item(s, Decimal(rng.choice(prices)), 5) for s in skus)
    units = canonical_units(items)
    candidates = [make_candidate(p, units, rules.groups_of(p)) for p in rules.promotions]
    return candidates, LayerView(units, tuple(u.sp for u in units), 0, 0, 2)


def bench_clusters(trials: int, sizes: range) -> list[dict[str, Any]]:
    out = []
    for size in sizes:
        rng = random.Random(1000 + size)
        times, exact = [], []
        for _ in range(trials):
            candidates, view = _cluster(size, rng)
            start = time.perf_counter()
            _, _, ok = best_discount.resolve_best_discount(candidates, view, run_candidate)
            times.append(time.perf_counter() - start)
            exact.append(ok)
        out.append(
            {
                "promotions": size,
                "trials": trials,
                "p50_ms": ms(percentile(times, 50)),
                "p99_ms": ms(percentile(times, 99)),
                "max_ms": ms(max(times)),
                "exact_share": round(sum(exact) / len(exact), 3),
            }
        )
    return out


def bench_floor(rules: RuleSet, baskets: list[dict[str, Any]]) -> dict[str, Any]:
    """``evaluate_json`` against the floor: ``json.loads`` of the request text plus
    ``json.dumps`` of the response, basket by basket, interleaved, so load hits both."""
    engine_t, floor_t = [], []
    for body in baskets[:3]:
        evaluate_json(body, rules, now=NOW)  # warm-up
    for body in baskets:
        text = json.dumps(body)
        response = evaluate_json(json.loads(text), rules, now=NOW)
        for _ in range(3):  # best of three, each side
            start = time.perf_counter()
            evaluate_json(body, rules, now=NOW)
            engine_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            json.loads(text)
            json.dumps(response)
            floor_t.append(time.perf_counter() - start)
    engine_best = [min(engine_t[i : i + 3]) for i in range(0, len(engine_t), 3)]
    floor_best = [min(floor_t[i : i + 3]) for i in range(0, len(floor_t), 3)]
    ratios = [e / f for e, f in zip(engine_best, floor_best, strict=True)]
    return {
        "lines": len(baskets[0]["basket"]["items"]),
        "baskets": len(baskets),
        "engine_p50_ms": ms(percentile(engine_best, 50)),
        "engine_p99_ms": ms(percentile(engine_best, 99)),
        "floor_p50_ms": ms(percentile(floor_best, 50)),
        "floor_p99_ms": ms(percentile(floor_best, 99)),
        "ratio_p50": round(percentile(engine_best, 50) / percentile(floor_best, 50), 2),
        "ratio_of_totals": round(sum(engine_best) / sum(floor_best), 2),
        "per_basket_ratio_p50_p99": [
            round(percentile(ratios, 50), 2),
            round(percentile(ratios, 99), 2),
        ],
        "target_ratio": 3,
    }


def floor_baskets(store: Store, quick: bool) -> dict[int, list[dict[str, Any]]]:
    """The baskets the floor ratio is measured on: 20, 40 and 200 lines."""
    counts = {20: 40 if quick else 200, 40: 30 if quick else 200, 200: 10 if quick else 50}
    return {n: [store.basket(n, 500 + s) for s in range(k)] for n, k in counts.items()}


def profile(rules: RuleSet, baskets: list[dict[str, Any]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for body in baskets:
        evaluate_json(body, rules, now=NOW)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--profile", action="store_true", help="cProfile the 40-line case")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--clusters", action="store_true", help="only section 4, best-discount clusters"
    )
    parser.add_argument(
        "--trials", type=int, default=None, help="clusters per size (default 30, quick 5)"
    )
    parser.add_argument(
        "--floor", action="store_true", help="only section 5, evaluate_json vs the JSON floor"
    )
    args = parser.parse_args()
    quick = args.quick
    if args.clusters:
        bench_clusters_only(args)
        return

    store = Store(seed=7)
    baskets = [store.basket(40, seed) for seed in range(30 if quick else 200)]
    rules_5k = RuleSet.compile(store.promotions(5_000))
    if args.profile:
        profile(rules_5k, baskets)
        return
    if args.floor:
        for x in (bench_floor(rules_5k, b) for b in floor_baskets(store, quick).values()):
            print(_floor_row(x))
        return
    results: dict[str, Any] = {
        "generated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": quick,
        "command": " ".join(["python", "benchmarks/engine_bench.py", *sys.argv[1:]]),
        "exact_limit": best_discount.EXACT_LIMIT,
    }
    print("1. evaluate latency, 40-line baskets, 5,000 promotions ...", flush=True)
    results["latency_40_lines"] = bench_latency(store, rules_5k, baskets)
    results["latency_5_lines"] = bench_latency(
        store, rules_5k, [store.basket(5, s) for s in range(30 if quick else 200)]
    )
    results["latency_20_lines"] = bench_latency(
        store, rules_5k, [store.basket(20, s) for s in range(30 if quick else 200)]
    )
    results["latency_200_lines"] = bench_latency(
        store, rules_5k, [store.basket(200, s) for s in range(10 if quick else 50)]
    )
    print("2. store size 1,000 vs large ...", flush=True)
    large = 10_000 if quick else 100_000
    results["scaling"] = bench_scaling(
        RuleSet.compile(store.promotions(1_000)), RuleSet.compile(store.promotions(large)), baskets
    )
    print("3. compile time and memory ...", flush=True)
    results["compile"] = bench_compile(store, large)
    print("4. best-discount clusters ...", flush=True)
    results["clusters"] = bench_clusters(args.trials or (5 if quick else 30), range(2, 15))
    print("5. evaluate_json vs the JSON floor (20, 40, 200 lines) ...", flush=True)
    results["floor"] = [bench_floor(rules_5k, b) for b in floor_baskets(store, quick).values()]
    results["family_mix"] = dict(store.families)
    results["families_substituted_by_e"] = dict(store.substituted)

    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


def bench_clusters_only(args: argparse.Namespace) -> None:
    """Section 4 alone; written next to the full results unless ``--out`` is given."""
    clusters = bench_clusters(args.trials or (5 if args.quick else 30), range(2, 15))
    for x in clusters:
        print(
            f"best discount, {x['promotions']:2} overlapping promotions / 30 units  "
            f"p50 {x['p50_ms']} ms  p99 {x['p99_ms']} ms  exact {x['exact_share']:.0%}"
        )
    out = RESULTS.with_name("engine_clusters.json") if args.out == RESULTS else args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "generated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "command": " ".join(["python", "benchmarks/engine_bench.py", *sys.argv[1:]]),
        "exact_limit": best_discount.EXACT_LIMIT,
        "clusters": clusters,
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")


def _floor_row(x: dict[str, Any]) -> str:
    return (
        f"evaluate_json / JSON floor, {x['lines']} lines  "
        f"engine p50 {x['engine_p50_ms']} p99 {x['engine_p99_ms']} ms, "
        f"floor p50 {x['floor_p50_ms']} p99 {x['floor_p99_ms']} ms, "
        f"ratio p50 {x['ratio_p50']}x (totals {x['ratio_of_totals']}x; target <= 3x)"
    )


def print_table(r: dict[str, Any]) -> None:
    rows = []
    for key in ("latency_5_lines", "latency_20_lines", "latency_40_lines", "latency_200_lines"):
        x = r[key]
        rows.append(
            (
                f"evaluate {x['lines']} lines (~{x['units_mean']:.0f} units, "
                f"{x['matching_promotions_mean']:.0f} matching), {x['store_promotions']} promos",
                f"p50 {x['p50_ms']} ms  p99 {x['p99_ms']} ms",
            )
        )
    s = r["scaling"]
    rows.append(
        (
            f"store {s['large_store']} vs {s['small_store']} promotions (same basket)",
            f"ratio p50 {s['ratio_p50']}  mean {s['ratio_mean']}  same={s['same_responses']}",
        )
    )
    c = r["compile"]
    rows.append(
        (
            f"compile {c['promotions']} promotions",
            f"{c['compile_s']} s; objects {c['promotion_objects_bytes_per_promotion']} B/promo, "
            f"compile adds {c['compile_adds_bytes_per_promotion']} B/promo",
        )
    )
    for x in r["clusters"]:
        rows.append(
            (
                f"best discount, {x['promotions']} overlapping promotions / 30 units",
                f"p50 {x['p50_ms']} ms  p99 {x['p99_ms']} ms  exact {x['exact_share']:.0%}",
            )
        )
    for x in r["floor"]:
        head, tail = _floor_row(x).split("  ", 1)
        rows.append((head, tail))
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")
    if r["families_substituted_by_e"]:
        print("families generated as e (not registered):", r["families_substituted_by_e"])


if __name__ == "__main__":
    main()
