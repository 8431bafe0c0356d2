#!/usr/bin/env python3
"""The image's HEALTHCHECK: GET /health_check/ on the address gunicorn binds.

The address is ``GUNICORN_BIND_ADDRESS`` (as ``mspromo_service.gunicorn_conf`` reads it):
``HOST:PORT``, ``[IPv6]:PORT`` or ``unix:PATH``. A wildcard host is asked on loopback.
Exit status 0 when the answer is 200, 1 otherwise (Docker's healthy/unhealthy).
"""

from __future__ import annotations

import http.client
import os
import socket
import sys

TIMEOUT_SECONDS = 4.0
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT_SECONDS)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT_SECONDS)
        self.sock.connect(self._path)


def connection(bind: str) -> http.client.HTTPConnection:
    """A connection to the first address of a gunicorn ``bind`` value."""
    bind = bind.split(",", maxsplit=1)[0].strip() or "0.0.0.0:8001"
    if bind.startswith("unix:"):
        return _UnixConnection(bind[len("unix:") :])
    if bind.startswith("["):
        host, _, port = bind[1:].partition("]")
        port = port.lstrip(":")
    elif ":" in bind:
        host, _, port = bind.rpartition(":")
    else:
        host, port = bind, ""
    host = WILDCARDS.get(host, host)
    return http.client.HTTPConnection(host, int(port or 8000), timeout=TIMEOUT_SECONDS)


def main() -> int:
    conn = connection(os.environ.get("GUNICORN_BIND_ADDRESS", ""))
    try:
        conn.request("GET", "/health_check/", headers={"User-Agent": "mspromo-healthcheck"})
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        print(f"health check failed: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if status != 200:
        print(f"health check answered {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
