"""Bulk ops write only what they change (issue 10): unchanged child rows keep their rows,
and a bulk write reports, bumps and invalidates only the stores it touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fakes import (
    FakeClock,
    basket_request,
    bulk,
    client,
    count_statements,
    promo,
    sql_repository,
)

from mspromo_service import storage
from mspromo_service.rules import RulesCache

EVALUATE = "/api/1.0/promotions/evaluate/"
CHILD_TABLES = ("promo_group", "promo_group_node", "special_promo_info")


def op(action: str, promo_id: str = "P1", **fields: Any) -> dict[str, Any]:
    return {"action": action, "body": {"promo_id_retailer": promo_id, **fields}}


def child_rows(engine: sa.Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every child row, whole (ids included): a rewritten row shows as a new id."""
    with engine.connect() as conn:
        return {
            name: {tuple(r) for r in conn.execute(sa.select(storage.metadata.tables[name]))}
            for name in CHILD_TABLES
        }


def writes_to(seen: list[str], table: str) -> list[str]:
    """The statements that write ``table``."""
    heads = (f"INSERT INTO {table} ", f"DELETE FROM {table} ", f"UPDATE {table} ")
    return [s for s in (" ".join(x.split()) for x in seen) if s.startswith(heads)]


def is_write(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


def two_group_promo(pid: str = "P1", **fields: Any) -> dict[str, Any]:
    groups = [
        {"name": "a", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "A1"}]},
        {"name": "b", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "B1"}]},
    ]
    info = [{"group_qualifier_id": "GOLD", "description": "gold"}]
    return {
        **promo(pid, family="c", availability="s", special_promo_info=info),
        "promo_groups": groups,
        **fields,
    }


