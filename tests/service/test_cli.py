"""The ``mspromo`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mspromo_service import cli, storage

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src" / "mspromo_service" / "examples" / "promotions.json"
REQUEST = ROOT / "docs" / "examples" / "evaluate-request.json"


def write_json(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# -- evaluate ---------------------------------------------------------------------------


def test_evaluate_prints_the_response_for_the_readme_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(
        capsys, "evaluate", "--promotions", str(EXAMPLES), "--request", str(REQUEST)
    )
    assert (status, err) == (0, "")
    response = json.loads(out)
    assert response["status"] is True
    assert response["basket"]["discount"] == "10.000"
    assert response["basket"]["total_after_promos"] == "50.000"


def test_evaluate_prints_exactly_what_the_engine_returns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from mspromo_engine import RuleSet, evaluate_json, promotion_from_wire

    promos = json.loads(EXAMPLES.read_text())["promotions"]
    request = {**json.loads(REQUEST.read_text()), "at": "2026-11-25T10:00:00Z"}
    status, out, _ = run(
        capsys,
        "evaluate",
        "--promotions",
        write_json(tmp_path / "promos.json", promos),  # a bare list is accepted too
        "--request",
        write_json(tmp_path / "request.json", request),
    )
    expected = evaluate_json(
        request,
        RuleSet.compile(promotion_from_wire(p) for p in promos),
        now=datetime.now(UTC),
    )
    assert status == 0
    assert json.loads(out) == json.loads(json.dumps(expected, default=str))


def test_evaluate_reads_usage_counts_from_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    promos = json.loads(EXAMPLES.read_text())["promotions"]
    limited = [{**p, "usage_limit": 2} for p in promos]
    request = {**json.loads(REQUEST.read_text()), "at": "2026-11-25T10:00:00Z", "explain": True}
    args = [
        "evaluate",
        "--promotions",
        write_json(tmp_path / "promos.json", limited),
        "--request",
        write_json(tmp_path / "request.json", request),
    ]
    counts = [
        {"retailer": p["retailer"], "promo_id_retailer": p["promo_id_retailer"], "redemptions": n}
        for p in promos
        for n in [2]
    ]
    status, out, _ = run(capsys, *args)
    assert status == 0 and json.loads(out)["basket"]["discount"] == "10.000"
    usage = write_json(tmp_path / "usage.json", {"promotions": counts})
    status, out, _ = run(capsys, *args, "--usage", usage)
    assert status == 0
    response = json.loads(out)
    assert response["basket"]["discount"] == "0.000"
    assert "usage_limit_reached" in {e["code"] for e in response["explanations"]}
    bad = write_json(tmp_path / "bad.json", {"promotions": [{"redemptions": -1}]})
    status, _, err = run(capsys, *args, "--usage", bad)
    assert status == 2 and "promotions[0].redemptions" in err


def test_evaluate_with_an_invalid_promotion_exits_2_with_the_error_body(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    promos = json.loads(EXAMPLES.read_text())
    promos["promotions"][1]["discount_value"] = "250"
    status, out, err = run(
        capsys,
        "evaluate",
        "--promotions",
        write_json(tmp_path / "p.json", promos),
        "--request",
        str(REQUEST),
    )
    assert (status, out) == (2, "")
    body = json.loads(err)
    assert set(body) == {"title", "description", "errors"}
    assert body["errors"] == [
        {"path": "promotions[1].discount_value", "message": "a percentage cannot exceed 100"}
    ]


def test_evaluate_with_an_invalid_request_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    request = json.loads(REQUEST.read_text())
    request["basket"]["items"][0]["mrp"] = "lots"
    status, out, err = run(
        capsys,
        "evaluate",
        "--promotions",
        str(EXAMPLES),
        "--request",
        write_json(tmp_path / "r.json", request),
    )
    assert (status, out) == (2, "")
    assert "basket.items[0].mrp" in [e["path"] for e in json.loads(err)["errors"]]


@pytest.mark.parametrize(
    ("content", "title"),
    [("{not json", "Invalid JSON"), (None, "Unreadable input"), ('{"x": 1}', "Invalid promotions")],
)
def test_evaluate_with_unreadable_promotions_exits_2_with_an_error_body(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, title: str
) -> None:
    path = tmp_path / "promos.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    status, _, err = run(capsys, "evaluate", "--promotions", str(path), "--request", str(REQUEST))
    assert status == 2
    body = json.loads(err)
    assert body["title"] == title
    assert body["errors"][0]["path"] == "promotions"


def test_evaluate_reads_decimals_exactly() -> None:
    value = cli._read_json(str(REQUEST), "request")
    assert isinstance(value, dict)
    weighed = json.loads('{"w": 1.250}', parse_float=Decimal)
    assert weighed["w"] == Decimal("1.250")


def test_evaluate_works_without_the_service_dependencies(tmp_path: Path) -> None:
    blocked = ["sqlalchemy", "falcon", "alembic", "gunicorn", "pymysql", "ksuid"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from mspromo_service.cli import main\n"
        f"sys.exit(main(['evaluate', '--promotions', {str(EXAMPLES)!r}, "
        f"'--request', {str(REQUEST)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["basket"]["discount"] == "10.000"


# -- database commands ------------------------------------------------------------------


@pytest.fixture
def configured(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MSPROMO_DATABASE_URL", database_url)
    return database_url


def test_db_upgrade_creates_the_schema_in_the_configured_database(
    capsys: pytest.CaptureFixture[str], configured: str
) -> None:
    status, _, _ = run(capsys, "db", "upgrade")
    assert status == 0
    engine = storage.create_engine(configured)
    try:
        assert set(storage.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_load_examples_stores_them_for_store_s1_once(
    capsys: pytest.CaptureFixture[str], configured: str
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    status, out, _ = run(capsys, "load-examples")
    assert status == 0
    first = json.loads(out)
    assert len(first["created"]) == 4 and first["skipped"] == []
    status, out, _ = run(capsys, "load-examples")
    assert status == 0
    second = json.loads(out)
    assert second["created"] == [] and sorted(second["skipped"]) == sorted(first["created"])
    engine = storage.create_engine(configured)
    try:
        promos = storage.SqlRepository(engine).promotions_of_store("s-1")
    finally:
        engine.dispose()
    assert sorted(p.promo_id_retailer for p in promos) == sorted(first["created"])


def test_load_examples_before_the_schema_exists_says_what_to_do(
    capsys: pytest.CaptureFixture[str], configured: str
) -> None:
    status, _, err = run(capsys, "load-examples")
    assert status == 1
    assert "mspromo db upgrade" in err


def test_delete_promos_prints_the_counts_as_json(
    capsys: pytest.CaptureFixture[str], configured: str, make_promo: Any
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    engine = storage.create_engine(configured)
    try:
        repo = storage.SqlRepository(engine)
        repo.create_promotion(make_promo("P1", is_active=False))
        repo.create_promotion(make_promo("P2", stores=["s-1", "s-2"]))
        repo.soft_delete_link("s-2", "P2")
        status, out, _ = run(capsys, "delete-promos", "--softdelete", "--deactivated", "--dry-run")
        assert status == 0
        assert json.loads(out)["deactivated_promotions"] == 1
        assert len(repo.promotions_of_retailer("r-1")) == 2
        status, out, _ = run(
            capsys, "delete-promos", "--softdelete", "--deactivated", "--batch-size", "10"
        )
        counts = json.loads(out)
        assert (counts["dry_run"], counts["soft_deleted_links"]) == (False, 1)
        assert [p.promo_id_retailer for p in repo.promotions_of_retailer("r-1")] == ["P2"]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "argv",
    [
        ["delete-promos"],
        ["delete-promos", "--softdelete", "--batch-size", "0"],
        ["evaluate", "--promotions", "x.json"],
        [],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    capsys.readouterr()


def test_an_invalid_configuration_exits_2_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MSPROMO_DATABASE_URL", raising=False)
    monkeypatch.setenv("MYSQL_DB_HOST", "db")
    monkeypatch.delenv("MYSQL_DATABASE", raising=False)
    status, _, err = run(capsys, "db", "upgrade")
    assert status == 2
    assert "MYSQL_DATABASE" in err


def test_serve_becomes_gunicorn_with_the_service_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, list[str]]] = []

    def fake_execv(path: str, argv: list[str]) -> None:
        calls.append((path, argv))

    monkeypatch.setattr(cli.os, "execv", fake_execv)
    monkeypatch.setenv("DEPLOYMENT_ENV", "test")
    cli.main(["serve", "--workers", "2"])
    [(path, argv)] = calls
    assert path == sys.executable
    assert argv[1:] == [
        "-m",
        "gunicorn",
        "-c",
        "python:mspromo_service.gunicorn_conf",
        "--workers",
        "2",
        "mspromo_service.wsgi:app",
    ]


@pytest.mark.parametrize("deployment", [None, "production"])
def test_serve_refuses_open_writes_outside_local_and_test(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], deployment: str | None
) -> None:
    monkeypatch.setattr(cli.os, "execv", lambda *a: pytest.fail("gunicorn was started"))
    monkeypatch.delenv("MSPROMO_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("MSPROMO_ALLOW_OPEN_WRITES", raising=False)
    if deployment is None:
        monkeypatch.delenv("DEPLOYMENT_ENV", raising=False)
    else:
        monkeypatch.setenv("DEPLOYMENT_ENV", deployment)
    status, _, err = run(capsys, "serve")
    assert status == 2
    assert err.startswith("mspromo serve: refusing to start: DEPLOYMENT_ENV is ")
    assert "MSPROMO_ADMIN_TOKEN is not set" in err and "\n" not in err.rstrip("\n")


def test_the_example_promotions_are_package_data_valid_for_store_s1() -> None:
    from importlib.resources import files

    from mspromo_engine import promotion_from_wire

    resource = files("mspromo_service").joinpath("examples/promotions.json")
    data = json.loads(resource.read_text("utf-8"), parse_float=Decimal)
    promos = [promotion_from_wire(p) for p in data["promotions"]]
    assert {p.family.value for p in promos} >= {"e", "c", "r"}
    assert all(p.stores == ("s-1",) for p in promos)
    assert all(p.start_date_time.year == 2020 and p.end_date_time.year == 2099 for p in promos)


def test_service_commands_without_the_service_extra_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gunicorn" else real(name, *a)
    )
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "mspromo[service]" in err
    assert "gunicorn" in err
