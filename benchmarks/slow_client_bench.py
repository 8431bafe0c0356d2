"""Slow-client benchmark: normal evaluate latency while 20 slow clients are connected,
straight to gunicorn and through the buffering proxy (docker/nginx.conf), SPEC §7.2.

gthread workers read a request in a worker thread, with no time limit: a client that
sends its request a byte at a time holds that thread. With gunicorn's defaults (3 workers ×
4 threads = 12 threads), 20 such clients hold them all. nginx reads each request whole
before it opens a connection to gunicorn, so there the slow clients cost only nginx
connections. The script

1. migrates a scratch SQLite database and loads the README's example promotions,
2. starts gunicorn on 127.0.0.1 (``--workers`` × ``--threads``) and nginx on 127.0.0.1 with
   docker/nginx.conf (only the upstream address, the listen address and the scratch paths
   changed; nginx from Debian's ``nginx-light`` package; this script installs nothing),
3. per target (direct, proxy): ``--clients`` normal clients post the README's evaluate for
   ``--duration`` seconds, each with a ``--timeout`` second client timeout, first alone,
   then with ``--slow`` slow clients trickling their request (half the headers, half the
   body) one byte every ``--trickle`` seconds; a slow client the server drops reconnects,
4. prints a table, writes ``benchmarks/results/slow_clients.json``, stops both servers.

Only loopback is used; every loop is bounded by ``--duration``.

    python benchmarks/slow_client_bench.py --duration 10 --slow 20
"""

from __future__ import annotations

import argparse
import http.client
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
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "slow_clients.json"
REQUEST = (ROOT / "docs" / "examples" / "evaluate-request.json").read_bytes()
PATH = "/api/1.0/promotions/evaluate/"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds per phase (1-60)")
    p.add_argument("--slow", type=int, default=20, help="slow connections (1-200)")
    p.add_argument("--clients", type=int, default=4, help="normal clients (1-32)")
    p.add_argument("--timeout", type=float, default=2.0, help="normal client timeout, s")
    p.add_argument("--trickle", type=float, default=1.0, help="seconds between slow bytes")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    p.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--output", type=Path, default=RESULTS)
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(port: int, what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health_check/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{what} did not become healthy:\n{log.read_text()[-3000:]}")


def _nginx_conf(work: Path, upstream: int, listen: int) -> Path:
    """docker/nginx.conf with loopback addresses and scratch paths; nothing else changed."""
    text = (ROOT / "docker" / "nginx.conf").read_text()
    replacements = [
        (r"server promo:8001;", f"server 127.0.0.1:{upstream};"),
        (r"listen 8080;", f"listen 127.0.0.1:{listen};"),
        (r"/tmp/", f"{work}/"),
        (r"error_log /dev/stderr", f"error_log {work}/nginx-error.log"),
    ]
    for pattern, new in replacements:
        text, count = re.subn(pattern, new, text)
        if not count:
            sys.exit(f"docker/nginx.conf has no {pattern!r}: update this benchmark")
    conf = work / "nginx.conf"
    conf.write_text(text)
    return conf


def _slow_client(
    port: int, kind: str, trickle: float, stop: threading.Event, stats: dict[str, int]
) -> None:
    """Keeps one half-sent request open until ``stop``; reconnects when dropped."""
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(REQUEST)}\r\n\r\n"
    ).encode()
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                stats["connections"] += 1
                if kind == "body":
                    sock.sendall(head)  # headers at once, then the body a byte at a time
                    pending = REQUEST
                else:
                    pending = head + REQUEST  # even the headers a byte at a time
                for byte in pending[:-1]:  # never the last byte: the request never completes
                    sock.sendall(bytes([byte]))
                    if stop.wait(trickle):
                        return
        except OSError:
            stats["dropped"] += 1
            stop.wait(0.1)


