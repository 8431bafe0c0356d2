"""HTTP benchmark: evaluate requests/s and p99 latency through real gunicorn + MariaDB/MySQL.

Needs ``wrk`` on the PATH (Debian/Ubuntu: ``apt-get install -y wrk``); this script installs
nothing. It

1. creates a scratch database on the MySQL/MariaDB server (``--mysql-url``), migrates it and
   loads one store with ``--promotions`` promotions of the engine benchmark's seeded store
   (``benchmarks/store.py``),
2. starts gunicorn on 127.0.0.1 with ``benchmarks/http_wsgi.py`` (the app plus an echo
   route),
3. runs wrk against ``/api/1.0/promotions/evaluate/`` and ``/bench/echo`` with the same
   payload, for ``--duration`` seconds each after a short warm-up,
4. prints a table, writes ``benchmarks/results/http.json``, stops gunicorn and drops the
   database.

    python benchmarks/http_bench.py --duration 10 --connections 16
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "http.json"
STORE_ID = "bench-1"
RETAILER = "bench"
AT = "2026-11-25T10:00:00Z"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run (1-120)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    p.add_argument("--promotions", type=int, default=5000)
    p.add_argument("--lines", type=int, default=40, help="basket lines per request")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--mysql-url",
        default=os.environ.get("MSPROMO_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/"),
        help="server URL; a scratch database is created on it and dropped afterwards",
    )
    p.add_argument("--output", type=Path, default=RESULTS)
    return p


# ---------------------------------------------------------------------------------------
# Scenario


def _scenario(n: int, lines: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
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


def _create_database(server_url: str) -> str:
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


def _drop_database(url: str) -> None:
    import sqlalchemy as sa

    u = sa.make_url(url)
    admin = sa.create_engine(u.set(database=None), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{u.database}`"))
    admin.dispose()


def _load(url: str, promotions: list[dict[str, Any]]) -> float:
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
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_LOGLEVEL": "warning",
        "MSPROMO_DATABASE_URL": url,
        "DEPLOYMENT_ENV": "test",  # open writes, no token: allowed in a test deployment
    }
    env.pop("MSPROMO_ADMIN_TOKEN", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:mspromo_service.gunicorn_conf",
            "--access-logfile",
            "/dev/null",
            "http_wsgi:app",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


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
    promotions, request = _scenario(args.promotions, args.lines, args.seed)
    source = "benchmarks/store.py"
    payload = json.dumps(request).encode()
    try:
        url = _create_database(args.mysql_url)
    except Exception as exc:
        print(f"http_bench: cannot create a database on {args.mysql_url}: {exc}", file=sys.stderr)
        return 2
    proc = None
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in the finally below
        prefix="http_bench_gunicorn_", suffix=".log", delete=False
    )
    try:
        load_s = _load(url, promotions)
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
        results: dict[str, Any] = {}
        for name, path in (("evaluate", "/api/1.0/promotions/evaluate/"), ("echo", "/bench/echo")):
            _wrk(base, path, payload, min(2, args.duration), args)  # warm-up
            results[name] = _wrk(base, path, payload, args.duration, args)
    finally:
        if proc is not None:
            _stop(proc)
        log.close()
        _drop_database(url)

    print(
        f"\nstore: {len(promotions)} promotions; basket: {args.lines} lines, "
        f"{len(payload)} bytes, discount {discount}"
    )
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads; wrk: "
        f"{args.connections} connections, {args.duration}s\n"
    )
    print(f"{'route':<10} {'req/s':>10} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'non-2xx':>8}")
    for name, r in results.items():
        print(
            f"{name:<10} {r['requests_per_s']:>10.1f} {r['p50_ms']:>9.2f} {r['p90_ms']:>9.2f} "
            f"{r['p99_ms']:>9.2f} {r['non_2xx']:>8}"
        )
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "database": "mysql/mariadb",
        "scenario": {
            "promotions": len(promotions),
            "source": source,
            "basket_lines": args.lines,
            "payload_bytes": len(payload),
            "basket_discount": discount,
        },
        "server": {"workers": args.workers, "threads": args.threads},
        "load": {
            "connections": args.connections,
            "duration_s": args.duration,
            "wrk_threads": args.wrk_threads,
        },
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    bad = [n for n, r in results.items() if r["non_2xx"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
