"""The bulk ops (SPEC §7): parsing an op and applying u, n, g, s to a promotion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from mspromo_engine import Promotion, ValidationError, promotion_to_wire
from mspromo_engine.codec import default_short_code
from mspromo_engine.exceptions import ErrorDetail
from mspromo_service.storage.bulk import OpError
from mspromo_service.storage.limits import validated

# Header fields an ``u`` op may change (everything but ids, retailer, stores, children).
_NOT_UPDATABLE = frozenset(
    {"promo_id", "id", "retailer", "promo_id_retailer", "stores", "special_promo_info"}
)
_UPDATABLE = frozenset(f.name for f in attrs.fields(Promotion)) - _NOT_UPDATABLE - {"promo_groups"}


def _rename_paths(
    errors: Iterable[ErrorDetail], replace: Sequence[tuple[str, str]]
) -> list[ErrorDetail]:
    out = []
    for e in errors:
        path = e.path
        for old, new in replace:
            path = path.replace(old, new)
        out.append(ErrorDetail(path, e.message))
    return out


def op_payload(op: Any, i: int) -> tuple[str, Mapping[str, Any], str]:
    """(action, payload, path of the payload) of op ``i``; raises OpError."""
    where = f"ops[{i}]"
    if not isinstance(op, Mapping):
        raise OpError([ErrorDetail(where, "must be a JSON object")])
    action = op.get("action")
    if action not in ("c", "d", "u", "n", "g", "s"):
        raise OpError([ErrorDetail(f"{where}.action", "must be one of c, d, u, n, g, s")])
    if "body" in op:
        body = op["body"]
        if not isinstance(body, Mapping):
            raise OpError([ErrorDetail(f"{where}.body", "must be a JSON object")])
        return action, body, f"{where}.body"
    return action, {k: v for k, v in op.items() if k != "action"}, where


def _store_id(value: Any) -> Any:
    """Older clients send numeric store ids; they are the same ids as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def required_str(payload: Mapping[str, Any], field: str, path: str) -> str:
    value = payload.get(field)
    if field == "store_id":
        value = _store_id(value)
    if not isinstance(value, str) or not value:
        raise OpError([ErrorDetail(f"{path}.{field}", "required: a non-empty string")])
    return value


def optional_str(payload: Mapping[str, Any], field: str, path: str) -> str | None:
    value = payload.get(field)
    if field == "store_id":
        value = _store_id(value)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise OpError([ErrorDetail(f"{path}.{field}", "must be a non-empty string")])
    return value


def _revalidate(
    wire: dict[str, Any],
    current: Promotion,
    path: str,
    renames: Sequence[tuple[str, str]],
    *,
    short_code_given: bool = False,
) -> Promotion:
    """The updated promotion, validated again by the engine codec."""
    if not short_code_given and current.promo_short_code == default_short_code(current):
        wire["promo_short_code"] = ""  # a generated short code follows the new definition
    try:
        return validated(wire, path)
    except ValidationError as exc:
        raise OpError(_rename_paths(exc.errors, renames)) from None


