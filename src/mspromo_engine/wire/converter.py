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

import contextlib
import contextvars
import enum
import functools
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
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
    DEFAULT_LIMITS,
    INT_MAX,
    MAX_ERRORS,
    Bound,
    Limits,
    bound_of,
)
from mspromo_engine.exceptions import ErrorDetail, ValidationError
from mspromo_engine.wire.scalars import (
    FieldError,
    bool_hook,
    datetime_hook,
    decimal_hook,
    enum_hook,
    int_hook,
    integer,
    str_hook,
)

__all__ = [
    "UNSET",
    "FieldError",
    "Unset",
    "converters",
    "shared_error_budget",
    "structure",
    "tag_of",
    "wire_overrides",
    "wire_prepare",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


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


# -- error budget --------------------------------------------------------------------------


@attrs.define
class _Budget:
    remaining: int = MAX_ERRORS
    omitted: int = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "mspromo_wire_budget", default=None
)


@contextlib.contextmanager
def shared_error_budget() -> Iterator[None]:
    """Structure calls inside share one error budget (one request, several parts)."""
    token = _budget.set(_budget.get() or _Budget())
    try:
        yield
    finally:
        _budget.reset(token)


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
    conv.register_structure_hook(Decimal, decimal_hook)
    conv.register_structure_hook(datetime, datetime_hook)
    conv.register_structure_hook(str, str_hook)
    conv.register_structure_hook(int, int_hook)
    conv.register_structure_hook(bool, bool_hook)
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), enum_hook
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
            return integer(value, low, high)

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
    # One budget per request: parts structured separately (each promo_override) share it.
    budget = _budget.get() or _Budget()
    token = _budget.set(budget)
    omitted_before = budget.omitted
    try:
        return detailed.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        raise ValidationError(
            _to_errors(exc, path, renames or {}), omitted=budget.omitted - omitted_before
        ) from None
    except Exception as exc:  # a single field's hook raised outside a class
        raise ValidationError([ErrorDetail(path, _reason(exc, None))]) from None
    finally:
        _budget.reset(token)
