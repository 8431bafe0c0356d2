"""MSPROMO_DATABASE_READ_URL (SPEC §11): reads, revision checks and rule loads go to the
replica, writes to the primary; this process reads its own writes from the primary.

Two SQLite files stand in for the primary and its replica. They are not replicated, so
what a read returns says which one answered; every statement is also recorded per engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
import sqlalchemy as sa
from fakes import bulk

from mspromo_service import storage
from mspromo_service.app import create_app
from mspromo_service.settings import Settings
from mspromo_service.storage.repository import READ_YOUR_WRITES_SECONDS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """The SQL statements an engine ran, by their first word (SELECT, INSERT, …)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def kinds(self) -> set[str]:
        return {s.split(None, 1)[0].upper() for s in self.statements}

    def tables(self) -> set[str]:
        names = ("store_revision", "promo_header_store", "promo_header", "promo_group_node")
        return {n for s in self.statements for n in names if n in s}

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    primary = storage.create_engine(f"sqlite:///{tmp_path / 'primary.sqlite3'}")
    replica = storage.create_engine(f"sqlite:///{tmp_path / 'replica.sqlite3'}")
    for engine in (primary, replica):
        storage.metadata.create_all(engine)
    yield primary, replica
    primary.dispose()
    replica.dispose()


def _ids(promotions: list[Any]) -> list[str]:
    return [p.promo_id_retailer for p in promotions]


def test_reads_go_to_the_replica_and_writes_to_the_primary(
    engines: tuple[sa.Engine, sa.Engine], make_promo: Any
) -> None:
    primary, replica = engines
    storage.SqlRepository(replica).create_promotion(make_promo("ON-REPLICA"))
    clock = Clock()
    repo = storage.SqlRepository(primary, replica, clock=clock)
    on_primary, on_replica = Recorder(primary), Recorder(replica)

    repo.create_promotion(make_promo("WRITTEN"))
    assert {"INSERT", "BEGIN"} <= on_primary.kinds()
    assert on_replica.statements == []  # a write never touches the replica

    # Reads: right after its own write this process reads the primary ...
    assert _ids(repo.promotions_of_store("s-1")) == ["WRITTEN"]
    assert repo.store_revision("s-1") == 1
    # ... and once that window is over, the replica (which has not caught up here).
    clock.now += READ_YOUR_WRITES_SECONDS
    on_primary.clear()
    on_replica.clear()
    assert _ids(repo.promotions_of_store("s-1")) == ["ON-REPLICA"]
    assert repo.store_revision("s-1") == 1
    assert repo.get_promotion("s-1", "ON-REPLICA").promo_id_retailer == "ON-REPLICA"
    assert _ids(repo.promotions_of_retailer("r-1")) == ["ON-REPLICA"]
    assert _ids(repo.list_promotions(store="s-1").promotions) == ["ON-REPLICA"]
    assert _ids(repo.promotions_by_retailer_ids("s-1", ["ON-REPLICA", "WRITTEN"])) == ["ON-REPLICA"]
    assert on_primary.statements == []
    assert on_replica.kinds() <= {"SELECT", "BEGIN", "ROLLBACK", "COMMIT"}
    assert {"store_revision", "promo_header", "promo_group_node"} <= on_replica.tables()

    # Every kind of write goes to the primary only.
    bulk(
        repo, "r-1", [{"action": "d", "body": {"promo_id_retailer": "WRITTEN", "store_id": "s-1"}}]
    )
    repo.soft_delete_link("s-1", "WRITTEN")
    repo.delete_store("s-1")
    assert "UPDATE" in on_primary.kinds() and "DELETE" in on_primary.kinds()
    assert not on_replica.kinds() & {"INSERT", "UPDATE", "DELETE"}


def test_without_a_replica_everything_uses_the_one_engine(
    engines: tuple[sa.Engine, sa.Engine], make_promo: Any
) -> None:
    primary, _ = engines
    repo = storage.SqlRepository(primary)
    assert repo.read_engine is primary and repo.engines == (primary,)
    repo.create_promotion(make_promo("P1"))
    assert _ids(repo.promotions_of_store("s-1")) == ["P1"]


def test_ping_asks_the_primary_and_the_replica(
    engines: tuple[sa.Engine, sa.Engine], tmp_path: Path
) -> None:
    primary, replica = engines
    storage.SqlRepository(primary, replica).ping()
    gone = storage.create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'replica.sqlite3'}")
    with pytest.raises(sa.exc.OperationalError):
        storage.SqlRepository(primary, gone).ping()
    gone.dispose()


def test_the_service_evaluates_from_the_replica_and_writes_to_the_primary(
    engines: tuple[sa.Engine, sa.Engine], make_promo: Any
) -> None:
    primary, replica = engines
    storage.SqlRepository(replica).create_promotion(make_promo("ON-REPLICA"))
    clock = Clock()
    repo = storage.SqlRepository(primary, replica, clock=clock)
    settings = Settings(database_url="sqlite://", database_read_url="sqlite://")
    client = falcon.testing.TestClient(create_app(settings, repo))
    on_primary, on_replica = Recorder(primary), Recorder(replica)
    basket = {
        "store_id": "s-1",
        "basket": {"items": [{"sku": "PEN", "mrp": "15.00", "sp": "15.00", "qty": 4}]},
    }

    result = client.simulate_post("/api/1.0/promotions/evaluate/", json=basket)
    assert result.status_code == 200, result.text
    assert json.loads(result.text)["basket"]["discount"] == "10.000"  # the replica's promotion
    assert on_primary.statements == []
    assert {"store_revision", "promo_header"} <= on_replica.tables()

    on_replica.clear()
    created = client.simulate_post("/api/1.0/promotions/", json=make_promo("NEW", stores=["s-2"]))
    assert created.status_code == 201, created.text
    assert "INSERT" in on_primary.kinds()
    assert not on_replica.kinds() & {"INSERT", "UPDATE", "DELETE"}