def apply_update(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    head = payload.get("header")
    hp = f"{path}.header"
    if not isinstance(head, Mapping):
        raise OpError([ErrorDetail(hp, "required: a JSON object")])
    wire = promotion_to_wire(current)
    errors: list[ErrorDetail] = []
    for key, value in head.items():
        if key == "promo_groups":
            if not isinstance(value, list):
                errors.append(ErrorDetail(f"{hp}.promo_groups", "not a list"))
                continue
            by_name = {g["name"]: g for g in wire["promo_groups"]}
            for j, change in enumerate(value):
                gp = f"{hp}.promo_groups[{j}]"
                if not isinstance(change, Mapping):
                    errors.append(ErrorDetail(gp, "not a JSON object"))
                    continue
                group = by_name.get(change.get("name"))
                if group is None:
                    errors.append(ErrorDetail(f"{gp}.name", "no group of this name"))
                    continue
                for field in ("qty_or_value_min", "qty_or_value_max"):
                    if field in change:
                        group[field] = change[field]
                extra = set(change) - {"name", "qty_or_value_min", "qty_or_value_max"}
                if extra:
                    errors.append(ErrorDetail(gp, f"unknown fields: {', '.join(sorted(extra))}"))
        elif key in _NOT_UPDATABLE:
            errors.append(ErrorDetail(f"{hp}.{key}", "cannot be changed by an update"))
        elif key not in _UPDATABLE:
            errors.append(ErrorDetail(f"{hp}.{key}", "unknown field"))
        else:
            wire[key] = value
    if errors:
        raise OpError(errors)
    return _revalidate(wire, current, hp, (), short_code_given="promo_short_code" in head)


def apply_nodes(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    if len(current.promo_groups) != 1:
        raise OpError(
            [
                ErrorDetail(
                    path,
                    f"promotion {current.promo_id_retailer} has "
                    f"{len(current.promo_groups)} groups; replace its nodes with action g",
                )
            ]
        )
    if "nodes" not in payload:
        raise OpError([ErrorDetail(f"{path}.nodes", "required")])
    wire = promotion_to_wire(current)
    wire["promo_groups"][0]["promo_group_nodes"] = payload["nodes"]
    return _revalidate(wire, current, path, [(".promo_groups[0].promo_group_nodes", ".nodes")])


def apply_groups(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    spec = payload.get("group_to_nodes")
    gp = f"{path}.group_to_nodes"
    if not isinstance(spec, Mapping) or not spec:
        raise OpError([ErrorDetail(gp, "required: a JSON object of groups")])
    groups: list[dict[str, Any]] = []
    renames: list[tuple[str, str]] = []
    for k, (name, group) in enumerate(spec.items()):
        if not isinstance(group, Mapping):
            raise OpError([ErrorDetail(f"{gp}.{name}", "not a JSON object")])
        extra = set(group) - {"qty_or_value_min", "qty_or_value_max", "nodes"}
        if extra:
            raise OpError(
                [ErrorDetail(f"{gp}.{name}", f"unknown fields: {', '.join(sorted(extra))}")]
            )
        groups.append(
            {
                "name": name,
                "qty_or_value_min": group.get("qty_or_value_min"),
                "qty_or_value_max": group.get("qty_or_value_max"),
                "promo_group_nodes": group.get("nodes", []),
            }
        )
        if groups[-1]["qty_or_value_min"] is None:
            del groups[-1]["qty_or_value_min"]  # -> "required"
        renames.append((f".promo_groups[{k}]", f".group_to_nodes.{name}"))
    renames.append((".promo_group_nodes", ".nodes"))
    wire = promotion_to_wire(current)
    wire["promo_groups"] = groups
    return _revalidate(wire, current, path, renames)


def apply_special(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    infos = payload.get("special_promo_info")
    sp = f"{path}.special_promo_info"
    if not isinstance(infos, list):
        raise OpError([ErrorDetail(sp, "required: a list")])
    merged: dict[str, Any] = {
        i.group_qualifier_id: {
            "group_qualifier_id": i.group_qualifier_id,
            "description": i.description,
        }
        for i in current.special_promo_info
    }
    for j, info in enumerate(infos):
        if not isinstance(info, Mapping):
            raise OpError([ErrorDetail(f"{sp}[{j}]", "not a JSON object")])
        qid = info.get("group_qualifier_id")
        if not isinstance(qid, str) or not qid:
            raise OpError(
                [ErrorDetail(f"{sp}[{j}].group_qualifier_id", "required: a non-empty string")]
            )
        merged[qid] = {**merged.get(qid, {}), **info}
    wire = promotion_to_wire(current)
    wire["special_promo_info"] = list(merged.values())
    return _revalidate(wire, current, path, ())
