"""Hostile-input benchmark (SPEC §7.1): per kind of attack, the answer time and the
worker's peak RSS, through real gunicorn on loopback (one worker, one thread, SQLite).

Before each request the worker's peak RSS is reset (``/proc/PID/clear_refs``), so each
row's peak is what that request cost. The largest valid basket is measured too: SPEC §7.1
wants every request, valid or not, answered within 2 seconds.

    python benchmarks/hostile_bench.py            # prints a table, writes results/hostile.json
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "hostile.json"
TOKEN = "bench-token"
AT = "2026-11-25T10:00:00Z"
EVALUATE = "/api/1.0/promotions/evaluate/"
BULK = "/api/1.0/promotions/bulk_transaction/"
MIB = 1024 * 1024


def _promo(pid: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": "r1",
        "promo_id_retailer": pid,
        "family": "e",
        "discount_type": "v",
        "discount_value": "1",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": ["s-1"],
        "promo_groups": [
            {
                "name": "g1",
                "qty_or_value_min": 1,
                "promo_group_nodes": [{"node_id": "PEN", "node_type": "i"}],
            }
        ],
    }
    out.update(extra)
    return out


def _basket(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"store_id": "s-1", "at": AT, "basket": {"id": "b", "items": items}, **extra}


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _pad_to(body: bytes, size: int) -> bytes:
    # Whitespace after the JSON value keeps it valid and makes the body the wanted size.
    return body + b" " * max(0, size - len(body))


def _kinds() -> list[tuple[str, str, Callable[[], bytes], bool]]:
    """(name, path, body builder, chunked)."""
    line = {"sku": "PEN", "mrp": "15.00", "qty": 1}
    return [
        (
            "qty 1e999999 (125 bytes)",
            EVALUATE,
            lambda: (
                b'{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":"15.00","qty":1e999999}]}}'
            ),
            False,
        ),
        (
            "qty of 4,000 digits",
            EVALUATE,
            lambda: (
                b'{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":"1","qty":'
                + b"9" * 4000
                + b"}]}}"
            ),
            False,
        ),
        (
            "override layer 1e150000",
            EVALUATE,
            lambda: _json(_basket([line], promo_override=[_promo("O1", layer="@")])).replace(
                b'"@"', b"1e150000"
            ),
            False,
        ),
        (
            "1 MB, 350,000 invalid lines",
            EVALUATE,
            lambda: (
                b'{"store_id":"s-1","basket":{"items":[' + b",".join([b"{}"] * 350_000) + b"]}}"
            ),
            False,
        ),
        (
            "10,000 invalid lines (all errors)",
            EVALUATE,
            lambda: _json(_basket([{"sku": "", "mrp": "x", "qty": 0}] * 10_000)),
            False,
        ),
        (
            "10 MiB of invalid override nodes",
            EVALUATE,
            lambda: _json(
                _basket(
                    [line],
                    promo_override=[
                        _promo(
                            f"O{i}",
                            promo_groups=[
                                {
                                    "name": "g1",
                                    "qty_or_value_min": 1,
                                    "promo_group_nodes": [{"node_id": "", "node_type": "zz"}]
                                    * 12_000,
                                }
                            ],
                        )
                        for i in range(20)
                    ],
                )
            )[: 10 * MIB - 1024],
            False,
        ),
        (
            "1 MB store id",
            EVALUATE,
            lambda: _json(_basket([line], store_id="s" * 1_000_000)),
            False,
        ),
        (
            "lone surrogate",
            EVALUATE,
            lambda: b'{"store_id":"\\ud800","basket":{"items":[]}}',
            False,
        ),
        ("1 MB of [ (nesting)", EVALUATE, lambda: b"[" * 1_000_000, False),
        (
            "NaN money",
            EVALUATE,
            lambda: b'{"store_id":"s-1","basket":{"items":[{"sku":"PEN","mrp":NaN,"qty":1}]}}',
            False,
        ),
        ("11 MiB chunked body", EVALUATE, lambda: _pad_to(_json(_basket([line])), 11 * MIB), True),
        (
            "4,000 best-discount overrides",
            EVALUATE,
            lambda: _json(
                _basket(
                    [line] * 40,
                    promo_override=[_promo(f"O{i}", evaluate_criteria="b") for i in range(4_000)],
                )
            ),
            False,
        ),
        (
            "100 best-discount overrides (valid)",
            EVALUATE,
            lambda: _json(
                _basket(
                    [{"sku": "PEN", "mrp": "15.00", "qty": 3}] * 40,
                    promo_override=[_promo(f"O{i}", evaluate_criteria="b") for i in range(100)],
                )
            ),
            False,
        ),
        (
            "largest valid basket: 10,000 lines, 100,000 units",
            EVALUATE,
            lambda: _json(
                _basket([{"sku": f"S{i % 500}", "mrp": "2.50", "qty": 10} for i in range(10_000)])
            ),
            False,
        ),
        (
            "10,001 bulk ops",
            BULK,
            lambda: _json(
                {
                    "retailer": "r1",
                    "ops": [{"action": "d", "promo_id_retailer": "P1", "store_id": "s-1"}] * 10_001,
                }
            ),
            False,
        ),
        (
            "10,000 invalid bulk ops",
            BULK,
            lambda: _json(
                {
                    "retailer": "r1",
                    "ops": [{"action": "u", "promo_id_retailer": "P1", "header": {"layer": "x"}}]
                    * 10_000,
                }
            ),
            False,
        ),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _send(port: int, path: str, body: bytes, chunked: bool) -> tuple[int, int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    started = time.perf_counter()
    if chunked:
        conn.putrequest("POST", path)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for i in range(0, len(body), 64 * 1024):
                piece = body[i : i + 64 * 1024]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered 413 and closed before the whole body was sent
    else:
        conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    answer = resp.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return resp.status, len(answer), elapsed


def main() -> int:
    sys.path.insert(0, str(HERE.parent / "src"))
    from mspromo_service.migrations import upgrade

    work = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    url = f"sqlite:///{work / 'db.sqlite3'}"
    upgrade(url, "head")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE.parent / "src"),
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "MSPROMO_DATABASE_URL": url,
        "MSPROMO_ADMIN_TOKEN": TOKEN,
        "HOME": str(work),
        "XDG_RUNTIME_DIR": "",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:mspromo_service.gunicorn_conf",
            "--timeout",
            "120",
            "mspromo_service.wsgi:app",
        ],
        env=env,
        cwd=work,
        stdout=(work / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rows: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health_check/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        created = _send(port, "/api/1.0/promotions/", _json(_promo("P1")), False)
        assert created[0] == 201, created
        worker = _worker_pid(proc.pid)
        _send(port, EVALUATE, _json(_basket([{"sku": "PEN", "mrp": "1", "qty": 1}])), False)
        baseline = _rss_kib(worker, "VmRSS")
        print(
            f"worker {worker}: {baseline / 1024:.0f} MiB RSS after warm-up; "
            f"load average {os.getloadavg()[0]:.1f}\n"
        )
        print(
            f"{'kind':<52} {'bytes':>10} {'status':>6} {'seconds':>8} "
            f"{'answer B':>9} {'peak RSS MiB':>12}"
        )
        for name, path, build, chunked in _kinds():
            body = build()
            Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak RSS
            status, answer_bytes, seconds = _send(port, path, body, chunked)
            peak = _rss_kib(worker, "VmHWM") / 1024
            rows.append(
                {
                    "kind": name,
                    "request_bytes": len(body),
                    "status": status,
                    "seconds": round(seconds, 4),
                    "answer_bytes": answer_bytes,
                    "peak_rss_mib": round(peak, 1),
                    "chunked": chunked,
                }
            )
            print(
                f"{name:<52} {len(body):>10} {status:>6} {seconds:>8.3f} "
                f"{answer_bytes:>9} {peak:>12.1f}"
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "hostile_bench",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "server": "gunicorn, 1 worker x 1 thread, SQLite, loopback",
                "baseline_rss_mib": round(baseline / 1024, 1),
                "load_average_1m": round(os.getloadavg()[0], 1),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS.relative_to(HERE.parent)}")
    slow = [r["kind"] for r in rows if r["seconds"] >= 2.0]
    if slow:
        print(f"over the 2-second bound: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