def test_a_title_change_rewrites_no_child_row(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(two_group_promo())
    before = child_rows(engine)
    with count_statements(engine) as seen:
        bulk(repo, "r1", [op("u", header={"title": "renamed"})])
    assert child_rows(engine) == before
    assert all(writes_to(seen, t) == [] for t in CHILD_TABLES), seen
    assert repo.get_promotion("s-1", "P1").title == "renamed"


def test_a_group_limit_change_updates_that_group_row_alone(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(two_group_promo())
    before = child_rows(engine)
    with count_statements(engine) as seen:
        bulk(repo, "r1", [op("u", header={"promo_groups": [{"name": "b", "qty_or_value_min": 4}]})])
    after = child_rows(engine)
    assert after["promo_group_node"] == before["promo_group_node"]
    assert after["special_promo_info"] == before["special_promo_info"]
    changed = after["promo_group"] - before["promo_group"]
    assert len(changed) == 1 and len(before["promo_group"] - after["promo_group"]) == 1
    assert [s.split(" ")[0] for s in writes_to(seen, "promo_group")] == ["UPDATE"]
    groups = repo.get_promotion("s-1", "P1").promo_groups
    assert [(g.name, g.qty_or_value_min) for g in groups] == [("a", 1), ("b", 4)]


def test_a_groups_op_keeps_the_rows_of_the_groups_it_leaves_as_they_were(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(two_group_promo())
    before = child_rows(engine)
    kept = {r for r in before["promo_group"] if "a" in r}
    bulk(
        repo,
        "r1",
        [
            op(
                "g",
                group_to_nodes={
                    "a": {"qty_or_value_min": 1, "nodes": [{"node_id": "A1"}]},
                    "c": {"qty_or_value_min": 2, "nodes": [{"node_id": "C1"}, {"node_id": "C2"}]},
                },
            )
        ],
    )
    after = child_rows(engine)
    assert kept <= after["promo_group"]  # same id, same values
    assert after["special_promo_info"] == before["special_promo_info"]
    promotion = repo.get_promotion("s-1", "P1")
    assert [(g.name, [n.node_id for n in g.nodes]) for g in promotion.promo_groups] == [
        ("a", ["A1"]),
        ("c", ["C1", "C2"]),
    ]
    assert len(after["promo_group_node"]) == 3  # b's node went with b


def test_a_nodes_op_replaces_the_nodes_but_keeps_the_group_row(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(promo("P1"))
    before = child_rows(engine)
    bulk(repo, "r1", [op("n", nodes=[{"node_id": "INK"}, {"node_id": "PEN"}])])
    after = child_rows(engine)
    assert after["promo_group"] == before["promo_group"]
    nodes = repo.get_promotion("s-1", "P1").promo_groups[0].nodes
    assert [n.node_id for n in nodes] == ["INK", "PEN"]


def test_a_special_info_op_leaves_groups_and_nodes_alone(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(two_group_promo())
    before = child_rows(engine)
    bulk(repo, "r1", [op("s", special_promo_info=[{"group_qualifier_id": "SILVER"}])])
    after = child_rows(engine)
    assert after["promo_group"] == before["promo_group"]
    assert after["promo_group_node"] == before["promo_group_node"]
    infos = repo.get_promotion("s-1", "P1").special_promo_info
    assert [(i.group_qualifier_id, i.description) for i in infos] == [
        ("GOLD", "gold"),
        ("SILVER", ""),
    ]


def test_an_op_that_changes_nothing_writes_nothing(
    repo: storage.SqlRepository, engine: sa.Engine
) -> None:
    repo.create_promotion(promo("P1", stores=["s-1", "s-2"]))
    revision = repo.store_revision("s-1")
    with count_statements(engine) as seen:
        touched = bulk(repo, "r1", [op("u", header={"title": "promo P1"})])
    assert touched == frozenset()
    assert not [s for s in seen if is_write(s)], seen
    assert repo.store_revision("s-1") == revision


def test_a_bulk_write_names_the_stores_it_touched(repo: storage.SqlRepository) -> None:
    repo.create_promotion(promo("P1", stores=["s-1", "s-2"]))
    repo.create_promotion(promo("P2", stores=["s-3"]))
    assert bulk(repo, "r1", [op("u", header={"title": "x"})]) == {"s-1", "s-2"}
    assert bulk(repo, "r1", [op("d", store_id="s-2")]) == {"s-1", "s-2"}
    assert bulk(repo, "r1", [{"action": "c", "body": promo("P3", stores=["s-4"])}]) == {"s-4"}
    assert repo.store_revision("s-3") == 1  # never touched


@pytest.fixture
def sqlite_repo(tmp_path: Path) -> storage.SqlRepository:
    return sql_repository(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")


def test_a_bulk_write_reloads_only_the_rule_sets_of_the_stores_it_touched(
    sqlite_repo: storage.SqlRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = sqlite_repo
    repo.create_promotion(promo("P1", stores=["s-1"]))
    repo.create_promotion(promo("P2", stores=["s-2"]))
    cache = RulesCache(repo, max_staleness=3600.0, clock=FakeClock())
    api = client(repo, cache=cache)
    for store in ("s-1", "s-2"):
        api.simulate_post(EVALUATE, json=basket_request(store_id=store))
    loads: list[str] = []
    real = repo.promotions_of_store

    def counting(store_id: str) -> Any:
        loads.append(store_id)
        return real(store_id)

    monkeypatch.setattr(repo, "promotions_of_store", counting)
    ops = [op("u", header={"discount_value": "5"})]
    r = api.simulate_post(
        "/api/1.0/promotions/bulk_transaction/", json={"retailer": "r1", "ops": ops}
    )
    assert r.status_code == 204
    discounts = {
        store: api.simulate_post(EVALUATE, json=basket_request(store_id=store)).json["basket"][
            "discount"
        ]
        for store in ("s-1", "s-2")
    }
    assert discounts == {"s-1": "5.000", "s-2": "10.000"}
    assert loads == ["s-1"]  # s-2's compiled rule set was kept
