"""Settings come from the environment, with safe defaults and clear errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mspromo_service.settings import (
    DEFAULT_SQLITE_URL,
    DatabaseTimeouts,
    Settings,
    SettingsError,
    env_int,
)


def test_an_empty_environment_gives_the_sqlite_default_and_no_secret() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_SQLITE_URL == "sqlite:///./mspromo.sqlite3"
    assert settings.rules_max_staleness == 1.0
    assert settings.admin_token is None
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.service_name == "mspromo"
    assert settings.log_dir is None
    assert settings.rules_max_stale_on_error == 300.0
    assert settings.database_timeouts == DatabaseTimeouts(connect=5.0, read=10.0, write=10.0)
    assert (settings.deployment_env, settings.allow_open_writes) == (None, False)


def test_the_database_url_variable_wins_over_the_mysql_variables() -> None:
    env = {"MSPROMO_DATABASE_URL": "sqlite:////tmp/x.db", "MYSQL_DB_HOST": "db"}
    assert Settings.from_env(env).database_url == "sqlite:////tmp/x.db"


def test_mysql_variables_build_a_quoted_pymysql_url() -> None:
    env = {
        "MYSQL_DB_HOST": "db.internal",
        "MYSQL_PORT": "3307",
        "MYSQL_DATABASE": "promos",
        "MYSQL_USER": "svc@app",
        "MYSQL_PASSWORD": "p@ss:w/rd%?#",
    }
    url = sa.make_url(Settings.from_env(env).database_url)
    assert url.drivername == "mysql+pymysql"
    assert (url.host, url.port, url.database) == ("db.internal", 3307, "promos")
    assert url.username == "svc@app"
    assert url.password == "p@ss:w/rd%?#"
    assert url.query["charset"] == "utf8mb4"


def test_mysql_without_a_password_has_no_password_in_the_url() -> None:
    env = {"MYSQL_DB_HOST": "db", "MYSQL_DATABASE": "promos", "MYSQL_USER": "root"}
    url = sa.make_url(Settings.from_env(env).database_url)
    assert url.password is None and url.port is None


def test_a_mysql_host_without_database_or_user_is_an_error_that_reads() -> None:
    with pytest.raises(SettingsError) as one:
        Settings.from_env({"MYSQL_DB_HOST": "db", "MYSQL_USER": "u"})
    assert str(one.value) == "MYSQL_DB_HOST is set, so MYSQL_DATABASE must be set too, but is not"
    with pytest.raises(SettingsError) as two:
        Settings.from_env({"MYSQL_DB_HOST": "db"})
    assert str(two.value) == (
        "MYSQL_DB_HOST is set, so MYSQL_DATABASE and MYSQL_USER must be set too, but are not"
    )


def test_environment_integers_have_one_parser() -> None:
    assert env_int({"N": " 42 "}, "N", 7) == 42
    assert env_int({"N": ""}, "N", 7) == 7
    for bad in ("4.0", "-1", "0", "٣", "1e3", "99999999999999999999"):
        with pytest.raises(SettingsError, match=r"^N must be"):
            env_int({"N": bad}, "N", 7)
    with pytest.raises(SettingsError, match="at most 9"):
        env_int({"N": "10"}, "N", 7, maximum=9)


def test_database_timeouts_and_staleness_on_error_are_read() -> None:
    settings = Settings.from_env(
        {
            "MSPROMO_DB_CONNECT_TIMEOUT": "0.5",
            "MSPROMO_DB_READ_TIMEOUT": "2",
            "MSPROMO_DB_WRITE_TIMEOUT": "3",
            "MSPROMO_RULES_MAX_STALE_ON_ERROR": "60",
        }
    )
    assert settings.database_timeouts == DatabaseTimeouts(connect=0.5, read=2.0, write=3.0)
    assert settings.rules_max_stale_on_error == 60.0


@pytest.mark.parametrize(
    "env",
    [
        {"DEPLOYMENT_ENV": "local"},
        {"DEPLOYMENT_ENV": "test"},
        {"DEPLOYMENT_ENV": "Local"},
        {"DEPLOYMENT_ENV": "production", "MSPROMO_ADMIN_TOKEN": "t"},
        {"MSPROMO_ADMIN_TOKEN": "t"},
        {"DEPLOYMENT_ENV": "staging", "MSPROMO_ALLOW_OPEN_WRITES": "1"},
    ],
)
def test_write_protection_allows(env: dict[str, str]) -> None:
    Settings.from_env(env).check_write_protection()


@pytest.mark.parametrize(
    ("env", "start"),
    [
        ({}, "DEPLOYMENT_ENV is not set and MSPROMO_ADMIN_TOKEN is not set"),
        ({"DEPLOYMENT_ENV": "production"}, "DEPLOYMENT_ENV is 'production' and"),
        ({"DEPLOYMENT_ENV": "prod", "MSPROMO_ADMIN_TOKEN": " "}, "DEPLOYMENT_ENV is 'prod'"),
        ({"DEPLOYMENT_ENV": "prod", "MSPROMO_ALLOW_OPEN_WRITES": "0"}, "DEPLOYMENT_ENV is"),
    ],
)
def test_write_protection_fails_closed(env: dict[str, str], start: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env).check_write_protection()
    assert str(info.value).startswith(start)
    assert "MSPROMO_ALLOW_OPEN_WRITES=1" in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MSPROMO_RULES_MAX_STALENESS", "soon"),
        ("MSPROMO_RULES_MAX_STALENESS", "-1"),
        ("MSPROMO_RULES_MAX_STALENESS", "nan"),
        ("MSPROMO_MAX_BODY_BYTES", "10MB"),
        ("MSPROMO_MAX_BODY_BYTES", "0"),
        ("MYSQL_PORT", "99999"),
        ("MYSQL_PORT", "33o6"),
        ("MSPROMO_DB_CONNECT_TIMEOUT", "0"),
        ("MSPROMO_DB_READ_TIMEOUT", "-1"),
        ("MSPROMO_DB_WRITE_TIMEOUT", "inf"),
        ("MSPROMO_RULES_MAX_STALE_ON_ERROR", "later"),
        ("MSPROMO_ALLOW_OPEN_WRITES", "yes"),
        ("MSPROMO_DATABASE_URL", "not a url"),
    ],
)
def test_an_invalid_value_names_its_variable(name: str, value: str) -> None:
    env = {"MYSQL_DB_HOST": "db", "MYSQL_DATABASE": "d", "MYSQL_USER": "u", name: value}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_numbers_tokens_and_names_are_read() -> None:
    settings = Settings.from_env(
        {
            "MSPROMO_RULES_MAX_STALENESS": "0.25",
            "MSPROMO_ADMIN_TOKEN": "s3cret",
            "MSPROMO_MAX_BODY_BYTES": "2048",
            "DEPLOYMENT_ENV": "prod",
            "LOG_DIR": "/var/log/mspromo",
            "SERVICE_NAME": "promo-eu",
        }
    )
    assert settings.rules_max_staleness == 0.25
    assert settings.admin_token == "s3cret"
    assert settings.max_body_bytes == 2048
    assert (settings.deployment_env, settings.log_dir, settings.service_name) == (
        "prod",
        "/var/log/mspromo",
        "promo-eu",
    )
    assert "s3cret" not in repr(settings)


def test_settings_are_read_from_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSPROMO_DATABASE_URL", "sqlite:////tmp/from-env.db")
    assert Settings.from_env().database_url == "sqlite:////tmp/from-env.db"


def test_the_read_replica_url_is_optional_and_checked() -> None:
    assert Settings.from_env({}).database_read_url is None
    assert Settings.from_env({"MSPROMO_DATABASE_READ_URL": " "}).database_read_url is None
    env = {"MSPROMO_DATABASE_READ_URL": "mysql+pymysql://ro:pw@replica/promos"}
    settings = Settings.from_env(env)
    assert settings.database_read_url == "mysql+pymysql://ro:pw@replica/promos"
    assert "pw" not in repr(settings)  # the URL carries credentials
    with pytest.raises(SettingsError, match="MSPROMO_DATABASE_READ_URL"):
        Settings.from_env({"MSPROMO_DATABASE_READ_URL": "replica"})


def test_each_collection_limit_is_a_setting_with_the_spec_default() -> None:
    from mspromo_engine import wire

    assert Settings.from_env({}).limits == wire.DEFAULT_LIMITS
    assert wire.DEFAULT_LIMITS.promo_override == 100
    assert wire.DEFAULT_LIMITS.basket_lines == 10_000
    env = {"MSPROMO_MAX_PROMO_OVERRIDE": "5", "MSPROMO_MAX_BULK_OPS": "7"}
    limits = Settings.from_env(env).limits
    assert (limits.promo_override, limits.bulk_ops, limits.basket_units) == (5, 7, 100_000)
    with pytest.raises(SettingsError, match="MSPROMO_MAX_GROUP_NODES"):
        Settings.from_env({"MSPROMO_MAX_GROUP_NODES": "0"})
