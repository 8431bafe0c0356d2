"""Straight-line structure functions generated from the same attrs types, bounds and scalar
hooks as the converter, for the common case of a well-formed request.

The converter (:mod:`mspromo_engine.wire.converter`) stays the contract: a generated
function accepts a subset of what it accepts and builds the same value, and raises on
anything else (any exception: the caller then asks the converter, which says what is
wrong). The subset: exact JSON types (``dict``, ``list``, ``str``, ``int``, ``bool``) and
fields whose types the generator knows; an ``int`` out of range, a money text or an odd
number goes through the very hook the converter uses. One Python function per class, no
per-field hook calls: the cost of a line is a few dict lookups and its constructor.
"""

from __future__ import annotations

import linecache
import types
import typing
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, get_args, get_origin

import attrs

from mspromo_engine.bounds import INT_MAX, Limits, bound_of
from mspromo_engine.wire.scalars import datetime_hook, decimal_hook, decimal_text, integer

__all__ = ["FastOptions", "fast_structure_fn"]


class _Unsupported(Exception):
    """A field the generator does not know: the class has no fast path."""


@attrs.frozen
class FastOptions:
    """What the caller has normalised away, per class: ``nullable`` fields read JSON null
    as absent (default); a key in ``aliases`` sends the object to the converter (which
    knows the alias); ``omit`` fields always take their default (the caller handles them,
    and makes sure they are absent)."""

    nullable: Mapping[type, Collection[str]] = attrs.field(factory=dict)
    aliases: Mapping[type, Collection[str]] = attrs.field(factory=dict)
    omit: Mapping[type, Collection[str]] = attrs.field(factory=dict)


