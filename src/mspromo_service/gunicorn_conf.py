"""Gunicorn settings for the mspromo service (SPEC §7), driven by the environment.

Use it with ``gunicorn -c python:mspromo_service.gunicorn_conf mspromo_service.wsgi:app``.

===========================  ===============  ==========================================
variable                     default          gunicorn setting
===========================  ===============  ==========================================
``GUNICORN_BIND_ADDRESS``    ``0.0.0.0:8001``  ``bind``
``GUNICORN_WORKERS``         ``3``            ``workers`` (gthread worker processes)
``GUNICORN_THREADS``         ``4``            ``threads`` per worker
``GUNICORN_LOGLEVEL``        ``info``         ``loglevel``
``STATSD_HOST``              unset            ``statsd_host`` (metrics only when set)
``STATSD_PORT``              ``8125``         port of ``statsd_host``
``SERVICE_NAME``             ``mspromo``      ``statsd_prefix``
``GUNICORN_CONTROL_SOCKET``  unset            ``control_socket`` (off unless a path is given)
===========================  ===============  ==========================================

Every value is read when this module is imported, so it holds no secret and no state.
"""

from __future__ import annotations

import os
from typing import Any

from mspromo_service.settings import env_int


def _env(name: str, default: str) -> str:
    """The variable's value, or ``default`` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


service_name: str = _env("SERVICE_NAME", "mspromo")

bind: list[str] = [_env("GUNICORN_BIND_ADDRESS", "0.0.0.0:8001")]
worker_class: str = "gthread"
workers: int = env_int(os.environ, "GUNICORN_WORKERS", 3)
threads: int = env_int(os.environ, "GUNICORN_THREADS", 4)
loglevel: str = _env("GUNICORN_LOGLEVEL", "info").lower()

# Recycle workers now and then (bounded memory growth), staggered so that they do not all
# restart at once.
max_requests: int = 3000
max_requests_jitter: int = 250
keepalive: int = 5
# Import the application once in the arbiter; workers fork from it (copy-on-write).
preload_app: bool = True
proc_name: str = service_name

# gunicorn 27 opens a control socket at $HOME/.gunicorn/gunicorn.ctl by default: one path
# shared by every instance of the same user, so stopping one removed the others' socket.
# Off unless GUNICORN_CONTROL_SOCKET names a path for this instance.
_control_socket = _env("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable: bool = not _control_socket
if _control_socket:
    control_socket: str = _control_socket

# Metrics go to a statsd/DogStatsD agent only when STATSD_HOST is set (and not blank).
_statsd_host = _env("STATSD_HOST", "")
statsd_host: str | None = (
    f"{_statsd_host}:{env_int(os.environ, 'STATSD_PORT', 8125, maximum=65535)}"
    if _statsd_host
    else None
)
statsd_prefix: str = service_name

# Access log lines: client, request line, status, bytes, duration (ms), user agent.
access_log_format: str = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

_LOG_FORMAT = "%(levelname)s %(asctime)s %(name)s %(module)s %(process)d %(message)s"

# Gunicorn merges this over its own defaults (top-level keys are replaced), so every key
# it defines is given here. Access lines go to stdout, everything else to stderr.
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "generic": {"format": _LOG_FORMAT, "class": "logging.Formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.error",
        },
        # The app logs one JSON line per request with its request id, so gunicorn's own
        # access lines are off unless GUNICORN_ACCESS_LOG=1 asks for them too.
        "gunicorn.access": {
            "level": "INFO" if _env("GUNICORN_ACCESS_LOG", "0") == "1" else "WARNING",
            "handlers": ["access_console"],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
}


def post_fork(server: Any, worker: Any) -> None:
    """Each worker opens its own database connections.

    With ``preload_app`` the app (and its SQLAlchemy engine) is built in the arbiter;
    a pooled connection made there must never be shared across forked workers.
    """
    import sys

    wsgi = sys.modules.get("mspromo_service.wsgi")
    if wsgi is not None:
        for engine in wsgi.repository.engines:  # the primary, and the read replica if any
            engine.dispose(close=False)


def when_ready(server: Any) -> None:
    """Say where the service answers, once it listens (``./dev serve`` shows this)."""
    import sys

    for address in server.cfg.bind:
        host, _, port = address.rpartition(":")
        if address.startswith(("unix:", "fd://")) or not port:
            continue
        host = "localhost" if host in ("0.0.0.0", "", "[::]") else host
        base = f"http://{host}:{port}"
        print(
            f"mspromo is ready: API {base}/api/1.0/promotions/ (described at {base}/openapi.json)"
            f", console {base}/console/",
            file=sys.stderr,
            flush=True,
        )
