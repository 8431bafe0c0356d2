"""What every resource shares: JSON in and out, error bodies, query parameters.

JSON is read with ``parse_float=Decimal`` (a binary float never touches a price) and
written with decimals as strings. Every error body has the SPEC §7 shape
``{"title", "description", "errors": [{"path", "message"}]}``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import falcon

from mspromo_engine.codec import json_default

__all__ = [
    "ApiError",
    "dumps",
    "error_body",
    "int_param",
    "loads",
    "read_json",
    "str_param",
]


class ApiError(falcon.HTTPError):
    """An HTTP error whose body carries ``errors: [{path, message}]``."""

    def __init__(
        self,
        status: str,
        title: str,
        description: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, title=title, description=description, headers=headers)
        self.errors: list[dict[str, str]] = errors or []


def error_body(title: str, description: str | None, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"title": title, "description": description or title, "errors": errors}


def bad_request(path: str, message: str, title: str = "Invalid input") -> NoReturn:
    raise ApiError(
        falcon.HTTP_400,
        title,
        f"{path}: {message}" if path else message,
        [{"path": path, "message": message}],
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(raw: bytes | str) -> Any:
    """Parse JSON with decimals for non-integers and no NaN/Infinity."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return json_default(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if attrs.has(type(value)):
        return attrs.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def read_json(req: falcon.Request, max_bytes: int) -> Any:
    """The request body as JSON; 413 when over ``max_bytes``, 400 when malformed or empty."""
    length = req.content_length
    if length is not None and length > max_bytes:
        raise ApiError(
            falcon.HTTP_413,
            "Request body too large",
            f"the body must not exceed {max_bytes} bytes",
        )
    raw = req.bounded_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(
            falcon.HTTP_413,
            "Request body too large",
            f"the body must not exceed {max_bytes} bytes",
        )
    if not raw.strip():
        bad_request("", "a JSON body is required", "Malformed JSON")
    try:
        return loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, NaN, …
        bad_request("", f"the body is not valid JSON: {exc}", "Malformed JSON")


def json_object(value: Any, path: str = "") -> dict[str, Any]:
    """``value`` when it is a JSON object, else a 400 naming ``path``."""
    if not isinstance(value, dict):
        bad_request(path, "must be a JSON object")
    return value


def str_param(req: falcon.Request, name: str, *, max_length: int = 255) -> str | None:
    """An optional query string parameter; blank counts as absent."""
    values = [v for v in req.get_param_as_list(name) or () if v != ""]
    if not values:
        return None
    if len(values) > 1:
        bad_request(name, "must be given at most once", "Invalid query parameter")
    value = values[0]
    if len(value) > max_length:
        bad_request(name, f"must be 1 to {max_length} characters long", "Invalid query parameter")
    return value


def int_param(req: falcon.Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """An optional integer query parameter within ``[minimum, maximum]``."""
    raw = str_param(req, name, max_length=32)
    if raw is None:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        bad_request(name, "must be an integer", "Invalid query parameter")
    if not minimum <= value <= maximum:
        bad_request(name, f"must be between {minimum} and {maximum}", "Invalid query parameter")
    return value


def path_param(value: str, name: str, *, max_length: int = 255) -> str:
    """A path segment within the length the storage allows."""
    if not value or len(value) > max_length:
        bad_request(name, f"must be 1 to {max_length} characters long", "Invalid path")
    return value
