"""The gunicorn settings module reads its values from the environment (SPEC §7)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

import mspromo_service.gunicorn_conf

ENV_VARS = (
    "GUNICORN_BIND_ADDRESS",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_LOGLEVEL",
    "STATSD_HOST",
    "STATSD_PORT",
    "SERVICE_NAME",
    "GUNICORN_ACCESS_LOG",
    "GUNICORN_CONTROL_SOCKET",
)


@pytest.fixture
def load_conf(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    """Return a function that reloads the module under the given environment."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)

    def load(**env: str) -> ModuleType:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(mspromo_service.gunicorn_conf)

    yield load
    monkeypatch.undo()
    importlib.reload(mspromo_service.gunicorn_conf)


def test_defaults(load_conf) -> None:
    conf = load_conf()
    assert conf.worker_class == "gthread"
    assert conf.bind == ["0.0.0.0:8001"]
    assert conf.workers == 3
    assert conf.threads == 4
    assert conf.loglevel == "info"
    assert conf.max_requests == 3000
    assert conf.max_requests_jitter == 250
    assert conf.keepalive == 5
    assert conf.preload_app is True
    assert conf.statsd_host is None
    assert conf.statsd_prefix == "mspromo"


def test_values_from_environment(load_conf) -> None:
    conf = load_conf(
        GUNICORN_BIND_ADDRESS="127.0.0.1:9000",
        GUNICORN_WORKERS="5",
        GUNICORN_THREADS="8",
        GUNICORN_LOGLEVEL="DEBUG",
        STATSD_HOST="datadog",
        STATSD_PORT="9125",
        SERVICE_NAME="promo-eu",
    )
    assert conf.bind == ["127.0.0.1:9000"]
    assert conf.workers == 5
    assert conf.threads == 8
    assert conf.loglevel == "debug"
    assert conf.statsd_host == "datadog:9125"
    assert conf.statsd_prefix == "promo-eu"
    assert conf.logconfig_dict["loggers"]["gunicorn.error"]["level"] == "DEBUG"


def test_statsd_default_port_and_blank_host(load_conf) -> None:
    assert load_conf(STATSD_HOST="agent").statsd_host == "agent:8125"
    # compose passes STATSD_HOST through as an empty string when it is not used
    assert load_conf(STATSD_HOST="").statsd_host is None


@pytest.mark.parametrize("value", ["three", "0"])
def test_invalid_worker_count_is_refused(load_conf, value: str) -> None:
    with pytest.raises(ValueError, match="GUNICORN_WORKERS"):
        load_conf(GUNICORN_WORKERS=value)


def test_log_format_names_level_time_logger_module_pid(load_conf) -> None:
    fmt = load_conf().logconfig_dict["formatters"]["generic"]["format"]
    for field in ("levelname", "asctime", "name", "module", "process", "message"):
        assert f"%({field})" in fmt
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "hello", None, None)
    line = logging.Formatter(fmt).format(record)
    assert line.startswith("INFO ")
    assert line.endswith(" gunicorn.error test_gunicorn_conf " + str(record.process) + " hello")


def test_gunicorn_accepts_the_module(load_conf) -> None:
    """Gunicorn's own validators accept every setting the module defines."""
    from gunicorn.app.base import Application

    load_conf(STATSD_HOST="agent", GUNICORN_WORKERS="2")

    class _App(Application):
        def init(self, parser, opts, args):  # pragma: no cover - not called
            return None

        def load_config(self) -> None:
            self.load_config_from_module_name_or_filename("python:mspromo_service.gunicorn_conf")

        def load(self):  # pragma: no cover - not called
            return None

    cfg = _App().cfg
    assert cfg.worker_class_str == "gthread"
    assert cfg.workers == 2
    assert cfg.threads == 4
    assert cfg.address == [("0.0.0.0", 8001)]
    assert cfg.statsd_host == ("agent", 8125)
    assert cfg.preload_app is True
    assert cfg.max_requests == 3000
    assert cfg.logconfig_dict["loggers"]["gunicorn.access"]["handlers"] == ["access_console"]


def test_gunicorn_access_lines_are_off_unless_asked_for(load_conf) -> None:
    access = load_conf().logconfig_dict["loggers"]["gunicorn.access"]
    assert access["level"] == "WARNING"  # the app's JSON request log is the access log
    access = load_conf(GUNICORN_ACCESS_LOG="1").logconfig_dict["loggers"]["gunicorn.access"]
    assert access["level"] == "INFO"


def test_post_fork_drops_pooled_connections_inherited_from_the_arbiter(
    load_conf, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    calls: list[bool] = []

    class Engine:
        def dispose(self, close: bool = True) -> None:
            calls.append(close)

    wsgi = types.ModuleType("mspromo_service.wsgi")
    # the primary and the read replica (MSPROMO_DATABASE_READ_URL): both pools dropped
    wsgi.repository = types.SimpleNamespace(engines=(Engine(), Engine()))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mspromo_service.wsgi", wsgi)
    load_conf().post_fork(None, None)
    assert calls == [False, False]


def test_control_socket_is_off_unless_a_path_is_given(load_conf) -> None:
    # gunicorn 27's default control socket is one path per user ($HOME/.gunicorn): shared
    # by every instance, so it stays off unless this instance is given its own path.
    conf = load_conf()
    assert conf.control_socket_disable is True
    conf = load_conf(GUNICORN_CONTROL_SOCKET="/run/mspromo/gunicorn.ctl")
    assert conf.control_socket_disable is False
    assert conf.control_socket == "/run/mspromo/gunicorn.ctl"
