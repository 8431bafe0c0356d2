"""The image's entry point and HEALTHCHECK (docker/entrypoint.sh, docker/healthcheck.py).

ci/image-smoke.sh runs both inside the built image; these tests pin their logic."""

from __future__ import annotations

import http.server
import importlib.util
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", DOCKER / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = _healthcheck()


@pytest.mark.parametrize(
    ("bind", "host", "port"),
    [
        ("0.0.0.0:8001", "127.0.0.1", 8001),
        ("", "127.0.0.1", 8001),  # gunicorn_conf's default
        ("127.0.0.1:9000", "127.0.0.1", 9000),
        ("10.1.2.3:8080", "10.1.2.3", 8080),
        ("[::]:8001", "::1", 8001),
        ("[::1]:7000", "::1", 7000),
        ("localhost", "localhost", 8000),  # gunicorn's default port
        ("0.0.0.0:9123,unix:/tmp/x.sock", "127.0.0.1", 9123),
    ],
)
def test_the_check_asks_the_bound_address(bind: str, host: str, port: int) -> None:
    conn = healthcheck.connection(bind)
    assert (conn.host, conn.port) == (host, port)


def test_a_unix_socket_bind_is_asked_over_the_socket() -> None:
    conn = healthcheck.connection("unix:/run/mspromo/gunicorn.sock")
    assert conn._path == "/run/mspromo/gunicorn.sock"


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/health_check/" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_healthy_only_on_200_from_the_bound_port(
    server: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server.server_address[1]
    monkeypatch.setenv("GUNICORN_BIND_ADDRESS", f"0.0.0.0:{port}")
    assert healthcheck.main() == 0
    monkeypatch.setattr(_Handler, "status", 503)
    assert healthcheck.main() == 1
    monkeypatch.setattr(_Handler, "status", 200)
    monkeypatch.setenv("GUNICORN_BIND_ADDRESS", f"0.0.0.0:{_free_port()}")
    assert healthcheck.main() == 1  # the old fixed 127.0.0.1:8001 check would not notice


@pytest.fixture
def stub_path(tmp_path: Path) -> Path:
    """`mspromo` and `gunicorn` stand-ins that log their arguments, first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("mspromo", "gunicorn"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/calls"\n')
        stub.chmod(0o755)
    return bin_dir


def _entrypoint(stub_path: Path, *args: str, **env: str) -> list[str]:
    subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), *args],
        env={"PATH": f"{stub_path}:/usr/bin:/bin", **env},
        check=True,
        timeout=30,
    )
    calls = stub_path.parent / "calls"
    lines = calls.read_text().splitlines() if calls.exists() else []
    calls.unlink(missing_ok=True)
    return lines


SERVE = "gunicorn -c python:mspromo_service.gunicorn_conf mspromo_service.wsgi:app"


def test_entrypoint_commands(stub_path: Path) -> None:
    assert _entrypoint(stub_path) == [SERVE]
    assert _entrypoint(stub_path, "serve") == [SERVE]
    assert _entrypoint(stub_path, "migrate") == ["mspromo db upgrade"]
    assert _entrypoint(stub_path, "migrate", "0001") == ["mspromo db upgrade 0001"]
    assert _entrypoint(stub_path, "mspromo", "load-examples") == ["mspromo load-examples"]
    assert _entrypoint(stub_path, "serve", "--workers", "1") == [
        "gunicorn -c python:mspromo_service.gunicorn_conf --workers 1 mspromo_service.wsgi:app"
    ]


def test_migrate_on_start_is_opt_in(stub_path: Path) -> None:
    assert _entrypoint(stub_path, MSPROMO_MIGRATE_ON_START="0") == [SERVE]
    assert _entrypoint(stub_path, MSPROMO_MIGRATE_ON_START="1") == ["mspromo db upgrade", SERVE]


def test_the_scripts_are_executable() -> None:
    for name in ("entrypoint.sh", "healthcheck.py"):
        assert os.access(DOCKER / name, os.X_OK), name
