"""The one cattrs converter of the wire format, and :func:`structure`.

Hooks never convert a value whose cost depends on its size before checking it: integers
are range-checked on digits and exponent, collections on their length (``max_items``)
before any element is structured, strings on their length. Bounds come from field
metadata (:mod:`mspromo_engine.bounds`). Structuring collects problems with their paths
and raises one :class:`~mspromo_engine.exceptions.ValidationError`; past :data:`MAX_ERRORS` it stops
building error objects and only counts what it omits, so a flood of bad elements costs
little more than a valid body of the same size.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from mspromo_engine.bounds import (
    DECIMAL_PLACES,
    DEFAULT_LIMITS,
    INT_MAX,
    MAX_ERRORS,
    MONEY_INTEGER_DIGITS,
    Bound,
    Limits,
    bound_of,
)
from mspromo_engine.exceptions import ErrorDetail, ValidationError

__all__ = [
    "UNSET",
    "FieldError",
    "Unset",
    "converters",
    "structure",
    "tag_of",
    "wire_overrides",
    "wire_prepare",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


class FieldError(ValueError):
    """A reason for one field, raised by a hook; cattrs attaches the path."""


class Unset(enum.Enum):
    """A field the client did not send (for partial updates, where null means null)."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


def tag_of(cls: type) -> tuple[str, str] | None:
    """``(key, value)`` of a member of a tagged union: ``__wire_tag__ = ("action", "c")``."""
    tag = getattr(cls, "__wire_tag__", None)
    return tag if isinstance(tag, tuple) else None


_OVERRIDES: dict[type, dict[str, Any]] = {}


_PREPARE: dict[type, Callable[[Mapping[str, Any]], Mapping[str, Any]]] = {}


def wire_prepare(cls: type, prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> None:
    """Normalise a JSON object before it is structured as ``cls`` (documented aliases);
    a class may also define ``__wire_prepare__`` itself."""
    _PREPARE[cls] = prepare


def wire_overrides(cls: type, **fields: Any) -> None:
    """Per-field cattrs overrides of ``cls`` (wire renames, special hooks); register them
    before the class is first structured."""
    _OVERRIDES.setdefault(cls, {}).update(fields)


# -- scalar hooks ------------------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"-?[0-9]{1,19}")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool | float):
        # Binary floats never touch a price: send money as a string (or an integer).
        raise FieldError('not a decimal (send a string such as "12.50", not a float)')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        # Plain digits only ("12.50", "-3"): what the published pattern says, nothing more.
        if len(value) > 64 or not _DECIMAL_TEXT.fullmatch(value):
            raise FieldError("not a decimal")
        try:
            result = _parse_decimal(value)
        except InvalidOperation:
            raise FieldError("not a decimal") from None
    else:
        raise FieldError("not a decimal")
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


# Amounts and dates repeat across a store's promotions and across baskets: equal texts
# share one immutable object (bounded cache, a pure function of the text).
@functools.lru_cache(maxsize=4096)
def _parse_decimal(text: str) -> Decimal:
    return Decimal(text.strip())


@functools.lru_cache(maxsize=1024)
def _parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def _datetime(value: Any, _: type) -> datetime:
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


def _str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise FieldError("not a string")
    return value


def _integer(value: Any, low: int, high: int) -> int:
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


def _int(value: Any, _: type) -> int:
    return _integer(value, -INT_MAX - 1, INT_MAX)


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise FieldError("not a boolean")
    return value


def _enum(value: Any, cls: type[E]) -> E:
    try:
        return cls(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(m.value) for m in cls)
        raise FieldError(f"must be one of {allowed}") from None


# -- error budget --------------------------------------------------------------------------


@attrs.define
class _Budget:
    remaining: int = MAX_ERRORS
    omitted: int = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "mspromo_wire_budget", default=None
)


# -- containers ----------------------------------------------------------------------------