def _normal_client(port: int, timeout: float, until: float, out: list[tuple[float, str]]) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("POST", PATH, body=REQUEST, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            ok = response.status == 200 and b'"10.000"' in body
            out.append((time.perf_counter() - started, "ok" if ok else f"http {response.status}"))
        except TimeoutError:
            out.append((time.perf_counter() - started, "timeout"))
        except OSError as exc:
            out.append((time.perf_counter() - started, type(exc).__name__))


def _phase(port: int, args: argparse.Namespace, slow: int) -> dict[str, Any]:
    stop = threading.Event()
    slow_stats = {"connections": 0, "dropped": 0}
    slow_threads = [
        threading.Thread(
            target=_slow_client,
            args=(port, "headers" if i % 2 else "body", args.trickle, stop, slow_stats),
            daemon=True,
        )
        for i in range(slow)
    ]
    for t in slow_threads:
        t.start()
    if slow:
        time.sleep(min(2.0, args.duration / 4))  # the slow clients are in place first
    results: list[tuple[float, str]] = []
    until = time.monotonic() + args.duration
    clients = [
        threading.Thread(target=_normal_client, args=(port, args.timeout, until, results))
        for _ in range(args.clients)
    ]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    stop.set()
    for t in slow_threads:
        t.join(10)
    ok = sorted(s for s, outcome in results if outcome == "ok")
    failures: dict[str, int] = {}
    for _, outcome in results:
        if outcome != "ok":
            failures[outcome] = failures.get(outcome, 0) + 1

    def ms(q: float) -> float | None:
        if not ok:
            return None
        return round(1000 * ok[min(len(ok) - 1, int(q * len(ok)))], 1)

    return {
        "slow_connections": slow,
        "requests": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "failure_kinds": failures,
        "failed_share": round((len(results) - len(ok)) / len(results), 3) if results else None,
        "p50_ms": ms(0.50),
        "p99_ms": ms(0.99),
        "max_ms": ms(1.0),
        "mean_ms": round(1000 * statistics.fmean(ok), 1) if ok else None,
        "slow_client_connections": slow_stats["connections"],
        "slow_clients_dropped": slow_stats["dropped"],
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def main() -> int:
    args = _parser().parse_args()
    if not (1 <= args.duration <= 60 and 1 <= args.slow <= 200 and 1 <= args.clients <= 32):
        sys.exit("--duration 1-60, --slow 1-200, --clients 1-32")
    if not Path(args.nginx).exists():
        sys.exit(f"nginx not found at {args.nginx} (apt-get install -y nginx-light)")
    work = Path(tempfile.mkdtemp(prefix="mspromo-slow-"))
    os.chmod(work, 0o755)
    env = {
        **os.environ,
        "MSPROMO_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_LOGLEVEL": "warning",
        "DEPLOYMENT_ENV": "test",
        "HOME": str(work),
    }
    cli = [sys.executable, "-m", "mspromo_service.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "load-examples"], env=env, check=True, capture_output=True)
    g_port, n_port = _free_port(), _free_port()
    g_log, n_log = work / "gunicorn.log", work / "nginx-error.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with g_log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "python:mspromo_service.gunicorn_conf",
                        "mspromo_service.wsgi:app",
                    ],
                    env={**env, "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{g_port}"},
                    cwd=work,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_healthy(g_port, "gunicorn", procs[0], g_log)
        conf = _nginx_conf(work, g_port, n_port)
        procs.append(
            subprocess.Popen(
                [args.nginx, "-c", str(conf), "-p", str(work), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        _wait_healthy(n_port, "nginx", procs[1], n_log)
        runs: dict[str, dict[str, Any]] = {}
        for target, port in (("direct", g_port), ("proxy", n_port)):
            for slow in (0, args.slow):
                key = f"{target}, {slow} slow"
                print(f"… {key}", file=sys.stderr, flush=True)
                runs[key] = {"target": target, **_phase(port, args, slow)}
                time.sleep(1)  # let the server settle between phases
    finally:
        for proc in reversed(procs):
            _stop(proc)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\n{args.clients} normal clients, timeout {args.timeout:g} s, {args.duration:g} s per "
        f"phase; gunicorn {args.workers}×{args.threads} gthread; slow: 1 byte/{args.trickle:g} s"
    )
    header = (
        f"{'phase':<18}{'requests':>9}{'ok':>7}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for key, r in runs.items():
        cells = [r["p50_ms"], r["p99_ms"], r["max_ms"]]
        text = "".join(f"{'-' if c is None else c:>9}" for c in cells)
        print(f"{key:<18}{r['requests']:>9}{r['ok']:>7}{r['failed']:>8}{text}")
    nginx_version = subprocess.run(
        [args.nginx, "-v"], capture_output=True, text=True, check=False
    ).stderr.strip()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "slow_clients",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_1m": round(os.getloadavg()[0], 2),
                    "nginx": nginx_version,
                },
                "settings": {
                    k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                },
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nwrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
