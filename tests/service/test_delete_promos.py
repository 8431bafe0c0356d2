"""``delete_promos`` removes soft-deleted links and deactivated promotions, atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from mspromo_service import storage

Counts = Callable[[sa.Engine], dict[str, int]]


@pytest.fixture
def populated(repo: storage.SqlRepository, make_promo: Any) -> storage.SqlRepository:
    """P1 live in s-1 and soft-deleted in s-2; P2 deactivated in s-1 and s-3 (soft-deleted
    there) with special info; P3 live in s-3."""
    repo.create_promotion(make_promo("P1", stores=["s-1", "s-2"]))
    repo.create_promotion(
        make_promo(
            "P2",
            is_active=False,
            stores=["s-1", "s-3"],
            availability="s",
            special_promo_info=[{"group_qualifier_id": "GOLD", "description": ""}],
        )
    )
    repo.create_promotion(make_promo("P3", stores=["s-3"]))
    repo.soft_delete_link("s-2", "P1")
    repo.soft_delete_link("s-3", "P2")
    return repo


def test_a_dry_run_reports_the_counts_and_changes_nothing(
    populated: storage.SqlRepository, engine: sa.Engine, counts: Counts
) -> None:
    before = counts(engine)
    result = storage.delete_promos(
        engine, softdelete=True, deactivated=True, dry_run=True, batch_size=1
    )
    assert result == {
        "dry_run": True,
        "soft_deleted_links": 2,
        "deactivated_promotions": 1,
        "groups": 1,
        "nodes": 1,
        "special_promo_info": 1,
        "links": 1,
    }
    assert counts(engine) == before


def test_removing_soft_deleted_links_keeps_every_promotion(
    populated: storage.SqlRepository, engine: sa.Engine, counts: Counts
) -> None:
    result = storage.delete_promos(
        engine, softdelete=True, deactivated=False, dry_run=False, batch_size=1
    )
    assert result["soft_deleted_links"] == 2
    assert result["deactivated_promotions"] == 0
    rows = counts(engine)
    assert (rows["promo_header"], rows["promo_header_store"]) == (3, 3)
    assert populated.get_promotion("s-1", "P1").stores == ("s-1",)


def test_removing_deactivated_promotions_takes_their_children_and_bumps_their_stores(
    populated: storage.SqlRepository, engine: sa.Engine, counts: Counts
) -> None:
    revision = populated.store_revision("s-1")
    result = storage.delete_promos(
        engine, softdelete=False, deactivated=True, dry_run=False, batch_size=2
    )
    assert result["deactivated_promotions"] == 1
    assert result["links"] == 2  # its live link in s-1 and its soft-deleted one in s-3
    rows = counts(engine)
    assert rows["promo_header"] == 2
    assert rows["special_promo_info"] == 0
    assert rows["promo_group"] == rows["promo_group_node"] == 2
    assert rows["promo_header_store"] == 3  # P1 s-1, P1 s-2 (soft-deleted), P3 s-3
    assert {p.promo_id_retailer for p in populated.promotions_of_store("s-1")} == {"P1"}
    assert populated.store_revision("s-1") == revision + 1


def test_both_together_leave_only_live_links_of_active_promotions(
    populated: storage.SqlRepository, engine: sa.Engine, counts: Counts
) -> None:
    storage.delete_promos(engine, softdelete=True, deactivated=True, dry_run=False)
    rows = counts(engine)
    assert (rows["promo_header"], rows["promo_header_store"]) == (2, 2)
    again = storage.delete_promos(engine, softdelete=True, deactivated=True, dry_run=False)
    assert again["soft_deleted_links"] == again["deactivated_promotions"] == 0


def test_a_batch_size_below_one_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        storage.delete_promos(
            engine, softdelete=True, deactivated=False, dry_run=True, batch_size=0
        )