def _is_tuple_type(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _members(t: Any) -> tuple[Any, ...]:
    origin = get_origin(t)
    return get_args(t) if origin is typing.Union or origin is types.UnionType else ()


def _is_tagged_union(t: Any) -> bool:
    members = _members(t)
    return bool(members) and all(attrs.has(m) and tag_of(m) for m in members)


def _has_unset(t: Any) -> bool:
    return Unset in _members(t)


def _make_converter(limits: Limits, *, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(datetime, _datetime)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum
    )

    def tuple_factory(t: Any, c: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
        item_type = get_args(t)[0]
        item_hook = c.get_structure_hook(item_type)

        def fast(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise FieldError("not a list")
            return tuple([item_hook(v, item_type) for v in value])

        if not detailed:
            return fast
        fast_hook = converters(limits)[0].get_structure_hook(item_type)

        def hook(value: Any, _: Any) -> tuple[Any, ...]:
            # Only JSON arrays are lists: a string or an object is not silently iterated.
            if not isinstance(value, list | tuple):
                raise FieldError("not a list")
            budget = _budget.get() or _Budget()
            errors: list[Exception] = []
            out: list[Any] = []
            for i, v in enumerate(value):
                if budget.remaining <= 0:
                    try:  # past the cap: only count, without building error objects
                        fast_hook(v, item_type)
                    except Exception:
                        budget.omitted += 1
                    continue
                try:
                    out.append(item_hook(v, item_type))
                except Exception as exc:
                    note = IterableValidationNote(f"Structuring {t} @ index {i}", i, item_type)
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    errors.append(exc)
                    budget.remaining -= 1
            if errors:
                raise IterableValidationError(f"While structuring {t}", errors, t)
            return tuple(out)

        return hook

    conv.register_structure_hook_factory(_is_tuple_type, tuple_factory)

    def unset_factory(t: Any, c: cattrs.Converter) -> Callable[[Any, Any], Any]:
        rest = tuple(m for m in _members(t) if m is not Unset)
        inner_type = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        inner = c.get_structure_hook(inner_type)
        return lambda value, _: inner(value, inner_type)

    conv.register_structure_hook_factory(_has_unset, unset_factory)

    def union_factory(t: Any, c: cattrs.Converter) -> Callable[[Any, Any], Any]:
        members = _members(t)
        key = tag_of(members[0])[0]  # type: ignore[index]
        by_tag = {tag_of(m)[1]: m for m in members}  # type: ignore[index]
        allowed = ", ".join(by_tag)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise FieldError("not a JSON object")
            cls = by_tag.get(value.get(key)) if isinstance(value.get(key), str) else None
            if cls is None:
                raise FieldError(f"{key} must be one of {allowed}")
            return c.structure(value, cls)

        return hook

    conv.register_structure_hook_factory(_is_tagged_union, union_factory)

    def object_factory(cls: type, c: cattrs.Converter) -> Callable[[Any, Any], Any]:
        overrides: dict[str, Any] = dict(_OVERRIDES.get(cls, {}))
        attrs.resolve_types(cls)
        for a in attrs.fields(cls):
            b = bound_of(a)
            if b is not None:
                given = overrides.get(a.name)
                base = given.struct_hook if given is not None else None
                checked = _bounded(base or c.get_structure_hook(a.type), a.type, b, limits)
                overrides[a.name] = override(
                    rename=given.rename if given is not None else None, struct_hook=checked
                )
        forbid = bool(getattr(cls, "__wire_forbid_extra__", False))
        inner: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, c, _cattrs_forbid_extra_keys=forbid, **overrides
        )
        prepare = _PREPARE.get(cls) or getattr(cls, "__wire_prepare__", None)

        def hook(value: Any, _: Any) -> Any:
            # A string or a list where an object belongs is an error, never "empty".
            if not isinstance(value, Mapping):
                raise FieldError("not a JSON object")
            return inner(prepare(value) if prepare is not None else value, cls)

        return hook

    conv.register_structure_hook_factory(attrs.has, object_factory)
    return conv


def _bounded(
    inner: Callable[[Any, Any], Any], t: Any, b: Bound, limits: Limits
) -> Callable[[Any, Any], Any]:
    max_items = b.items_limit(limits)
    if b.minimum is not None or b.maximum is not None:
        low = b.minimum if b.minimum is not None else -INT_MAX - 1
        high = b.maximum if b.maximum is not None else INT_MAX
        nullable = type(None) in _members(t)

        def int_hook(value: Any, _: Any) -> Any:
            if (value is None and nullable) or value is UNSET:
                return inner(value, t)
            return _integer(value, low, high)

        return int_hook

    def hook(value: Any, _: Any) -> Any:
        if isinstance(value, list | Mapping):
            if max_items is not None and len(value) > max_items:
                raise FieldError(f"at most {max_items} items")
            if b.item_max_length is not None:
                for i, v in enumerate(value):
                    if isinstance(v, str) and len(v) > b.item_max_length:
                        raise FieldError(f"[{i}]: at most {b.item_max_length} characters")
        if isinstance(value, str):
            if b.max_length is not None and len(value) > b.max_length:
                raise FieldError(f"at most {b.max_length} characters")
            if b.min_length is not None and len(value) < b.min_length:
                raise FieldError(
                    "required" if b.min_length == 1 else f"at least {b.min_length} characters"
                )
        return inner(value, t)

    return hook


@functools.cache
def converters(limits: Limits = DEFAULT_LIMITS) -> tuple[cattrs.Converter, cattrs.Converter]:
    """(fast, detailed) converters with the same hooks, built once per set of limits: the
    fast one (generated code without per-field error bookkeeping) structures valid input;
    only when it raises does the detailed one run again to say what is wrong."""
    return _make_converter(limits, detailed=False), _make_converter(limits, detailed=True)


def _reason(exc: BaseException, _: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required"
    if isinstance(exc, FieldError):
        return str(exc)
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown fields: {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, TypeError | AttributeError):
        return "wrong type"
    if isinstance(exc, ValueError):
        return str(exc) or "invalid value"
    return "invalid value"


_MAPPING_KEY = re.compile(r"\['([^'\[\]]*)'\]")


def _to_errors(exc: BaseException, root: str, renames: Mapping[str, str]) -> list[ErrorDetail]:
    details = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_reason):
        message, _, where = line.rpartition(" @ ")
        path = root + where[1:] if where.startswith("$") else root
        for old, new in renames.items():
            path = path.replace(old, new)
        path = _MAPPING_KEY.sub(r".\1", path)  # group_to_nodes['g1'] -> group_to_nodes.g1
        details.append(ErrorDetail(path.lstrip("."), message))
    return details


def structure(
    data: Any,
    cls: type[T],
    *,
    path: str = "",
    limits: Limits = DEFAULT_LIMITS,
    renames: Mapping[str, str] | None = None,
) -> T:
    """``data`` (parsed JSON) as a ``cls``, or one ValidationError naming every problem
    (at most MAX_ERRORS, then a count of the rest). ``renames`` maps attribute names in
    error paths back to wire names (``{".nodes[": ".promo_group_nodes["}``)."""
    if not isinstance(data, Mapping):
        raise ValidationError([ErrorDetail(path, "not a JSON object")])
    fast, detailed = converters(limits)
    try:
        return fast.structure(data, cls)
    except Exception:  # the detailed converter below says what is wrong
        pass
    budget = _Budget()
    token = _budget.set(budget)
    try:
        return detailed.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        raise ValidationError(
            _to_errors(exc, path, renames or {}), omitted=budget.omitted
        ) from None
    except Exception as exc:  # a single field's hook raised outside a class
        raise ValidationError([ErrorDetail(path, _reason(exc, None))]) from None
    finally:
        _budget.reset(token)
