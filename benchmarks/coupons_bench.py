"""Coupons and usage limits: what they cost evaluate (not part of the test run).

``python benchmarks/coupons_bench.py --before DIR [--rounds 5] [--calls 200]``

``DIR`` is the ``src`` directory of the tree to compare with (e.g. ``git archive <rev> src
| tar -x -C /tmp/before``, then ``--before /tmp/before/src``). Each round runs, in fresh
interleaved processes, the same evaluations on both trees: a store of 2,000 promotions
without limits, a 40-line basket. On this tree it also runs the same store with every
tenth promotion limited (``usage_limit``, counts passed in) and a coupon in the request.
Prints medians and ratios and writes ``benchmarks/results/coupons.json``. The machine may
be shared and noisy: compare the ratios of one run, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
RESULTS = HERE / "results" / "coupons.json"

WORKER = r"""
import json, random, sys, time
from datetime import UTC, datetime
from mspromo_engine import RuleSet, evaluate_json, promotion_from_wire
mode, calls = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
skus = [f"SKU{i}" for i in range(3000)]
promos = []
for i in range(2000):
    wire = {
        "retailer": "r", "promo_id_retailer": f"P{i}", "family": "e",
        "discount_value": "10", "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z", "stores": ["s-1"],
        "promo_groups": [{"name": "g1", "qty_or_value_min": rng.randint(1, 3),
            "promo_group_nodes": [{"node_id": s} for s in rng.sample(skus, 5)]}],
    }
    if mode == "limited" and i % 10 == 0:
        wire["usage_limit"] = 100
        wire["coupon_codes"] = ["SAVE10"]
    promos.append(promotion_from_wire(wire))
rules = RuleSet.compile(promos)
items = [{"sku": s, "item_id": f"l{j}", "mrp": "9.99", "qty": rng.randint(1, 3)}
         for j, s in enumerate(rng.sample(skus, 40))]
body = {"store_id": "s-1", "at": "2026-11-25T10:00:00Z", "basket": {"id": "b", "items": items}}
kwargs = {}
if mode == "limited":
    from mspromo_engine import UsageCounts
    body["coupons"] = ["SAVE10"]
    kwargs["usage"] = UsageCounts({("r", f"P{i}"): 50 for i in range(0, 2000, 10)})
now = datetime(2026, 11, 25, 10, tzinfo=UTC)
for _ in range(20):
    evaluate_json(body, rules, now=now, **kwargs)
times = []
for _ in range(calls):
    t = time.perf_counter()
    evaluate_json(body, rules, now=now, **kwargs)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"median_us": times[len(times) // 2] * 1e6}))
"""


def _run(src: Path, mode: str, calls: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, mode, str(calls)],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    value: float = json.loads(out.stdout)["median_us"]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="src dir of the old tree")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs: dict[str, list[float]] = {"before": [], "after": [], "after_limited": []}
    for _ in range(args.rounds):
        runs["before"].append(_run(args.before, "plain", args.calls))
        runs["after"].append(_run(SRC, "plain", args.calls))
        runs["after_limited"].append(_run(SRC, "limited", args.calls))
    med = {k: statistics.median(v) for k, v in runs.items()}
    rows = [
        ("no limits, before", med["before"], 1.0),
        ("no limits, after", med["after"], med["after"] / med["before"]),
        ("10% limited + coupon, after", med["after_limited"], med["after_limited"] / med["before"]),
    ]
    print(f"{'evaluate, 2,000 promotions, 40 lines':38} {'median µs':>10} {'vs before':>10}")
    for name, value, ratio in rows:
        print(f"{name:38} {value:10.0f} {ratio:10.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "python": platform.python_version(),
                "rounds": args.rounds,
                "calls": args.calls,
                "median_us": med,
                "ratios": {name: round(ratio, 3) for name, _, ratio in rows},
                "runs_us": runs,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