class _Gen:
    def __init__(self, limits: Limits, options: FastOptions) -> None:
        self.limits = limits
        self.options = options
        self.names: dict[str, Any] = {
            "_decimal_text": decimal_text,
            "_decimal": decimal_hook,
            "_datetime": datetime_hook,
            "_integer": integer,
            "_dict": dict,
            "_list": list,
            "_str": str,
            "_int": int,
            "_bool": bool,
            "_tuple": tuple,
        }
        self.lines: list[str] = []
        self.done: dict[type, str] = {}

    def name(self, value: Any, hint: str) -> str:
        key = f"_{hint}_{len(self.names)}"
        self.names[key] = value
        return key

    def klass(self, cls: type) -> str:
        """The name of the generated function for ``cls`` (generated once)."""
        if cls in self.done:
            return self.done[cls]
        if getattr(cls, "__wire_prepare__", None) or getattr(cls, "__wire_forbid_extra__", False):
            raise _Unsupported(cls)
        fn = f"fast_{cls.__name__}_{len(self.done)}"
        self.done[cls] = fn
        attrs.resolve_types(cls)
        nullable = self.options.nullable.get(cls, ())
        omit = self.options.omit.get(cls, ())
        body = ["if type(o) is not _dict:", "    raise TypeError('not a JSON object')"]
        for key in self.options.aliases.get(cls, ()):
            body += [f"if {key!r} in o:", "    raise KeyError('an alias')"]
        args = []
        for a in attrs.fields(cls):
            if not a.init or a.kw_only or a.alias != a.name:
                raise _Unsupported(cls, a.name)
            target = f"f_{a.name}"
            args.append(target)
            has_default = a.default is not attrs.NOTHING
            if has_default and isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                raise _Unsupported(cls, a.name)
            default = self.name(a.default, "default") if has_default else ""
            if a.name in omit:
                body.append(f"{target} = {default}")
                continue
            value = self.value(a.type, a, target)
            if not has_default:
                body.append(f"v = o[{a.name!r}]")
                body += value
            elif a.name in nullable:
                body += [f"v = o.get({a.name!r})", "if v is None:", f"    {target} = {default}"]
                body += ["else:", *("    " + line for line in value)]
            else:
                missing = self.name(attrs.NOTHING, "missing")
                body += [
                    f"v = o.get({a.name!r}, {missing})",
                    f"if v is {missing}:",
                    f"    {target} = {default}",
                ]
                body += ["else:", *("    " + line for line in value)]
        body.append(f"return {self.name(cls, 'cls')}({', '.join(args)})")
        self.lines += [f"def {fn}(o):", *("    " + line for line in body), ""]
        return fn

    def value(self, t: Any, a: attrs.Attribute[Any], target: str) -> list[str]:
        """Lines that check ``v`` as a ``t`` and set ``target``."""
        b = bound_of(a)
        members = get_args(t) if get_origin(t) in (typing.Union, types.UnionType) else ()
        if members:
            rest = [m for m in members if m is not type(None)]
            if len(rest) != 1 or len(members) != 2:
                raise _Unsupported(t)
            inner = self.value(rest[0], a, target)
            return ["if v is None:", f"    {target} = None", "else:", *("    " + x for x in inner)]
        if t is str:
            checks = ["type(v) is not _str"]
            if b is not None and b.max_length is not None:
                checks.append(f"len(v) > {b.max_length}")
            if b is not None and b.min_length is not None:
                checks.append(f"len(v) < {b.min_length}")
            return [f"if {' or '.join(checks)}:", "    raise ValueError(v)", f"{target} = v"]
        if t is bool:
            return ["if type(v) is not _bool:", "    raise ValueError(v)", f"{target} = v"]
        if t is int:
            low = b.minimum if b is not None and b.minimum is not None else -INT_MAX - 1
            high = b.maximum if b is not None and b.maximum is not None else INT_MAX
            return [
                f"if type(v) is not _int or not {low} <= v <= {high}:",
                f"    v = _integer(v, {low}, {high})",
                f"{target} = v",
            ]
        if t is Decimal:
            # Only short texts reach the cache (as in decimal_hook).
            return [
                f"{target} = (_decimal_text(v) if type(v) is _str and len(v) <= 64"
                " else _decimal(v, None))"
            ]
        if t is datetime:
            return [f"{target} = _datetime(v, None)"]
        if get_origin(t) is tuple and len(get_args(t)) == 2 and get_args(t)[1] is Ellipsis:
            return self.items(get_args(t)[0], a, target)
        if attrs.has(t):
            return [f"{target} = {self.klass(t)}(v)"]
        raise _Unsupported(t)

    def items(self, item: Any, a: attrs.Attribute[Any], target: str) -> list[str]:
        b = bound_of(a)
        limit = b.items_limit(self.limits) if b is not None else None
        checks = ["type(v) is not _list"]
        if limit is not None:
            checks.append(f"len(v) > {limit}")
        out = [f"if {' or '.join(checks)}:", "    raise ValueError('items')"]
        if item is str:
            length = b.item_max_length if b is not None else None
            out += [
                "for e in v:",
                f"    if type(e) is not _str{f' or len(e) > {length}' if length else ''}:",
                "        raise ValueError(e)",
                f"{target} = _tuple(v)",
            ]
        elif attrs.has(item):
            out.append(f"{target} = _tuple([{self.klass(item)}(e) for e in v])")
        else:
            raise _Unsupported(item)
        return out


def _compile(cls: type, limits: Limits, options: FastOptions) -> Callable[[Any], Any] | None:
    gen = _Gen(limits, options)
    try:
        entry = gen.klass(cls)
    except _Unsupported:
        return None
    source = "\n".join(gen.lines)
    filename = f"<mspromo fast structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(gen.names)
    exec(compile(source, filename, "exec"), namespace)  # the source generated above
    fn: Callable[[Any], Any] = namespace[entry]
    return fn


def fast_structure_fn(
    cls: type, limits: Limits, options: FastOptions
) -> Callable[[Any], Any] | None:
    """A function ``data -> cls`` for well-formed input (raises on anything else), or None
    when ``cls`` has a field the generator does not know. Build it once (per limits)."""
    return _compile(cls, limits, options)
