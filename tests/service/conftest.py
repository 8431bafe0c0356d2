"""Fixtures of the storage, bulk, migration and CLI tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from mspromo_service import storage

PromoFactory = Callable[..., dict[str, Any]]


def wire_promotion(promo_id_retailer: str = "P1", **fields: Any) -> dict[str, Any]:
    """A valid wire promotion: family e, "buy 3 PEN for 10 off", store s-1."""
    promo: dict[str, Any] = {
        "retailer": "r-1",
        "promo_id_retailer": promo_id_retailer,
        "family": "e",
        "title": f"promotion {promo_id_retailer}",
        "discount_type": "v",
        "discount_value": "10",
        "start_date_time": "2020-01-01T00:00:00Z",
        "end_date_time": "2099-01-01T00:00:00Z",
        "stores": ["s-1"],
        "promo_groups": [
            {
                "name": "g1",
                "qty_or_value_min": 3,
                "promo_group_nodes": [{"node_id": "PEN", "node_type": "i"}],
            }
        ],
    }
    promo.update(fields)
    return promo


@pytest.fixture
def make_promo() -> PromoFactory:
    return wire_promotion


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on an empty database with the schema created from the table metadata."""
    eng = storage.create_engine(database_url)
    storage.metadata.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def repo(engine: sa.Engine) -> storage.SqlRepository:
    return storage.SqlRepository(engine)


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """How many rows each storage table holds."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in storage.metadata.sorted_tables
        }


@pytest.fixture
def counts() -> Callable[[sa.Engine], dict[str, int]]:
    return row_counts
