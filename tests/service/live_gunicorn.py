"""One real gunicorn on loopback for the end-to-end, schemathesis and concurrency suites."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["free_port", "running_gunicorn"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health_check/", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:  # not listening yet, or 503 while it starts
        return False


@contextmanager
def running_gunicorn(
    tmp_path: Path,
    port: int,
    env: Mapping[str, str],
    *,
    start_timeout: float = 60.0,
    stop_timeout: float = 20.0,
) -> Iterator[str]:
    """Start ``mspromo_service.wsgi:app`` with ``env``, yield its base URL once healthy,
    then SIGTERM it (SIGKILL of its process group if it does not stop in time)."""
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:mspromo_service.gunicorn_conf",
                "mspromo_service.wsgi:app",
            ],
            env=dict(env),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while not _healthy(base):
                if proc.poll() is not None:
                    pytest.fail(
                        f"gunicorn exited with {proc.returncode}: {log_path.read_text()[-3000:]}"
                    )
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not become healthy in time")
                time.sleep(0.2)
            yield base
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(stop_timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(stop_timeout)
