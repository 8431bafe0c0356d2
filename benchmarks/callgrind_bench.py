"""Instructions per evaluate request, phase by phase, counted by callgrind.

    python benchmarks/callgrind_bench.py                       # this tree, 40 lines
    python benchmarks/callgrind_bench.py --src /tmp/before/src --lines 20 40 200

Instruction counts (``Ir``) do not depend on what else the machine is doing, so two trees
can be compared on a busy machine. For each basket size one script runs under
``valgrind --tool=callgrind``: setup (compile the benchmark's 5,000-promotion store, make
the baskets, answer each once so every cache is warm), then one pass over the baskets per
phase, each phase counted apart (callgrind's ``--dump-before``), divided by the baskets.

Phases: ``floor`` (``json.loads`` of the request text + ``json.dumps`` of the
response), ``decode`` (``request_from_wire``), ``evaluate`` (the engine on the decoded
request), ``encode`` (``evaluation_to_wire``) and ``evaluate_json`` (all three, as the
service calls it). Results: ``benchmarks/results/callgrind.json`` (``--out``). Needs
``valgrind``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PHASES = ("floor", "decode", "evaluate", "encode", "evaluate_json")


def workload(lines: int, baskets: int) -> None:
    """Runs inside valgrind: setup, then one pass of each phase, ``os.getppid()`` between
    them (callgrind dumps and zeroes its counters on each call: one file per phase)."""
    sys.path.insert(0, str(HERE))
    from mspromo_engine import (
        RuleSet,
        evaluate,
        evaluate_json,
        evaluation_to_wire,
        request_from_wire,
    )
    from store import Store

    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    store = Store(seed=7)
    rules = RuleSet.compile(store.promotions(5_000))
    bodies = [store.basket(lines, 500 + s) for s in range(baskets)]
    texts = [json.dumps(b) for b in bodies]
    requests = [request_from_wire(b, now=now) for b in bodies]
    evaluations = [evaluate(r, rules) for r in requests]
    responses = [evaluate_json(b, rules, now=now) for b in bodies]
    os.getppid()  # end of setup
    for text, response in zip(texts, responses, strict=True):
        json.loads(text)
        json.dumps(response)
    os.getppid()  # end of floor
    for body in bodies:
        request_from_wire(body, now=now)
    os.getppid()  # end of decode
    for request in requests:
        evaluate(request, rules)
    os.getppid()  # end of evaluate
    for evaluation in evaluations:
        evaluation_to_wire(evaluation)
    os.getppid()  # end of encode
    for body in bodies:
        evaluate_json(body, rules, now=now)
    os.getppid()  # end of evaluate_json


def _instructions(src: Path, lines: int, baskets: int) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--workload",
                "--lines",
                str(lines),
                "--baskets",
                str(baskets),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        counts = []
        for n in range(1, len(PHASES) + 2):  # setup, the phases, then the exit
            text = Path(f"{out}.{n}").read_text()
            total = next(x for x in text.splitlines() if x.startswith(("summary:", "totals:")))
            counts.append(int(total.split()[1]))
    return dict(zip(PHASES, counts[1 : len(PHASES) + 1], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=HERE.parent / "src", help="tree's src/")
    parser.add_argument("--lines", type=int, nargs="+", default=[40])
    parser.add_argument("--baskets", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "callgrind.json")
    parser.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        workload(args.lines[0], args.baskets)
        return
    results: dict[str, Any] = {
        "generated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "src": str(args.src.resolve()),
        "command": " ".join(["python", "benchmarks/callgrind_bench.py", *sys.argv[1:]]),
        "baskets": args.baskets,
        "sizes": {},
    }
    for lines in args.lines:
        counts = _instructions(args.src.resolve(), lines, args.baskets)
        row = {phase: round(n / args.baskets / 1e6, 3) for phase, n in counts.items()}
        row["evaluate_json_over_floor"] = round(row["evaluate_json"] / row["floor"], 2)
        results["sizes"][str(lines)] = row
        cells = "  ".join(f"{k} {v}" for k, v in row.items())
        print(f"{lines} lines, M instructions per request: {cells}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
