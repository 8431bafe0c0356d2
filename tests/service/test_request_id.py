"""Request ids: honoured or generated, echoed, and in the one JSON access-log line."""

from __future__ import annotations

import json
import logging

import pytest
from fakes import FakeRepository, client

from mspromo_service.app import JsonLogFormatter


def test_generated_when_absent() -> None:
    api = client(FakeRepository())
    a = api.simulate_get("/health_check/").headers["x-request-id"]
    b = api.simulate_get("/health_check/").headers["x-request-id"]
    assert a and b and a != b


def test_honoured_when_given() -> None:
    api = client(FakeRepository())
    r = api.simulate_get("/health_check/", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize("given", ["x" * 500, "bad id with spaces", "new\nline", ""])
def test_unsafe_ids_are_replaced(given: str) -> None:
    api = client(FakeRepository())
    r = api.simulate_get("/health_check/", headers={"X-Request-ID": given})
    assert r.headers["x-request-id"] != given
    assert len(r.headers["x-request-id"]) == 32


def test_echoed_on_errors_too() -> None:
    api = client(FakeRepository())
    r = api.simulate_post(
        "/api/1.0/promotions/evaluate/", body=b"{", headers={"X-Request-ID": "e1"}
    )
    assert r.status_code == 400
    assert r.headers["x-request-id"] == "e1"
    r = api.simulate_get("/nowhere", headers={"X-Request-ID": "e2"})
    assert (r.status_code, r.headers["x-request-id"]) == (404, "e2")


def test_one_json_access_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    api = client(FakeRepository(), service_name="promo-svc")
    with caplog.at_level(logging.INFO, logger="mspromo_service.access"):
        api.simulate_get("/health_check/", headers={"X-Request-ID": "rid-7"})
    records = [r for r in caplog.records if r.name == "mspromo_service.access"]
    assert len(records) == 1
    line = JsonLogFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "rid-7"
    assert entry["method"] == "GET"
    assert entry["path"] == "/health_check/"  # as sent: the trailing slash kept
    assert entry["status"] == 200
    assert "error" not in entry
    assert entry["service"] == "promo-svc"
    assert isinstance(entry["duration_ms"], float)
    assert entry["level"] == "INFO"


def test_the_access_line_keeps_the_query_string_and_a_4xx_title(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = client(FakeRepository())
    with caplog.at_level(logging.INFO, logger="mspromo_service.access"):
        api.simulate_get("/api/1.0/promotions/", query_string="limit=0&retailer=r1")
        api.simulate_get("/nowhere/")
    first, second = (r for r in caplog.records if r.name == "mspromo_service.access")
    assert first.path == "/api/1.0/promotions/?limit=0&retailer=r1"  # type: ignore[attr-defined]
    assert first.status == 400  # type: ignore[attr-defined]
    assert first.error == "Invalid query parameter"  # type: ignore[attr-defined]
    assert first.getMessage() == (
        "GET /api/1.0/promotions/?limit=0&retailer=r1 400 Invalid query parameter"
    )
    assert (second.path, second.status) == ("/nowhere/", 404)  # type: ignore[attr-defined]
    assert second.error  # type: ignore[attr-defined]


def test_formatter_keeps_a_stack_on_one_line() -> None:
    try:
        raise ValueError("inner")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed", None, exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    line = JsonLogFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: inner" in json.loads(line)["exc"]
