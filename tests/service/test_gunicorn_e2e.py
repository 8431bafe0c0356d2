"""End to end: real gunicorn (2 gthread workers) over a migrated SQLite database."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import basket_request, promo
from live_gunicorn import free_port, running_gunicorn

import response_contract

pytestmark = pytest.mark.integration

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
TOKEN = "e2e-token"


def _call(
    base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            status, hdrs = resp.status, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        raw, status, hdrs = exc.read(), exc.code, dict(exc.headers)
    lowered = {k.lower(): v for k, v in hdrs.items()}
    parsed = json.loads(raw) if raw and "json" in lowered.get("content-type", "") else None
    response_contract.check(method, path, status, lowered.get("content-type"), parsed)
    return status, lowered, parsed if raw else None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    from mspromo_service.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    upgrade(url, "head")
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "MSPROMO_DATABASE_URL": url,
        "MSPROMO_ADMIN_TOKEN": TOKEN,
        "DEPLOYMENT_ENV": "test",
        "LOG_DIR": str(tmp_path / "logs"),
        "SERVICE_NAME": "mspromo-e2e",
        "MSPROMO_RULES_MAX_STALENESS": "1",
        # Where gunicorn 27 would put its shared default control socket (it must not).
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": "",
    }
    with running_gunicorn(
        tmp_path, port, env, start_timeout=START_TIMEOUT, stop_timeout=STOP_TIMEOUT
    ) as base:
        yield base


def test_no_control_socket_shared_between_instances(server: str, tmp_path: Path) -> None:
    # gunicorn 27 defaults to $HOME/.gunicorn/gunicorn.ctl, one path for every instance of
    # the user: stopping one instance removed another's socket. The config turns it off.
    assert _call(server, "GET", "/health_check/")[0] == 200
    assert not (tmp_path / ".gunicorn").exists()


def test_create_evaluate_health_over_http(server: str) -> None:
    status, headers, body = _call(server, "GET", "/health_check")
    assert (status, body) == (200, {"status": "ok"})
    assert headers["x-request-id"]

    status, _, _ = _call(server, "POST", "/api/1.0/promotions/", promo("P1"))
    assert status == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, _, body = _call(server, "POST", "/api/1.0/promotions/", promo("P1"), auth)
    assert status == 201, body
    assert body["promo_id"]

    # Whichever worker answers, the write is visible within max_staleness (1 s).
    deadline = time.monotonic() + 5
    while True:
        status, headers, body = _call(
            server,
            "POST",
            "/api/1.0/promotions/evaluate/",
            basket_request(),
            {"X-Request-ID": "e2e-1"},
        )
        assert status == 200, body
        assert headers["x-request-id"] == "e2e-1"
        if body["basket"]["discount"] == "10.000":
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    for _ in range(6):  # every worker agrees from now on
        body = _call(server, "POST", "/api/1.0/promotions/evaluate/", basket_request())[2]
        assert body["basket"]["discount"] == "10.000"

    status, _, body = _call(server, "GET", "/api/1.0/p/s-1/P1")
    assert (status, body["promo_id_retailer"]) == (200, "P1")
    status, _, body = _call(server, "GET", "/openapi.json")
    assert status == 200 and body["openapi"].startswith("3.1")
    status, _, body = _call(server, "POST", "/api/1.0/promotions/evaluate/", {"basket": 5})
    assert status == 400 and body["errors"]


def test_the_service_logs_json_lines_into_log_dir(server: str, tmp_path: Path) -> None:
    _call(server, "GET", "/health_check/?probe=1", headers={"X-Request-ID": "e2e-log"})
    log_file = tmp_path / "logs" / "mspromo-e2e.log"
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in log_file.read_text("utf-8").splitlines()]
        mine = [e for e in lines if e.get("request_id") == "e2e-log"]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(mine) == 1, lines[-5:]
    assert (mine[0]["path"], mine[0]["status"]) == ("/health_check/?probe=1", 200)
    assert mine[0]["service"] == "mspromo-e2e"
