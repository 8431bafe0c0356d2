"""docker/compose.yml: valid against the Compose Specification, secrets required, only the
buffering proxy published, on 127.0.0.1 by default (SPEC §7.2, §8)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
REQUIRED = ("MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "MSPROMO_ADMIN_TOKEN")

_VAR = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation (${X}, ${X:-default}, ${X-default}, ${X:?err}, $$)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = env.get(name)
        unset_or_empty = not current if op and op.startswith(":") else current is None
        if op in (":?", "?") and unset_or_empty:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and unset_or_empty:
            return arg
        return current or ""

    return _VAR.sub(replace, value)


def load(env: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = interpolate(yaml.safe_load(COMPOSE.read_text()), env)
    return data


def secrets(**overrides: str) -> dict[str, str]:
    return {**{name: f"test-{name.lower()}" for name in REQUIRED}, **overrides}


def test_valid_against_the_compose_specification() -> None:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    data = load(secrets())
    validator.validate(data)
    # the schema is strict: a misspelt key is an error
    data["services"]["promo"]["helthcheck"] = {}
    assert not validator.is_valid(data)


@pytest.mark.parametrize("name", REQUIRED)
def test_refuses_to_start_without_each_secret(name: str) -> None:
    env = secrets()
    del env[name]
    with pytest.raises(MissingVariable, match=name):
        load(env)
    with pytest.raises(MissingVariable, match=name):
        load({**env, name: ""})


def test_the_admin_token_reaches_the_service() -> None:
    services = load(secrets(MSPROMO_ADMIN_TOKEN="s3cret"))["services"]
    for service in ("promo", "migrate"):
        assert services[service]["environment"]["MSPROMO_ADMIN_TOKEN"] == "s3cret"


def _published(services: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [str(p) for p in s.get("ports", [])] for name, s in services.items()}


def test_only_the_proxy_and_mysql_are_published_and_on_loopback_by_default() -> None:
    services = load(secrets())["services"]
    published = {name: ports for name, ports in _published(services).items() if ports}
    assert set(published) == {"proxy", "mysql"}
    for ports in published.values():
        assert all(p.startswith("127.0.0.1:") for p in ports), ports
    assert published["proxy"] == ["127.0.0.1:8001:8080"]
    # serving other machines is a choice made explicitly
    wide = load(secrets(MSPROMO_BIND_ADDRESS="0.0.0.0"))["services"]
    assert _published(wide)["proxy"] == ["0.0.0.0:8001:8080"]


def test_the_buffering_proxy_fronts_gunicorn() -> None:
    services = load(secrets())["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["promo"]["condition"] == "service_healthy"
    conf = (ROOT / "docker" / "nginx.conf").read_text()
    assert re.search(r"server promo:8001;", conf)
    assert re.search(r"^\s*listen 8080;", conf, re.M)
    for directive in ("proxy_request_buffering on;", "proxy_buffering on;"):
        assert directive in conf
    for directive in ("client_header_timeout", "client_body_timeout", "proxy_read_timeout"):
        assert re.search(rf"^\s*{directive} \d+s;", conf, re.M), directive
    # the proxy's body limit is the service's (MSPROMO_MAX_BODY_BYTES default, 10 MiB)
    from mspromo_service.settings import DEFAULT_MAX_BODY_BYTES

    assert re.search(r"client_max_body_size (\d+)m;", conf).group(1) == str(  # type: ignore[union-attr]
        DEFAULT_MAX_BODY_BYTES // (1024 * 1024)
    )


def test_service_containers_are_locked_down_and_migrate_first() -> None:
    services = load(secrets())["services"]
    for name in ("promo", "migrate"):
        service = services[name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["promo"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["promo"]["healthcheck"]["test"] == ["CMD", "mspromo-healthcheck"]


def compose_collations() -> set[str]:
    services = load(secrets())["services"]
    command = " ".join(services["mysql"]["command"])
    found = set(re.findall(r"--collation-server=(\w+)", command))
    init = (ROOT / "docker" / "mysql-init" / "01-databases.sql").read_text()
    found |= set(re.findall(r"COLLATE (\w+)", init))
    return found


def test_one_collation_everywhere() -> None:
    assert compose_collations() == {"utf8mb4_unicode_ci"}


@pytest.mark.mysql
def test_the_collation_is_known_to_the_test_server(mysql_url: str) -> None:
    # CI runs MariaDB, compose runs MySQL 8: the collation must exist on both
    # (utf8mb4_0900_ai_ci, which compose used before, is MySQL-only).
    import sqlalchemy

    engine = sqlalchemy.create_engine(mysql_url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            for collation in compose_collations():
                row = conn.execute(
                    sqlalchemy.text(
                        "SELECT CHARACTER_SET_NAME FROM information_schema.COLLATIONS"
                        " WHERE COLLATION_NAME = :c"
                    ),
                    {"c": collation},
                ).first()
                assert row is not None and row[0] == "utf8mb4", collation
    finally:
        engine.dispose()
