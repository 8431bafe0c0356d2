"""The service's configuration, read once from the environment (SPEC §7).

``Settings.from_env()`` is the only place that reads ``os.environ``; everything else takes
a ``Settings``. No secret has a default value: without ``MSPROMO_ADMIN_TOKEN`` the admin
token is None, and a MySQL password is only ever read from ``MYSQL_PASSWORD``.

Auth fails closed (SPEC §7.2): :meth:`Settings.check_write_protection`, called before the
service starts, refuses a deployment that is not declared ``local`` or ``test`` (an unset
``DEPLOYMENT_ENV`` included) and has no admin token, unless ``MSPROMO_ALLOW_OPEN_WRITES=1``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from urllib.parse import quote

import attrs

from mspromo_engine import wire

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_SQLITE_URL",
    "OPEN_ENVIRONMENTS",
    "DatabaseTimeouts",
    "Settings",
    "SettingsError",
    "env_int",
]

DEFAULT_SQLITE_URL = "sqlite:///./mspromo.sqlite3"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
# The deployments in which writes may be open (no admin token) without saying so.
OPEN_ENVIRONMENTS = frozenset({"local", "test"})


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
        names = " and ".join(missing)
        verb = "are" if len(missing) > 1 else "is"
        raise SettingsError(f"MYSQL_DB_HOST is set, so {names} must be set too, but {verb} not")
    password = env.get("MYSQL_PASSWORD") or ""
    port_number = env_int(env, "MYSQL_PORT", 0, minimum=1, maximum=65535)
    port = f":{port_number}" if port_number else ""
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    return f"mysql+pymysql://{auth}@{host}{port}/{quote(database, safe='')}?charset=utf8mb4"


def _float(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:
    text = _blank_to_none(env.get(name))
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else "≥ 0"
        raise SettingsError(f"{name} must be a finite number {bound}, got {text!r}")
    return value


def env_int(
    env: Mapping[str, str], name: str, default: int, *, minimum: int = 1, maximum: int | None = None
) -> int:
    """The whole number in ``env[name]`` within ``[minimum, maximum]``; ``default`` when the
    variable is unset or blank. The one integer parser of the service's configuration
    (``gunicorn_conf`` uses it too)."""
    text = _blank_to_none(env.get(name))
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise SettingsError(f"{name} must be a whole number, got {text!r}")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingsError(f"{name} must be at least {minimum}{upper}, got {text!r}")
    return value


# SPEC §7.1 collection limits: each Limits field is read from MSPROMO_MAX_<FIELD>.
LIMIT_VARIABLES = {f"MSPROMO_MAX_{a.name.upper()}": a.name for a in attrs.fields(wire.Limits)}


def _limits(env: Mapping[str, str]) -> wire.Limits:
    defaults = wire.DEFAULT_LIMITS
    return wire.Limits(
        **{
            field: env_int(env, name, getattr(defaults, field))
            for name, field in LIMIT_VARIABLES.items()
        }
    )


def _flag(env: Mapping[str, str], name: str) -> bool:
    text = _blank_to_none(env.get(name))
    if text is None or text == "0":
        return False
    if text == "1":
        return True
    raise SettingsError(f"{name} must be 1 or 0, got {text!r}")


@attrs.frozen
class DatabaseTimeouts:
    """Driver timeouts in seconds (SPEC §7.2): a database that hangs makes a request fail
    after these instead of holding its worker thread."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0


@attrs.frozen
class Settings:
    """Everything the service reads from its environment."""

    database_url: str = DEFAULT_SQLITE_URL
    # SPEC §11: a read replica for reads, revision checks and rule loads (None: the primary)
    database_read_url: str | None = attrs.field(default=None, repr=False)
    rules_max_staleness: float = 1.0  # seconds a process may serve an older rule set
    # seconds a rule set may be served while the database is unavailable
    rules_max_stale_on_error: float = 300.0
    database_timeouts: DatabaseTimeouts = DatabaseTimeouts()
    admin_token: str | None = attrs.field(default=None, repr=False)
    allow_open_writes: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    deployment_env: str | None = None  # None: not declared, treated as a real deployment
    log_dir: str | None = None
    service_name: str = "mspromo"
    limits: wire.Limits = wire.DEFAULT_LIMITS

    def check_write_protection(self) -> None:
        """Raise :class:`SettingsError` when this service must not start: writes would be
        open (no admin token) in a deployment that is not ``local`` or ``test`` and
        ``MSPROMO_ALLOW_OPEN_WRITES=1`` does not say that this is intended."""
        if self.admin_token or self.allow_open_writes:
            return
        if (self.deployment_env or "").lower() in OPEN_ENVIRONMENTS:
            return
        where = (
            f"DEPLOYMENT_ENV is {self.deployment_env!r}"
            if self.deployment_env
            else "DEPLOYMENT_ENV is not set"
        )
        raise SettingsError(
            f"{where} and MSPROMO_ADMIN_TOKEN is not set, so every write would be open: "
            "set MSPROMO_ADMIN_TOKEN, or MSPROMO_ALLOW_OPEN_WRITES=1 if open writes are "
            "intended, or DEPLOYMENT_ENV=local for a development machine"
        )

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
        defaults = DatabaseTimeouts()
        return cls(
            database_url=url,
            database_read_url=read_url,
            rules_max_staleness=_float(env, "MSPROMO_RULES_MAX_STALENESS", 1.0),
            rules_max_stale_on_error=_float(env, "MSPROMO_RULES_MAX_STALE_ON_ERROR", 300.0),
            database_timeouts=DatabaseTimeouts(
                connect=_float(env, "MSPROMO_DB_CONNECT_TIMEOUT", defaults.connect, positive=True),
                read=_float(env, "MSPROMO_DB_READ_TIMEOUT", defaults.read, positive=True),
                write=_float(env, "MSPROMO_DB_WRITE_TIMEOUT", defaults.write, positive=True),
            ),
            admin_token=_blank_to_none(env.get("MSPROMO_ADMIN_TOKEN")),
            allow_open_writes=_flag(env, "MSPROMO_ALLOW_OPEN_WRITES"),
            max_body_bytes=env_int(env, "MSPROMO_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            deployment_env=_blank_to_none(env.get("DEPLOYMENT_ENV")),
            log_dir=_blank_to_none(env.get("LOG_DIR")),
            service_name=_blank_to_none(env.get("SERVICE_NAME")) or "mspromo",
            limits=_limits(env),
        )
