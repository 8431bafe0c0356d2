"""Do two source trees give byte-identical answers? The gate for performance work.

    python benchmarks/same_answers.py --before /tmp/before/src      # default: 2,400 cases
    python benchmarks/same_answers.py --before /tmp/before/src --quick

The requests are generated once, here, and written to a file: baskets of 5 to 200 lines
on the benchmark's seeded 5,000-promotion store (benchmarks/store.py), with sale prices,
``explain`` and ``keep_zero_discount_promos`` varied; hypothesis scenarios of every family
(loyalty, coupons, usage limits and counts, three-decimal currencies, on-the-fly
promotions); and invalid requests made by breaking valid ones. Each tree then answers
every request in its own process (``PYTHONPATH=<tree>``): the response, or the error body
of the ``ValidationError`` (paths, messages, ``errors_omitted``). The answers'
``json.dumps`` texts (key order included) are compared case by case; the first
differences are written out in full. Exit status 0 only when every answer is the same.

"Before" is usually ``git archive <commit> src | tar -x -C /tmp/before``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AFTER_SRC = HERE.parent / "src"
NOW = "2026-11-25T10:00:00+00:00"

# ---------------------------------------------------------------------------------------
# Generating the cases (this process, the current tree's generators)


def _store_cases(rng: random.Random, count: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(HERE))
    from store import Store

    store = Store(seed=7)
    cases = []
    sizes = [5, 12, 20, 40, 40, 40, 200]
    for k in range(count):
        lines = sizes[k % len(sizes)] if k % 25 else 200
        body = store.basket(lines, 1_000 + k)
        for item in body["basket"]["items"]:
            if rng.random() < 0.15:  # a sale price below mrp
                mrp = float(item["mrp"])
                item["sp"] = f"{max(0.01, mrp * rng.choice([0.5, 0.8, 0.95])):.2f}"
        if rng.random() < 0.3:
            body["explain"] = True
        if rng.random() < 0.3:
            body["keep_zero_discount_promos"] = True
        cases.append({"store": "bench", "request": body})
    return cases


def _draw(strategy: Any, count: int) -> list[Any]:
    """``count`` examples of a hypothesis strategy, the same ones on every run."""
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Any) -> None:
        drawn.append(example)

    collect()
    return drawn


def _scenario_cases(count: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from mspromo_engine.testing.strategies import scenarios

    stores: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    kinds = [
        {"max_promotions": 4, "max_lines": 5, "mixed_participation": True},
        {"max_promotions": 8, "max_lines": 8},
        {"max_promotions": 4, "max_lines": 5, "decimals": 3},
        {"max_promotions": 12, "max_lines": 10, "mixed_participation": True},
    ]
    per_kind = max(1, count // len(kinds))
    for n, kind in enumerate(kinds):
        drawn = _draw(scenarios(**kind), per_kind)
        for i, scenario in enumerate(drawn):
            name = f"s{n}-{i}"
            stores[name] = {
                "decimals": int(scenario.request["currency_decimals"]),
                "promotions": list(scenario.promotions),
            }
            keys = [(p["retailer"], p["promo_id_retailer"]) for p in scenario.promotions]
            usage = {
                "redemptions": [[r, p, 1 + (i + j) % 3] for j, (r, p) in enumerate(keys)],
                "customer": [[r, p, (i + j) % 2] for j, (r, p) in enumerate(keys)],
            }
            cases.append({"store": name, "request": scenario.request})
            cases.append({"store": name, "request": scenario.request, "usage": usage})
    return cases, stores


_JUNK: list[Any] = [
    None,
    True,
    -1,
    0,
    "",
    "abc",
    "1e999999",
    "9" * 400,
    1.5,
    [],
    {},
    "\ud800",
    "NaN",
    "-0.01",
    "2026-13-40T99:00:00Z",
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += _paths(inner, (*path, index))
    return out


def _broken(rng: random.Random, body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    for _ in range(rng.choice([1, 1, 2, 5])):
        paths = _paths(body)
        if not paths:
            break
        path = rng.choice(paths)
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = rng.choice(_JUNK)
    if rng.random() < 0.05:
        body["unknown_field"] = 1
    return body


def generate(quick: bool) -> dict[str, Any]:
    rng = random.Random(15)
    store_cases = _store_cases(rng, 60 if quick else 600)
    scenario_cases, stores = _scenario_cases(100 if quick else 800)
    valid = store_cases + scenario_cases
    invalid = [
        {**case, "request": _broken(rng, case["request"]), "usage": None}
        for case in rng.sample(valid, min(len(valid), 80 if quick else 600))
    ]
    floods = [  # many bad lines at once: error caps and errors_omitted
        {
            "store": "bench",
            "request": {
                "store_id": "s-1",
                "basket": {"id": "b", "items": [{"sku": i, "qty": "x"} for i in range(300)]},
            },
        }
    ]
    return {"stores": stores, "cases": valid + invalid + floods}


# ---------------------------------------------------------------------------------------
# Answering the cases (a child process per tree)


def answer(cases_file: Path, out_file: Path) -> None:
    from datetime import datetime

    from mspromo_engine import (
        RuleSet,
        UsageCounts,
        ValidationError,
        evaluate_json,
        promotion_from_wire,
    )

    sys.path.insert(0, str(HERE))
    from store import Store

    data = json.loads(cases_file.read_text())
    now = datetime.fromisoformat(NOW)
    rules = {"bench": RuleSet.compile(Store(seed=7).promotions(5_000))}
    for name, store in data["stores"].items():
        rules[name] = RuleSet.compile(
            promotion_from_wire(w, currency_decimals=store["decimals"]) for w in store["promotions"]
        )
    lines = []
    started = time.process_time()
    for case in data["cases"]:
        usage = case.get("usage")
        counts = (
            UsageCounts(
                redemptions={(r, p): n for r, p, n in usage["redemptions"]},
                customer_redemptions={(r, p): n for r, p, n in usage["customer"]},
            )
            if usage
            else UsageCounts()
        )
        try:
            result: Any = {
                "ok": evaluate_json(case["request"], rules[case["store"]], now=now, usage=counts)
            }
        except ValidationError as error:
            result = {"error": error.as_body()}
        lines.append(json.dumps(result))
    seconds = time.process_time() - started
    out_file.write_text(json.dumps({"answers": lines, "cpu_seconds": seconds}))


def _run_tree(src: Path, cases_file: Path, out_file: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    subprocess.run(
        [sys.executable, __file__, "--answer", str(cases_file), str(out_file)],
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(out_file.read_text())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="the other tree's src/ directory")
    parser.add_argument("--after", type=Path, default=AFTER_SRC, help="default: this tree")
    parser.add_argument("--quick", action="store_true", help="about 400 cases")
    parser.add_argument("--answer", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answer:
        answer(*args.answer)
        return
    if args.before is None:
        parser.error("--before is required")
    work = Path(tempfile.mkdtemp(prefix="same-answers-"))
    cases_file = work / "cases.json"
    data = generate(args.quick)
    cases_file.write_text(json.dumps(data))
    before = _run_tree(args.before.resolve(), cases_file, work / "before.json")
    after = _run_tree(args.after.resolve(), cases_file, work / "after.json")
    pairs = list(zip(before["answers"], after["answers"], strict=True))
    differ = [i for i, (b, a) in enumerate(pairs) if b != a]
    errors = sum(1 for a in after["answers"] if a.startswith('{"error"'))
    digest = hashlib.sha256("\n".join(after["answers"]).encode()).hexdigest()
    print(f"{len(pairs)} cases ({errors} answered with errors); answers sha256 {digest[:16]}")
    print(
        f"cpu seconds answering: before {before['cpu_seconds']:.2f}, "
        f"after {after['cpu_seconds']:.2f}"
    )
    if not differ:
        print("identical: every answer is byte for byte the same")
        return
    for i in differ[:5]:
        (work / f"diff-{i}.json").write_text(
            json.dumps(
                {
                    "case": data["cases"][i],
                    "before": json.loads(pairs[i][0]),
                    "after": json.loads(pairs[i][1]),
                },
                indent=1,
            )
        )
    print(f"DIFFERENT: {len(differ)} of {len(pairs)} answers; first cases {differ[:10]}")
    print(f"full cases and both answers: {work}/diff-<case>.json")
    sys.exit(1)


if __name__ == "__main__":
    main()
