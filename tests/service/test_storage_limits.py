"""Column limits come from the schema: a value of a column's size is stored, one more is a
400 naming the field, and the published limits are the database's own column sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from mspromo_engine import Group, Node, Promotion, SpecialPromoInfo, ValidationError, wire
from mspromo_service import storage
from mspromo_service.storage.schema import column_limits, decimal_limits


def _group(name: str = "g1", node_id: str = "PEN") -> dict[str, Any]:
    return {
        "name": name,
        "qty_or_value_min": 3,
        "promo_group_nodes": [{"node_id": node_id, "node_type": "i"}],
    }


# (input path, column, how a value of that length goes into a wire promotion)
CASES: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
    ("retailer", "promo_header.retailer", lambda v: {"retailer": v}),
    ("promo_id_retailer", "promo_header.promo_id_retailer", lambda v: {"promo_id_retailer": v}),
    ("title", "promo_header.title", lambda v: {"title": v}),
    ("promo_short_code", "promo_header.promo_short_code", lambda v: {"promo_short_code": v}),
    ("promo_groups[0].name", "promo_group.name", lambda v: {"promo_groups": [_group(name=v)]}),
    (
        "promo_groups[0].promo_group_nodes[0].node_id",
        "promo_group_node.node_id",
        lambda v: {"promo_groups": [_group(node_id=v)]},
    ),
    ("stores[0]", "promo_header_store.store_id", lambda v: {"stores": [v]}),
    (
        "special_promo_info[0].group_qualifier_id",
        "special_promo_info.group_qualifier_id",
        lambda v: {"special_promo_info": [{"group_qualifier_id": v, "description": ""}]},
    ),
]


@pytest.mark.parametrize(("path", "column", "fields"), CASES, ids=[c[0] for c in CASES])
def test_a_value_of_the_column_size_is_stored_and_one_more_is_rejected(
    repo: storage.SqlRepository,
    make_promo: Any,
    path: str,
    column: str,
    fields: Callable[[str], dict[str, Any]],
) -> None:
    table, name = column.split(".")
    size = column_limits[table][name]
    data = {**make_promo("P1"), **fields("x" * size)}
    created = repo.create_promotion(data)
    assert created.retailer == data["retailer"]
    with pytest.raises(ValidationError) as info:
        repo.create_promotion({**make_promo("P2"), **fields("y" * (size + 1))})
    # (The wire contract bounds each store id of the list itself, naming the list.)
    expected = (
        ("stores", f"[0]: at most {size} characters")
        if path == "stores[0]"
        else (path, f"at most {size} characters")
    )
    assert [(e.path, e.message) for e in info.value.errors] == [expected]


def test_the_published_limits_are_the_database_column_sizes(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for table, columns in column_limits.items():
        found = {c["name"]: c["type"] for c in inspector.get_columns(table)}
        for name, size in columns.items():
            assert getattr(found[name], "length", None) == size, (table, name)
    assert column_limits["promo_header"]["retailer"] == 128  # SPEC §7.1
    assert column_limits["promo_header"]["promo_id_retailer"] == 255


def test_decimals_beyond_the_column_scale_are_rejected(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    places = "0." + "0" * decimal_limits.scale + "1"
    with pytest.raises(ValidationError) as info:
        repo.create_promotion(make_promo("P1", discount_type="p", discount_value=places))
    assert [e.message for e in info.value.errors] == [
        f"at most {decimal_limits.scale} decimal places"
    ]


# The wire types' bounds (mspromo_engine, which cannot import the service) against the
# columns they are stored in: the published maxLength is what the database holds.
WIRE_COLUMNS = [
    (Promotion, "retailer", "promo_header.retailer"),
    (Promotion, "promo_id_retailer", "promo_header.promo_id_retailer"),
    (Promotion, "title", "promo_header.title"),
    (Promotion, "promo_short_code", "promo_header.promo_short_code"),
    (Promotion, "target_discounted_group_name", "promo_header.target_discounted_group_name"),
    (Promotion, "stores", "promo_header_store.store_id"),
    (Group, "name", "promo_group.name"),
    (Node, "node_id", "promo_group_node.node_id"),
    (SpecialPromoInfo, "group_qualifier_id", "special_promo_info.group_qualifier_id"),
]


@pytest.mark.parametrize(("cls", "field", "column"), WIRE_COLUMNS)
def test_the_wire_bounds_are_the_column_sizes(cls: type, field: str, column: str) -> None:
    found = wire.bound_of(attrs.fields_dict(cls)[field])
    assert found is not None
    table, name = column.split(".")
    assert (found.max_length or found.item_max_length) == column_limits[table][name]
