"""Bulk transactions: six actions, all or nothing, the failing op named by its index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fakes import bulk

from mspromo_engine import ValidationError
from mspromo_service import storage
from mspromo_service.exceptions import NotFound

Counts = Callable[[sa.Engine], dict[str, int]]


def c(body: dict[str, Any]) -> dict[str, Any]:
    return {"action": "c", "body": body}


def op(action: str, promo_id: str = "P1", store_id: Any = "s-1", **fields: Any) -> dict[str, Any]:
    return {
        "action": action,
        "body": {"promo_id_retailer": promo_id, "store_id": store_id, **fields},
    }


def error_of(repo: storage.SqlRepository, ops: list[dict[str, Any]]) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        bulk(repo, "r-1", ops)
    return info.value


def test_create_ops_store_every_promotion_and_bump_each_store_once(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    bulk(
        repo,
        "r-1",
        [
            c(make_promo("P1", stores=["s-1", "s-2"])),
            c(make_promo("P2")),
            {"action": "c", "promo_id_retailer": "P3", **_without_id(make_promo("P3"))},
        ],
    )
    assert {p.promo_id_retailer for p in repo.promotions_of_store("s-1")} == {"P1", "P2", "P3"}
    assert (repo.store_revision("s-1"), repo.store_revision("s-2")) == (1, 1)


def _without_id(promo: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in promo.items() if k != "promo_id_retailer"}


def test_a_create_op_takes_the_transactions_retailer_when_it_has_none(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    body = make_promo("P1")
    del body["retailer"]
    bulk(repo, "r-1", [c(body)])
    assert repo.get_promotion("s-1", "P1").retailer == "r-1"


def test_a_create_op_of_another_retailer_is_rejected(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    err = error_of(repo, [c(make_promo("P1", retailer="r-2"))])
    assert err.errors[0].path == "ops[0].body.retailer"


def test_creating_an_existing_promotion_names_the_op(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    err = error_of(repo, [c(make_promo("P2")), c(make_promo("P1"))])
    assert str(err.errors[0]) == "ops[1]: promotion P1 already exists for retailer r-1"
    with pytest.raises(NotFound):  # P2 was not written either
        repo.get_promotion("s-1", "P2")


def test_a_delete_op_soft_deletes_the_link_and_is_idempotent(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1", stores=["s-1", "s-2"]))
    bulk(repo, "r-1", [op("d"), op("d")])
    bulk(repo, "r-1", [{"action": "d", "promo_id_retailer": "P1", "store_id": "s-1"}])
    assert repo.promotions_of_store("s-1") == []
    assert repo.get_promotion("s-2", "P1").stores == ("s-2",)


def test_a_numeric_store_id_in_an_op_is_refused(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    # SPEC §7.1: a JSON number where an id is expected is a 400, on every endpoint alike.
    repo.create_promotion(make_promo("P1", stores=["12", "s-1"]))
    err = error_of(repo, [op("d", store_id=12)])
    assert [(e.path, e.message) for e in err.errors] == [("ops[0].store_id", "not a string")]
    assert repo.get_promotion("12", "P1").stores == ("12", "s-1")


def test_a_delete_op_of_an_unknown_promotion_or_store_is_an_error(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    assert str(error_of(repo, [op("d", "P9")]).errors[0]) == "ops[0]: promotion P9 does not exist"
    assert "not linked to store s-7" in str(error_of(repo, [op("d", store_id="s-7")]))
    # (Parse errors name the op's fields as the contract reads them, flat.)
    assert error_of(repo, [op("d", store_id="")]).errors[0].path == "ops[0].store_id"


def test_an_update_op_changes_header_fields_and_group_limits(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    bulk(
        repo,
        "r-1",
        [
            op(
                "u",
                header={
                    "title": "Buy 4 pens",
                    "discount_value": "12.50",
                    "max_application_limit": 2,
                    "promo_groups": [{"name": "g1", "qty_or_value_min": 4, "qty_or_value_max": 8}],
                },
            )
        ],
    )
    promo = repo.get_promotion("s-1", "P1")
    assert promo.title == "Buy 4 pens"
    assert str(promo.discount_value) == "12.5"
    assert promo.max_application_limit == 2
    group = promo.promo_groups[0]
    assert (group.qty_or_value_min, group.qty_or_value_max) == (4, 8)
    assert [n.node_id for n in group.nodes] == ["PEN"]
    # The generated short code follows the new definition.
    assert promo.promo_short_code == "Buy4ofG1for12.5v"


def test_an_update_op_that_breaks_a_rule_is_rejected_by_the_engine_codec(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    err = error_of(repo, [op("u", header={"end_date_time": "2019-01-01T00:00:00Z"})])
    assert err.errors[0].path == "ops[0].body.header.end_date_time"
    err = error_of(repo, [op("u", header={"retailer": "r-2", "stores": ["s-9"]})])
    assert [(e.path, e.message) for e in err.errors] == [
        ("ops[0].header", "unknown fields: retailer, stores")
    ]
    err = error_of(repo, [op("u", header={"promo_groups": [{"name": "g7"}]})])
    assert err.errors[0].path == "ops[0].body.header.promo_groups[0].name"
    assert repo.get_promotion("s-1", "P1").title == "promotion P1"


def test_a_nodes_op_replaces_the_nodes_of_a_one_group_promotion(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    bulk(
        repo,
        "r-1",
        [
            op(
                "n",
                nodes=[
                    {"node_id": "STATIONERY", "node_type": "c1"},
                    {"node_id": "PEN", "node_type": "i", "is_excluded": True},
                ],
            )
        ],
    )
    nodes = repo.get_promotion("s-1", "P1").promo_groups[0].nodes
    assert [(n.node_id, n.is_excluded) for n in nodes] == [("STATIONERY", False), ("PEN", True)]


def test_a_nodes_op_is_refused_for_a_promotion_with_several_groups(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    groups = [
        {"name": n, "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": n.upper()}]}
        for n in ("g1", "g2")
    ]
    repo.create_promotion(make_promo("P1", family="c", promo_groups=groups))
    err = error_of(repo, [op("n", nodes=[{"node_id": "X"}])])
    assert err.errors[0].path == "ops[0].body"
    assert "2 groups" in err.errors[0].message


def test_a_nodes_op_with_only_excluded_nodes_names_the_nodes(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    err = error_of(repo, [op("n", nodes=[{"node_id": "X", "is_excluded": True}])])
    assert err.errors[0].path == "ops[0].body.nodes"


def test_a_groups_op_replaces_every_group_and_node(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    bulk(
        repo,
        "r-1",
        [op("g", group_to_nodes={"g1": {"qty_or_value_min": 2, "nodes": [{"node_id": "PEN"}]}})],
    )
    promo = repo.get_promotion("s-1", "P1")
    assert [(g.name, g.qty_or_value_min) for g in promo.promo_groups] == [("g1", 2)]
    repo.create_promotion(
        make_promo(
            "C1",
            family="c",
            promo_groups=[
                {"name": "a", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "A"}]},
                {"name": "b", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "B"}]},
            ],
        )
    )
    bulk(
        repo,
        "r-1",
        [
            op(
                "g",
                "C1",
                group_to_nodes={
                    "burger": {"qty_or_value_min": 3, "nodes": [{"node_id": "BURGER"}]},
                    "coke": {
                        "qty_or_value_min": 2,
                        "qty_or_value_max": 4,
                        "nodes": [{"node_id": "DRINKS", "node_type": "c2"}],
                    },
                },
            )
        ],
    )
    combo = repo.get_promotion("s-1", "C1")
    assert [g.name for g in combo.promo_groups] == ["burger", "coke"]
    assert combo.promo_groups[1].nodes[0].node_id == "DRINKS"


def test_a_groups_op_error_names_the_group_it_came_from(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    err = error_of(
        repo,
        [op("g", group_to_nodes={"g1": {"qty_or_value_min": 1, "nodes": [{"node_type": "i"}]}})],
    )
    assert err.errors[0].path == "ops[0].group_to_nodes.g1.nodes[0].node_id"


def test_a_special_info_op_upserts_by_qualifier(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(
        make_promo(
            "P1",
            availability="s",
            special_promo_info=[{"group_qualifier_id": "GOLD", "description": "old"}],
        )
    )
    bulk(
        repo,
        "r-1",
        [
            op(
                "s",
                special_promo_info=[
                    {"group_qualifier_id": "GOLD", "description": "new"},
                    {"group_qualifier_id": "SILVER", "description": "silver"},
                ],
            )
        ],
    )
    infos = repo.get_promotion("s-1", "P1").special_promo_info
    assert [(i.group_qualifier_id, i.description) for i in infos] == [
        ("GOLD", "new"),
        ("SILVER", "silver"),
    ]


def test_later_ops_see_the_promotions_earlier_ops_created(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    bulk(
        repo,
        "r-1",
        [
            c(make_promo("P1", stores=["s-1", "s-2"])),
            op("u", header={"title": "renamed"}),
            op("d", store_id="s-2"),
        ],
    )
    promo = repo.get_promotion("s-1", "P1")
    assert (promo.title, promo.stores) == ("renamed", ("s-1",))


def test_an_unknown_promotion_in_any_update_action_is_an_error(
    repo: storage.SqlRepository,
) -> None:
    payloads = {
        "u": {"header": {}},
        "n": {"nodes": []},
        "g": {"group_to_nodes": {}},
        "s": {"special_promo_info": []},
    }
    for action, payload in payloads.items():
        err = error_of(repo, [op(action, "P9", **payload)])
        assert str(err.errors[0]) == "ops[0]: promotion P9 does not exist"


def test_when_op_k_fails_nothing_of_the_transaction_is_written(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    repo.create_promotion(make_promo("P0", stores=["s-1", "s-2"]))
    before = counts(engine)
    revisions = (repo.store_revision("s-1"), repo.store_revision("s-2"))
    ops = [
        c(make_promo("P1")),
        op("u", "P0", header={"title": "changed"}),
        op("d", "P0", store_id="s-2"),
        c(make_promo("P2")),
        op("s", "P9", special_promo_info=[]),
        c(make_promo("P3")),
    ]
    err = error_of(repo, ops)
    assert [str(e) for e in err.errors] == ["ops[4]: promotion P9 does not exist"]
    assert counts(engine) == before
    assert (repo.store_revision("s-1"), repo.store_revision("s-2")) == revisions
    assert repo.get_promotion("s-2", "P0").title == "promotion P0"


def test_an_invalid_create_body_at_op_k_is_named_by_its_path(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    bad = make_promo("P3")
    bad["promo_groups"][0]["name"] = 7
    ops = [c(make_promo(f"P{i}")) for i in range(3)] + [c(bad)]
    err = error_of(repo, ops)
    assert err.errors[0].path == "ops[3].body.promo_groups[0].name"
    assert sum(counts(engine).values()) == 0


@pytest.mark.parametrize(
    ("bad_op", "path"),
    [
        ("not an object", "ops[0]"),
        ({"action": "x"}, "ops[0]"),
        ({"action": "c", "body": []}, "ops[0].body.promo_id_retailer"),
        ({"action": "u", "body": {"store_id": "s-1"}}, "ops[0].promo_id_retailer"),
    ],
)
def test_a_malformed_op_is_named_by_its_path(
    repo: storage.SqlRepository, bad_op: Any, path: str
) -> None:
    assert error_of(repo, [bad_op]).errors[0].path == path


def test_more_than_ten_thousand_ops_are_rejected_before_anything_else(
    repo: storage.SqlRepository,
) -> None:
    err = error_of(repo, [{"action": "d"}] * 10_001)
    assert err.errors[0].path == "ops"
    assert err.errors[0].message == "at most 10000 items"


def test_ten_thousand_create_ops_are_written_in_one_transaction(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    bulk(repo, "r-1", [c(make_promo(f"P{i:05}")) for i in range(10_000)])
    rows = counts(engine)
    assert rows["promo_header"] == rows["promo_group"] == rows["promo_group_node"] == 10_000
    assert rows["promo_header_store"] == 10_000
    assert repo.store_revision("s-1") == 1
    assert len(repo.promotions_of_store("s-1")) == 10_000


def test_thousands_of_update_and_delete_ops_apply_in_one_transaction(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    n = 2_000
    bulk(repo, "r-1", [c(make_promo(f"P{i:05}", stores=["s-1", "s-2"])) for i in range(n)])
    ops = [op("u", f"P{i:05}", header={"title": f"t{i}"}) for i in range(n)]
    ops += [op("d", f"P{i:05}", store_id="s-2") for i in range(n)]
    ops += [op("s", f"P{i:05}", special_promo_info=[{"group_qualifier_id": "G"}]) for i in range(3)]
    bulk(repo, "r-1", ops)
    promos = repo.promotions_of_store("s-1")
    assert len(promos) == n
    assert all(p.title == f"t{int(p.promo_id_retailer[1:])}" for p in promos)
    assert all(p.stores == ("s-1",) for p in promos)
    assert sum(1 for p in promos if p.special_promo_info) == 3
    assert repo.promotions_of_store("s-2") == []
