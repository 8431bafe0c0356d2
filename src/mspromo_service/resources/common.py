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

from mspromo_engine import json_default, wire

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


def loads(raw: bytes | str) -> Any:
    """Untrusted JSON text: strict UTF-8, no NaN/Infinity, bounded number handling, no
    lone surrogates (raises ValidationError, a ValueError)."""
    return wire.loads(raw)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return json_default(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if attrs.has(type(value)):
        return attrs.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    # Bodies are trees built for the response: no container holds itself, so the encoder's
    # circular-reference bookkeeping (8 % of encoding an evaluate response) is left out.
    return json.dumps(
        value, default=_default, ensure_ascii=False, separators=(",", ":"), check_circular=False
    )


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        falcon.HTTP_413,
        "Request body too large",
        f"the body must not exceed {max_bytes} bytes",
    )


_PIECE = 64 * 1024


def read_body(req: falcon.Request, max_bytes: int) -> bytes:
    """The raw body, at most ``max_bytes`` (else 413) whether it comes with a
    Content-Length or ``Transfer-Encoding: chunked`` (then read to its end, in pieces)."""
    length = req.content_length
    if length is not None:
        if length > max_bytes:
            raise _too_large(max_bytes)
        stream: Any = req.bounded_stream
    elif "chunked" in (req.get_header("Transfer-Encoding") or "").lower():
        # Falcon's bounded stream reads nothing without a length; the server (gunicorn)
        # de-chunks wsgi.input, which ends with the body.
        stream = req.stream
    else:
        return b""
    pieces: list[bytes] = []
    total = 0
    while True:
        piece = stream.read(min(_PIECE, max_bytes + 1 - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
        if total > max_bytes:
            raise _too_large(max_bytes)
    return b"".join(pieces)


def read_json(req: falcon.Request, max_bytes: int) -> Any:
    """The request body as JSON; 413 when over ``max_bytes``, 400 when malformed or empty."""
    return wire.loads(read_body(req, max_bytes))


def json_object(value: Any, path: str = "") -> dict[str, Any]:
    """``value`` when it is a JSON object, else a 400 naming ``path``."""
    if not isinstance(value, dict):
        bad_request(path, "must be a JSON object")
    return value


def str_param(req: falcon.Request, name: str, *, max_length: int = wire.ID_LEN) -> str | None:
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


def path_param(value: str, name: str, *, max_length: int = wire.ID_LEN) -> str:
    """A path segment within the length the storage allows."""
    if not value or len(value) > max_length:
        bad_request(name, f"must be 1 to {max_length} characters long", "Invalid path")
    return value
