"""HTTP benchmark: evaluate requests/s and p99 latency through real gunicorn + MariaDB/MySQL.

Needs ``wrk`` on the PATH (Debian/Ubuntu: ``apt-get install -y wrk``); this script installs
nothing. It

1. creates a scratch database on the MySQL/MariaDB server (``--mysql-url``), migrates it and
   loads one store with ``--promotions`` promotions of the engine benchmark's seeded store
   (``benchmarks/store.py``),
2. starts gunicorn on 127.0.0.1 with ``benchmarks/http_wsgi.py`` (the app plus an echo
   route),
3. runs wrk against ``/api/1.0/promotions/evaluate/`` and ``/bench/echo`` with the same
   payload, after a short warm-up of each, in ``--rounds`` interleaved rounds (evaluate,
   echo, evaluate, echo, ...) of ``--duration`` seconds a run, so that the machine's load
   hits both routes alike and the evaluate/echo throughput ratio comes from one run,
4. prints each round (requests/s, p50, p99, the round's ratio) and the medians, writes
   ``benchmarks/results/http.json``, stops gunicorn and drops the database.

Gunicorn runs with the shipped settings (``mspromo_service.gunicorn_conf``: 3 gthread
workers x 4 threads, log level ``info`` with the app's JSON access line per request,
``max_requests``, keepalive, preload) unless ``--workers``, ``--threads`` or
``--loglevel`` say otherwise; only the bind address is the benchmark's own.

    python benchmarks/http_bench.py --duration 10 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from http_common import (  # type: ignore[import-not-found]
    DEFAULT_SERVER_URL,
    HERE,
    create_database,
    drop_database,
    load,
    scenario,
)

RESULTS = HERE / "results" / "http.json"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run (1-120)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved evaluate/echo rounds")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--workers", type=int, help="gunicorn workers (default: shipped, 3)")
    p.add_argument("--threads", type=int, help="threads per worker (default: shipped, 4)")
    p.add_argument("--loglevel", help="GUNICORN_LOGLEVEL (default: shipped, info)")
    p.add_argument("--promotions", type=int, default=5000)
    p.add_argument("--lines", type=int, default=40, help="basket lines per request")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--mysql-url",
        default=os.environ.get("MSPROMO_BENCH_MYSQL_URL", DEFAULT_SERVER_URL),
        help="server URL; a scratch database is created on it and dropped afterwards",
    )
    p.add_argument("--output", type=Path, default=RESULTS)
    return p


# ---------------------------------------------------------------------------------------
# Server and wrk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _post(base: str, path: str, body: bytes) -> tuple[int, Any]:
    req = urllib.request.Request(base + path, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:500]


def _start_gunicorn(
    url: str, port: int, args: argparse.Namespace, log: Any
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "MSPROMO_DATABASE_URL": url,
        "DEPLOYMENT_ENV": "test",  # open writes, no token: allowed in a test deployment
    }
    for name, value in (
        ("GUNICORN_WORKERS", args.workers),
        ("GUNICORN_THREADS", args.threads),
        ("GUNICORN_LOGLEVEL", args.loglevel),
    ):
        if value is not None:
            env[name] = str(value)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:mspromo_service.gunicorn_conf",
            "http_wsgi:app",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


# Settings of the served app that the benchmark leaves at their shipped defaults unless an
# option names them (a value inherited from the caller's shell would skew the comparison).
_SERVER_ENV = frozenset(
    {
        "GUNICORN_WORKERS",
        "GUNICORN_THREADS",
        "GUNICORN_LOGLEVEL",
        "GUNICORN_ACCESS_LOG",
        "MSPROMO_ADMIN_TOKEN",
        "STATSD_HOST",
        "LOG_DIR",
    }
)


def _server_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The gunicorn settings the served app runs with (``gunicorn_conf``'s defaults unless
    an option overrides them)."""
    from mspromo_service import gunicorn_conf as conf

    return {
        "workers": args.workers or conf.workers,
        "threads": args.threads or conf.threads,
        "loglevel": (args.loglevel or conf.loglevel).lower(),
        "worker_class": conf.worker_class,
        "keepalive": conf.keepalive,
        "max_requests": conf.max_requests,
        "preload_app": conf.preload_app,
        "shipped": args.workers is None and args.threads is None and args.loglevel is None,
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(STOP_TIMEOUT)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not m:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def _wrk(
    base: str, path: str, body: bytes, seconds: int, args: argparse.Namespace
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "--latency",
                "-t",
                str(args.wrk_threads),
                "-c",
                str(args.connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base + path,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    return {
        "requests_per_s": rps,
        "p50_ms": _ms(pct["50"]),
        "p90_ms": _ms(pct["90"]),
        "p99_ms": _ms(pct["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else None,
    }


ROUTES = (("evaluate", "/api/1.0/promotions/evaluate/"), ("echo", "/bench/echo"))


def _rounds(base: str, payload: bytes, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Warm both routes up, then run them alternately: one evaluate and one echo run per
    round, each round's ratio from runs seconds apart."""
    for _name, path in ROUTES:
        _wrk(base, path, payload, min(2, args.duration), args)
    rounds = []
    for n in range(1, args.rounds + 1):
        run = {name: _wrk(base, path, payload, args.duration, args) for name, path in ROUTES}
        ratio = run["evaluate"]["requests_per_s"] / run["echo"]["requests_per_s"]
        rounds.append({"round": n, **run, "ratio": round(ratio, 4)})
        print(
            f"round {n}: evaluate {run['evaluate']['requests_per_s']:.1f} req/s, "
            f"echo {run['echo']['requests_per_s']:.1f} req/s, ratio {ratio:.3f}",
            file=sys.stderr,
        )
    return rounds


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _path in ROUTES:
        runs = [r[name] for r in rounds]
        out[name] = {
            key: round(statistics.median(run[key] for run in runs), 2)
            for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms")
        }
        out[name]["non_2xx"] = sum(run["non_2xx"] for run in runs)
    ratios = [r["ratio"] for r in rounds]
    out["ratio_median"] = round(statistics.median(ratios), 4)
    out["ratio_range"] = [min(ratios), max(ratios)]
    return out


def _print(rounds: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    head = f"{'round':>5}  {'route':<9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}"
    print(f"{head} {'non-2xx':>7}  evaluate/echo")
    for r in rounds:
        for name, _path in ROUTES:
            run = r[name]
            ratio = f"{r['ratio']:.3f}" if name == "echo" else ""
            print(
                f"{r['round']:>5}  {name:<9} {run['requests_per_s']:>9.1f} {run['p50_ms']:>8.2f} "
                f"{run['p90_ms']:>8.2f} {run['p99_ms']:>8.2f} {run['non_2xx']:>7}  {ratio}"
            )
    for name, _path in ROUTES:
        m = summary[name]
        print(
            f"{'med':>5}  {name:<9} {m['requests_per_s']:>9.1f} {m['p50_ms']:>8.2f} "
            f"{m['p90_ms']:>8.2f} {m['p99_ms']:>8.2f} {m['non_2xx']:>7}"
        )
    low, high = summary["ratio_range"]
    print(
        f"\nevaluate/echo throughput: median {summary['ratio_median']:.3f} "
        f"(rounds {low:.3f}-{high:.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    args, _unknown = _parser().parse_known_args(argv)  # nox passes the engine bench's args too
    if shutil.which("wrk") is None:
        print(
            "http_bench: `wrk` is not installed; install it (Debian/Ubuntu: "
            "`apt-get install -y wrk`) and run again.",
            file=sys.stderr,
        )
        return 2
    args.duration = max(1, min(args.duration, 120))
    args.rounds = max(1, args.rounds)
    for name in _SERVER_ENV:  # the shipped settings, not whatever this shell exports
        os.environ.pop(name, None)
    server = _server_settings(args)
    promotions, request = scenario(args.promotions, args.lines, args.seed)
    source = "benchmarks/store.py"
    payload = json.dumps(request).encode()
    try:
        url = create_database(args.mysql_url)
    except Exception as exc:
        print(f"http_bench: cannot create a database on {args.mysql_url}: {exc}", file=sys.stderr)
        return 2
    proc = None
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in the finally below
        prefix="http_bench_gunicorn_", suffix=".log", delete=False
    )
    ok = False
    try:
        load_s = load(url, promotions)
        print(f"loaded {len(promotions)} promotions ({source}) in {load_s:.1f}s", file=sys.stderr)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _start_gunicorn(url, port, args, log)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {log.name}")
            try:
                status, body = _post(base, "/api/1.0/promotions/evaluate/", payload)
                if status == 200:
                    break
                raise RuntimeError(f"evaluate answered {status}: {body!r}")
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer in time") from None
                time.sleep(0.3)
        discount = body["basket"]["discount"]
        status, echoed = _post(base, "/bench/echo", payload)
        assert status == 200 and echoed == json.loads(payload), "echo route broken"
        rounds = _rounds(base, payload, args)
        ok = True
    finally:
        if proc is not None:
            _stop(proc)
        log.close()
        if ok:  # the app's access lines (log level info): kept only when something failed
            os.unlink(log.name)
        drop_database(url)

    summary = _summary(rounds)
    print(
        f"\nstore: {len(promotions)} promotions; basket: {args.lines} lines, "
        f"{len(payload)} bytes, discount {discount}"
    )
    shipped = "shipped settings" if server["shipped"] else "NOT the shipped settings"
    print(
        f"gunicorn: {server['workers']} {server['worker_class']} workers x "
        f"{server['threads']} threads, log level {server['loglevel']} ({shipped}); "
        f"wrk: {args.connections} connections, {args.duration}s a run, "
        f"{args.rounds} rounds\n"
    )
    _print(rounds, summary)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        # Other work on the machine lowers both routes' throughput: the 1-minute load
        # average at the end (this run's own load included).
        "load_average_1m": os.getloadavg()[0],
        "database": "mysql/mariadb",
        "scenario": {
            "promotions": len(promotions),
            "source": source,
            "basket_lines": args.lines,
            "payload_bytes": len(payload),
            "basket_discount": discount,
        },
        "server": server,
        "load": {
            "connections": args.connections,
            "duration_s": args.duration,
            "wrk_threads": args.wrk_threads,
            "rounds": args.rounds,
        },
        "rounds": rounds,
        "results": summary,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return 1 if any(summary[name]["non_2xx"] for name, _path in ROUTES) else 0


if __name__ == "__main__":
    sys.exit(main())
