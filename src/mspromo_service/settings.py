"""The service's configuration, read once from the environment (SPEC §7).

``Settings.from_env()`` is the only place that reads ``os.environ``; everything else takes
a ``Settings``. No secret has a default value: without ``MSPROMO_ADMIN_TOKEN`` the admin
token is None, and a MySQL password is only ever read from ``MYSQL_PASSWORD``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from urllib.parse import quote

import attrs

from mspromo_engine import wire

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_SQLITE_URL", "Settings", "SettingsError"]

DEFAULT_SQLITE_URL = "sqlite:///./mspromo.sqlite3"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _mysql_url(env: Mapping[str, str]) -> str | None:
    host = _blank_to_none(env.get("MYSQL_DB_HOST"))
    if host is None:
        return None
    database = _blank_to_none(env.get("MYSQL_DATABASE"))
    user = _blank_to_none(env.get("MYSQL_USER"))
    if database is None or user is None:
        missing = [
            name for name in ("MYSQL_DATABASE", "MYSQL_USER") if not _blank_to_none(env.get(name))
        ]
        raise SettingsError(f"MYSQL_DB_HOST is set but {', '.join(missing)} is not")
    password = env.get("MYSQL_PASSWORD") or ""
    port_text = _blank_to_none(env.get("MYSQL_PORT"))
    port = ""
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"MYSQL_PORT must be a TCP port number, got {port_text!r}")
        port = f":{int(port_text)}"
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    return f"mysql+pymysql://{auth}@{host}{port}/{quote(database, safe='')}?charset=utf8mb4"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    text = _blank_to_none(env.get(name))
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise SettingsError(f"{name} must be a finite number ≥ 0, got {text!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = _blank_to_none(env.get(name))
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {text!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {text!r}")
    return value


# SPEC §7.1 collection limits: each Limits field is read from MSPROMO_MAX_<FIELD>.
LIMIT_VARIABLES = {f"MSPROMO_MAX_{a.name.upper()}": a.name for a in attrs.fields(wire.Limits)}


def _limits(env: Mapping[str, str]) -> wire.Limits:
    defaults = wire.DEFAULT_LIMITS
    return wire.Limits(
        **{
            field: _positive_int(env, name, getattr(defaults, field))
            for name, field in LIMIT_VARIABLES.items()
        }
    )


@attrs.frozen
class Settings:
    """Everything the service reads from its environment."""

    database_url: str = DEFAULT_SQLITE_URL
    # SPEC §11: a read replica for reads, revision checks and rule loads (None: the primary)
    database_read_url: str | None = attrs.field(default=None, repr=False)
    rules_max_staleness: float = 1.0  # seconds a process may serve an older rule set
    admin_token: str | None = attrs.field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    deployment_env: str = "local"
    log_dir: str | None = None
    service_name: str = "mspromo"
    limits: wire.Limits = wire.DEFAULT_LIMITS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises :class:`SettingsError` naming a bad variable."""
        if env is None:
            env = os.environ
        url = _blank_to_none(env.get("MSPROMO_DATABASE_URL")) or _mysql_url(env)
        if url is None:
            url = DEFAULT_SQLITE_URL
        elif "://" not in url:
            raise SettingsError("MSPROMO_DATABASE_URL must be a database URL such as sqlite:///x")
        read_url = _blank_to_none(env.get("MSPROMO_DATABASE_READ_URL"))
        if read_url is not None and "://" not in read_url:
            raise SettingsError("MSPROMO_DATABASE_READ_URL must be a database URL")
        return cls(
            database_url=url,
            database_read_url=read_url,
            rules_max_staleness=_float(env, "MSPROMO_RULES_MAX_STALENESS", 1.0),
            admin_token=_blank_to_none(env.get("MSPROMO_ADMIN_TOKEN")),
            max_body_bytes=_positive_int(env, "MSPROMO_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            deployment_env=_blank_to_none(env.get("DEPLOYMENT_ENV")) or "local",
            log_dir=_blank_to_none(env.get("LOG_DIR")),
            service_name=_blank_to_none(env.get("SERVICE_NAME")) or "mspromo",
            limits=_limits(env),
        )
