"""Every response the test suite receives is checked against ``/openapi.json`` (SPEC §7.1:
the published contract is the truth). ``tests/conftest.py`` wraps Falcon's TestClient with
:func:`check`; the gunicorn end-to-end client calls it too."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema

_DOCUMENTED_ELSEWHERE = {405, 500}  # no route method / a bug: reported by other checks


@functools.cache
def _document() -> dict[str, Any]:
    from mspromo_service.openapi import build_document

    return build_document()


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    out = []
    for path, item in _document()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path.rstrip("/")))
        out.append((re.compile(f"^{pattern}/?$"), item))
    return out


@functools.cache
def _validator(ref: str) -> jsonschema.protocols.Validator:
    schema = {"$ref": ref, "components": _document()["components"]}
    cls = jsonschema.validators.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    )
    return cls(schema)


class ContractViolation(AssertionError):
    pass


def check(method: str, path: str, status: int, content_type: str | None, body: Any) -> None:
    """Raise ContractViolation when the response is not what the document says."""
    path = path.split("?", 1)[0]
    item = next((item for pattern, item in _routes() if pattern.match(path)), None)
    if item is None or method.lower() not in item:
        return  # not an API route (console, unknown path): nothing is promised
    if status in _DOCUMENTED_ELSEWHERE:
        return
    op = item[method.lower()]
    responses = op["responses"]
    entry = responses.get(str(status))
    if entry is None and status in (401, 503):
        # Auth (any write) and an unavailable database (any call) may answer these.
        return
    if entry is None:
        raise ContractViolation(f"{method} {path}: status {status} is not documented")
    schema = entry.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or method.upper() == "HEAD":
        return
    if content_type is not None and not content_type.startswith("application/json"):
        raise ContractViolation(f"{method} {path} {status}: content type {content_type}")
    if "$ref" not in schema:
        return
    errors = sorted(_validator(schema["$ref"]).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.absolute_path))
        raise ContractViolation(
            f"{method} {path} {status}: response does not match {schema['$ref']} at "
            f"{where!r}: {first.message[:300]}"
        )
