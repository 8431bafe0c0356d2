"""Scalar hooks of the wire converter: each judges a value on its text or type before any
conversion whose cost grows with its size (SPEC §7.1)."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from mspromo_engine.bounds import DECIMAL_PLACES, INT_MAX, MONEY_INTEGER_DIGITS

__all__ = [
    "FieldError",
    "bool_hook",
    "datetime_hook",
    "decimal_hook",
    "decimal_text",
    "enum_hook",
    "int_hook",
    "integer",
    "str_hook",
]

E = TypeVar("E", bound=enum.Enum)


class FieldError(ValueError):
    """A reason for one field, raised by a hook; cattrs attaches the path."""


_INTEGER_TEXT = re.compile(r"-?[0-9]{1,19}")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def decimal_hook(value: Any, _: type | None) -> Decimal:
    if isinstance(value, str):
        # Plain digits only ("12.50", "-3"): what the published pattern says, nothing more.
        if len(value) > 64:
            raise FieldError("not a decimal")
        return decimal_text(value)
    if isinstance(value, bool | float):
        # Binary floats never touch a price: send money as a string (or an integer).
        raise FieldError('not a decimal (send a string such as "12.50", not a float)')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        raise FieldError("not a decimal")
    return _checked(result)


# Amounts and dates repeat across a store's promotions and across baskets: equal texts
# share one immutable object, checked once (bounded cache, a pure function of the text;
# a text that fails raises, and is not cached).
@functools.lru_cache(maxsize=4096)
def decimal_text(value: str) -> Decimal:
    """A money text (at most 64 characters: the caller checks) as a checked Decimal."""
    if not _DECIMAL_TEXT.fullmatch(value):
        raise FieldError("not a decimal")
    try:
        result = Decimal(value.strip())
    except InvalidOperation:
        raise FieldError("not a decimal") from None
    return _checked(result)


def _checked(result: Decimal) -> Decimal:
    if not result.is_finite():
        raise FieldError("not a finite decimal")
    if result and result.adjusted() >= MONEY_INTEGER_DIGITS:
        # Keeps every product and sum well inside Decimal's 28-digit precision.
        raise FieldError(f"too large: at most {MONEY_INTEGER_DIGITS} digits before the point")
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_PLACES:
        # Trailing zeros do not count ("15.0000000" is 15); anything finer than the
        # storage's scale cannot be a price.
        normal = result.normalize().as_tuple().exponent
        if isinstance(normal, int) and normal < -DECIMAL_PLACES:
            raise FieldError(f"at most {DECIMAL_PLACES} decimal places")
    return result


@functools.lru_cache(maxsize=1024)
def _parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def datetime_hook(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            result = _parse_datetime(value)
        except ValueError:
            raise FieldError("not an ISO 8601 datetime") from None
    else:
        raise FieldError("not an ISO 8601 datetime")
    # A datetime without an offset is read as UTC (docs/decisions.md).
    return result if result.tzinfo is not None else result.replace(tzinfo=UTC)


def str_hook(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise FieldError("not a string")
    return value


def integer(value: Any, low: int, high: int) -> int:
    """An integer in ``[low, high]``, judged on its text before any conversion."""
    if isinstance(value, bool):
        raise FieldError("not an integer")
    if isinstance(value, int):
        result = value
    elif isinstance(value, Decimal):
        # From JSON: a literal with a fraction or exponent, or more than 19 digits.
        if not value.is_finite():
            raise FieldError("not an integer")
        if value and value.adjusted() > 18:
            raise FieldError(_out_of_range(value.is_signed(), low, high))
        if value != value.to_integral_value():
            raise FieldError("not an integer")
        result = int(value)
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        # A string of ASCII digits is read as an integer: the Django service these clients
        # already call accepted ``"qty": "3"`` (docs/decisions/evaluation.md).
        result = int(value.strip())
    else:
        raise FieldError("not an integer")
    if not low <= result <= high:
        raise FieldError(_out_of_range(result < low, low, high))
    return result


def _out_of_range(below: bool, low: int, high: int) -> str:
    return f"must be at least {low}" if below else f"must be at most {high}"


def int_hook(value: Any, _: type) -> int:
    return integer(value, -INT_MAX - 1, INT_MAX)


def bool_hook(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise FieldError("not a boolean")
    return value


def enum_hook(cls: type[E]) -> Callable[[Any, Any], E]:
    # A dict lookup, not ``cls(value)``: Enum's miss path is slow, and a flood of bad codes
    # must cost little more than good ones.
    members = {m.value: m for m in cls}
    message = f"must be one of {', '.join(str(v) for v in members)}"

    def hook(value: Any, _: Any) -> E:
        member = members.get(value) if isinstance(value, str) else None
        if member is None:
            raise FieldError(message)
        return member

    return hook
