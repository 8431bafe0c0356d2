"""Reading untrusted JSON text with bounded cost (SPEC §7.1).

* Only strict UTF-8 (no BOM games, no encoded surrogates) and standard JSON: NaN and
  Infinity are refused.
* Numbers are never converted by size: an integer literal of more than
  :data:`_INT_DIGITS` digits and every literal with a fraction or exponent become an exact
  :class:`~decimal.Decimal` (``Decimal("1e999999")`` is a few bytes and costs nothing);
  field hooks then check the range on digits and exponent before any ``int()``.
* A lone surrogate (``"\\ud800"``) anywhere, key or value, is an error with its path.

Errors are :class:`~mspromo_engine.exceptions.ValidationError` (title "Malformed JSON").
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from mspromo_engine.exceptions import ErrorDetail, ValidationError

__all__ = ["loads"]

# Up to 19 digits (plus sign) an int is exact and cheap; longer literals stay Decimal and
# are refused by every integer field's range check.
_INT_DIGITS = 19
_NOT_A_NUMBER = Decimal("NaN")  # an exponent beyond Decimal's own range: refused later
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _parse_int(text: str) -> int | Decimal:
    if len(text) <= _INT_DIGITS:
        return int(text)
    return Decimal(text)


def _parse_float(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # e.g. 1e99999999999999999999: no finite value has it
        return _NOT_A_NUMBER


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _malformed(message: str, path: str = "") -> ValidationError:
    return ValidationError([ErrorDetail(path, message)], title="Malformed JSON")


def _bad_text(value: Any, path: str) -> str | None:
    """The path of the first string (key or value) that is not valid Unicode text."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        v, p = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return p
        elif isinstance(v, dict):
            for k, item in v.items():
                kp = f"{p}.{k}" if p else str(k)
                try:
                    k.encode("utf-8")
                except UnicodeEncodeError:
                    return p or "(a key)"
                stack.append((item, kp))
        elif isinstance(v, list):
            stack.extend((item, f"{p}[{i}]") for i, item in enumerate(v))
    return None


def loads(raw: bytes | str) -> Any:
    """Parse a request body; raises ValidationError when it is not valid UTF-8 JSON."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed(f"the body is not valid UTF-8 (byte {exc.start})") from None
        escapes = _SURROGATE_ESCAPE.search(raw) is not None
    else:
        text = raw
        escapes = _SURROGATE_ESCAPE.search(raw.encode("utf-8", "surrogatepass")) is not None
    if not text.strip():
        raise _malformed("a JSON body is required")
    try:
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except RecursionError:
        raise _malformed("the body is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity
        raise _malformed(f"the body is not valid JSON: {exc}") from None
    # Surrogate escapes are rare: only then is every string looked at. (A valid pair
    # decodes to one character and passes.)
    if escapes or not isinstance(raw, bytes):
        where = _bad_text(value, "")
        if where is not None:
            raise ValidationError(
                [ErrorDetail(where, "not valid Unicode text (a lone surrogate)")],
                title="Malformed JSON",
            )
    return value
