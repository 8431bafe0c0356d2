"""JSON Schema (OpenAPI 3.1) of wire types, generated from the attrs classes the converter
structures: the same field types, defaults, renames and bounds (SPEC §7.1), so the
published contract cannot drift from what the service accepts.

What the structuring code accepts beyond the attrs fields (null for an absent optional
field, documented aliases) is declared next to that code with :func:`wire_doc`.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, get_args, get_origin

import attrs

from mspromo_engine.bounds import (
    DECIMAL_PLACES,
    DEFAULT_LIMITS,
    INT_MAX,
    MONEY_INTEGER_DIGITS,
    Bound,
    Limits,
    bound_of,
)
from mspromo_engine.wire.converter import _OVERRIDES, Unset, tag_of
from mspromo_engine.wire.shapes import Money

__all__ = ["MONEY_OUT", "MONEY_PATTERN", "SchemaBuilder", "WireDoc", "wire_doc"]

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
MONEY_IN: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": MONEY_PATTERN, "maxLength": 64},
        {"type": "number"},
    ],
    "description": 'A decimal amount: a string such as "12.50" or a JSON number, read '
    "exactly from its text (never through a binary float). At most "
    f"{MONEY_INTEGER_DIGITS} digits before the point and {DECIMAL_PLACES} after it "
    "(trailing zeros do not count); money at most the currency's decimals.",
}
MONEY_OUT: dict[str, Any] = {
    "type": "string",
    "pattern": r"^-?[0-9]+\.[0-9]{3}$",
    "description": 'Money with three decimal places, e.g. "5.000".',
}


@attrs.frozen
class WireDoc:
    """What a class's wire form allows besides its fields: ``nullable`` fields (null reads
    as absent), ``optional`` fields (filled in by the parser), ``extra`` properties
    (aliases), and per-field ``schemas`` replacing the generated one."""

    nullable: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = attrs.Factory(dict)
    schemas: Mapping[str, Any] = attrs.Factory(dict)
    description: str = ""


_DOCS: dict[type, WireDoc] = {}


def wire_doc(cls: type, **kwargs: Any) -> None:
    """Declare what the wire form of ``cls`` accepts beyond its fields (see WireDoc)."""
    for key in ("nullable", "optional"):
        if key in kwargs:
            kwargs[key] = frozenset(kwargs[key])
    _DOCS[cls] = WireDoc(**kwargs)


def _members(t: Any) -> tuple[Any, ...]:
    origin = get_origin(t)
    return get_args(t) if origin is typing.Union or origin is types.UnionType else ()


class SchemaBuilder:
    """Builds schemas into ``components`` (``#/components/schemas/<ClassName>``)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.components: dict[str, Any] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: recursion and sharing
            self.components[name] = self._object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def of(self, t: Any, b: Bound | None = None) -> dict[str, Any]:
        members = _members(t)
        if members:
            rest = [m for m in members if m is not Unset and m is not type(None)]
            if rest and all(attrs.has(m) and tag_of(m) for m in rest):
                key = tag_of(rest[0])[0]  # type: ignore[index]
                return {
                    "oneOf": [self.ref(m) for m in rest],
                    "discriminator": {"propertyName": key},
                }
            inner = (
                self.of(rest[0], b) if len(rest) == 1 else {"anyOf": [self.of(m, b) for m in rest]}
            )
            if type(None) in members:
                return {"anyOf": [inner, {"type": "null"}]}
            return inner
        if attrs.has(t):
            return self.ref(t)
        if t is Money:
            self.components.setdefault("Money", MONEY_OUT)
            return {"$ref": "#/components/schemas/Money"}
        origin = get_origin(t)
        if origin is tuple:
            out: dict[str, Any] = {"type": "array", "items": self.of(get_args(t)[0])}
            if b is not None:
                limit = b.items_limit(self.limits)
                if limit is not None:
                    out["maxItems"] = limit
                if b.item_max_length is not None:
                    out["items"] = {**out["items"], "maxLength": b.item_max_length}
            return out
        if origin is dict:
            out = {"type": "object", "additionalProperties": self.of(get_args(t)[1])}
            limit = b.items_limit(self.limits) if b is not None else None
            if limit is not None:
                out["maxProperties"] = limit
            return out
        if t is str:
            out = {"type": "string"}
            if b is not None and b.max_length is not None:
                out["maxLength"] = b.max_length
            if b is not None and b.min_length is not None:
                out["minLength"] = b.min_length
            return out
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            low = b.minimum if b is not None and b.minimum is not None else -INT_MAX - 1
            high = b.maximum if b is not None and b.maximum is not None else INT_MAX
            return {"type": "integer", "minimum": low, "maximum": high}
        if t is Decimal:
            self.components.setdefault("Decimal", MONEY_IN)
            return {"$ref": "#/components/schemas/Decimal"}
        if t is datetime:
            return {"type": "string", "format": "date-time", "maxLength": 64}
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return {"type": "string", "enum": [m.value for m in t]}
        return {}

    def _object(self, cls: type) -> dict[str, Any]:
        attrs.resolve_types(cls)
        # A subclass (e.g. a request extended with more fields) accepts what its base does.
        doc = next((_DOCS[c] for c in cls.__mro__ if c in _DOCS), WireDoc())
        renames = _OVERRIDES.get(cls, {})
        tag = tag_of(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for a in attrs.fields(cls):
            given = renames.get(a.name)
            name = given.rename if given is not None and given.rename else a.name
            if a.name in doc.schemas:
                schema = doc.schemas[a.name]
            elif tag is not None and a.name == tag[0]:
                schema = {"type": "string", "const": tag[1]}
            else:
                schema = self.of(a.type, bound_of(a))
            if a.name in doc.nullable:
                schema = {"anyOf": [schema, {"type": "null"}]}
            properties[name] = schema
            has_default = a.default is not attrs.NOTHING
            if not has_default and a.name not in doc.optional:
                required.append(name)
        properties.update(doc.extra)
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            out["required"] = required
        if getattr(cls, "__wire_forbid_extra__", False):
            out["additionalProperties"] = False
        text = doc.description or (cls.__doc__ or "").strip().split("\n\n")[0]
        if text:
            out["description"] = " ".join(text.split())
        return out
