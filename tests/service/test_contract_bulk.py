"""The bulk envelope and its six ops, parsed once into typed values (SPEC §7, §7.1)."""

from __future__ import annotations

from typing import Any

import pytest

from mspromo_engine import ValidationError, wire
from mspromo_service.contract import (
    BulkTransaction,
    CreateOp,
    DeleteOp,
    ReplaceGroupsOp,
    ReplaceNodesOp,
    UpdateOp,
    UpsertSpecialOp,
)

PROMO = {
    "promo_id_retailer": "P2",
    "start_date_time": "2026-01-01T00:00:00Z",
    "end_date_time": "2027-01-01T00:00:00Z",
    "promo_groups": [
        {"name": "g1", "qty_or_value_min": "1", "promo_group_nodes": [{"node_id": "X"}]}
    ],
}


def parse(text: str | bytes, limits: wire.Limits = wire.DEFAULT_LIMITS) -> BulkTransaction:
    raw = text.encode() if isinstance(text, str) else text
    return wire.structure(wire.loads(raw), BulkTransaction, limits=limits)


def errors(body: Any, limits: wire.Limits = wire.DEFAULT_LIMITS) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        wire.structure(body, BulkTransaction, limits=limits)
    return [(e.path, e.message) for e in info.value.errors]


def test_each_action_structures_into_its_own_class_flat_or_in_a_body() -> None:
    ops = [
        {"action": "c", "body": PROMO},
        {"action": "d", "promo_id_retailer": "P1", "store_id": "s-1"},
        {"action": "u", "body": {"promo_id_retailer": "P1", "header": {"layer": 3}}},
        {"action": "n", "promo_id_retailer": "P1", "nodes": [{"node_id": "A"}]},
        {
            "action": "g",
            "promo_id_retailer": "P1",
            "group_to_nodes": {"g1": {"qty_or_value_min": "2"}},
        },
        {
            "action": "s",
            "promo_id_retailer": "P1",
            "special_promo_info": [{"group_qualifier_id": "Q"}],
        },
    ]
    parsed = wire.structure({"retailer": "acme", "ops": ops}, BulkTransaction)
    kinds = [type(op) for op in parsed.ops]
    assert kinds == [CreateOp, DeleteOp, UpdateOp, ReplaceNodesOp, ReplaceGroupsOp, UpsertSpecialOp]
    create = parsed.ops[0]
    assert isinstance(create, CreateOp) and create.body.retailer == "acme"
    update = parsed.ops[2]
    assert isinstance(update, UpdateOp) and update.header.changes() == {"layer": 3}
    special = parsed.ops[5]
    assert isinstance(special, UpsertSpecialOp)
    assert special.special_promo_info[0].description is wire.UNSET


def test_an_update_sends_null_to_clear_a_field_and_cannot_touch_ids() -> None:
    body = {
        "retailer": "acme",
        "ops": [{"action": "u", "promo_id_retailer": "P1", "header": {"max_discount": None}}],
    }
    update = wire.structure(body, BulkTransaction).ops[0]
    assert isinstance(update, UpdateOp) and update.header.changes() == {"max_discount": None}
    body["ops"][0]["header"] = {"retailer": "other"}
    assert errors(body) == [("ops[0].header", "unknown fields: retailer")]


def test_an_unknown_action_and_numeric_ids_are_named() -> None:
    body = {
        "retailer": "acme",
        "ops": [{"action": "x"}, {"action": "d", "promo_id_retailer": 7, "store_id": 5}],
    }
    assert errors(body) == [
        ("ops[0]", "action must be one of c, d, u, n, g, s"),
        ("ops[1].promo_id_retailer", "not a string"),
        ("ops[1].store_id", "not a string"),
    ]


def test_huge_numbers_in_ops_are_refused_on_their_text() -> None:
    text = (
        '{"retailer":"acme","ops":[{"action":"u","promo_id_retailer":"P",'
        '"header":{"layer":1e999999,"max_application_limit":2147483648}}]}'
    )
    with pytest.raises(ValidationError) as info:
        parse(text)
    assert [(e.path, e.message) for e in info.value.errors] == [
        ("ops[0].header.max_application_limit", "must be at most 2147483647"),
        ("ops[0].header.layer", "must be at most 2147483647"),
    ]


def test_the_op_count_is_bounded_before_any_op_is_read() -> None:
    limits = wire.Limits(bulk_ops=2)
    body = {"retailer": "acme", "ops": [{"action": "zz"}] * 3}
    assert errors(body, limits) == [("ops", "at most 2 items")]


def test_a_flood_of_bad_ops_lists_one_hundred_errors_and_counts_the_rest() -> None:
    body = {
        "retailer": "acme",
        "ops": [{"action": "d", "promo_id_retailer": 1, "store_id": "s"}] * 500,
    }
    with pytest.raises(ValidationError) as info:
        wire.structure(body, BulkTransaction)
    assert len(info.value.errors) == 100
    assert info.value.as_body()["errors_omitted"] == 400


def test_a_group_of_a_g_op_is_named_by_its_key() -> None:
    nodes = [{"node_id": "A", "node_type": "zz"}]
    op = {
        "action": "g",
        "promo_id_retailer": "P1",
        "group_to_nodes": {"g1": {"qty_or_value_min": "1", "nodes": nodes}},
    }
    assert errors({"retailer": "acme", "ops": [op]}) == [
        (
            "ops[0].group_to_nodes.g1.nodes[0].node_type",
            "must be one of i, c1, c2, c3, c4, c5, c6, c7",
        )
    ]
