"""The SQL repository stores promotions faithfully, on SQLite and on MySQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import ksuid
import pytest
import sqlalchemy as sa
from fakes import bulk

from mspromo_engine import ValidationError, promotion_from_wire, promotion_to_wire
from mspromo_service import storage
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.storage import Repository

Counts = Callable[[sa.Engine], dict[str, int]]


def rich_promotion() -> dict[str, Any]:
    """A promotion that uses every kind of stored field."""
    return {
        "retailer": "r-1",
        "promo_id_retailer": "RICH-1",
        "family": "r",
        "title": "Crème brûlée — buy 2 get 1",
        "description": "long text " * 50,
        "evaluate_criteria": "b",
        "evaluate_priority": 7,
        "discount_type": "p",
        "discount_type_strategy": "e",
        "discount_value": "33.3333",
        "discount_value_on": "s",
        "max_application_limit": 4,
        "max_discount": "25.5",
        "is_active": True,
        "start_date_time": "2026-01-01T17:00:00+02:00",
        "end_date_time": "2026-12-31T19:30:00.123456-05:00",
        "active_days": "1111100",
        "is_happy_hour": True,
        "discounted_group_item_selection_criteria": "lc",
        "requisite_groups_item_selection_criteria": "m",
        "target_discounted_group_name": "target",
        "layer": 3,
        "discount_apply_type": "c",
        "availability": "s",
        "apply_on_discounted_items": False,
        "extra_data": {
            "evenly_distributed_multiline_discount_split_type": "e",
            "n": [1, 2],
            "nested": {"price": 1.5, "deep": {"k": [True, None]}},
        },
        "stores": ["s-1", "s-2"],
        "special_promo_info": [
            {"group_qualifier_id": "GOLD", "description": "gold card"},
            {"group_qualifier_id": "SILVER", "description": ""},
        ],
        "promo_groups": [
            {
                "name": "req",
                "qty_or_value_min": 2,
                "qty_or_value_max": 10,
                "promo_group_nodes": [
                    {"node_id": "DAIRY", "node_type": "c1"},
                    {"node_id": "BUTTER", "node_type": "i", "is_excluded": True},
                ],
            },
            {
                "name": "target",
                "qty_or_value_min": 1,
                "promo_group_nodes": [
                    {
                        "node_id": "MILK",
                        "node_type": "c3",
                        "discount_type": "f",
                        "discount_value": "1.25",
                    }
                ],
            },
        ],
    }


def test_the_sql_repository_has_every_method_of_the_repository_protocol(
    repo: storage.SqlRepository,
) -> None:
    contract: Repository = repo  # mypy checks the signatures
    for name in ("create_promotion", "list_promotions", "bulk_transaction", "store_revision"):
        assert callable(getattr(contract, name))
    protocol_methods = {n for n in vars(Repository) if not n.startswith("_")}
    assert protocol_methods <= set(dir(repo))


def test_a_created_promotion_reads_back_equal_with_every_field(repo: storage.SqlRepository) -> None:
    data = rich_promotion()
    created = repo.create_promotion(data)
    assert len(created.promo_id) == 27
    expected = attrs.evolve(promotion_from_wire(data), promo_id=created.promo_id)
    assert created == expected
    stored = repo.get_promotion("s-2", "RICH-1")
    assert stored == expected
    # The wall-clock times and offsets written are kept (happy hours depend on them).
    assert stored.start_date_time.utcoffset() == timedelta(hours=2)
    assert stored.start_date_time.hour == 17
    assert stored.end_date_time.utcoffset() == timedelta(hours=-5)
    assert stored.end_date_time.microsecond == 123456
    assert stored.discount_value == Decimal("33.3333")
    assert isinstance(stored.promo_groups[1].nodes[0].discount_value, Decimal)
    assert promotion_to_wire(stored)["extra_data"] == {
        "evenly_distributed_multiline_discount_split_type": "e",
        "n": [1, 2],
        "nested": {"price": Decimal("1.5"), "deep": {"k": [True, None]}},
    }
    assert hash(stored) == hash(expected)
    assert stored.stores == ("s-1", "s-2")


def test_stored_decimals_read_back_without_column_padding(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1", discount_value="10.50"))
    stored = repo.get_promotion("s-1", "P1")
    assert str(stored.discount_value) == "10.5"
    assert str(stored.promo_groups[0].qty_or_value_min) == "3"


def test_creating_an_existing_promo_id_of_the_retailer_is_a_conflict(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    repo.create_promotion(make_promo("P1"))
    before = counts(engine)
    with pytest.raises(Conflict, match="P1"):
        repo.create_promotion(make_promo("P1", stores=["s-9"]))
    assert counts(engine) == before
    other = repo.create_promotion(make_promo("P1", retailer="r-2"))
    assert other.retailer == "r-2"


def test_promo_ids_are_case_sensitive(repo: storage.SqlRepository, make_promo: Any) -> None:
    repo.create_promotion(make_promo("P1"))
    repo.create_promotion(make_promo("p1"))
    assert {p.promo_id_retailer for p in repo.promotions_of_store("s-1")} == {"P1", "p1"}


def test_an_invalid_promotion_is_rejected_naming_the_field_and_nothing_is_written(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    data = make_promo(
        "P1",
        family="c",
        promo_groups=[
            {"name": "g1", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "A"}]},
            {"name": "g1", "qty_or_value_min": 1, "promo_group_nodes": [{"node_id": "B"}]},
        ],
    )
    with pytest.raises(ValidationError) as info:
        repo.create_promotion(data)
    assert [e.path for e in info.value.errors] == ["promo_groups[1].name"]
    assert sum(counts(engine).values()) == 0


def test_values_the_columns_cannot_hold_are_rejected_not_truncated(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        repo.create_promotion(
            make_promo("P1", title="x" * 256, discount_type="p", discount_value="1.1234567")
        )
    assert {e.path for e in info.value.errors} == {"title", "discount_value"}


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"title": "bad \ud800 text"}, "title"),
        ({"stores": ["s-\udfff"]}, "stores[0]"),
        ({"start_date_time": "0001-01-01T00:00:00+01:00"}, "start_date_time"),
        ({"end_date_time": "9999-12-31T23:00:00-05:00"}, "end_date_time"),
    ],
)
def test_text_and_dates_the_database_cannot_hold_are_input_errors(
    repo: storage.SqlRepository, make_promo: Any, fields: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationError) as info:
        repo.create_promotion(make_promo("P1", **fields))
    assert [e.path for e in info.value.errors] == [path]


def test_extra_data_with_any_unicode_round_trips(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    extra = {"note": "Crème — 🍮", "odd": "\ud800"}
    repo.create_promotion(make_promo("P1", extra_data=extra))
    assert promotion_to_wire(repo.get_promotion("s-1", "P1"))["extra_data"] == extra


def test_duplicate_store_ids_make_one_link(repo: storage.SqlRepository, make_promo: Any) -> None:
    created = repo.create_promotion(make_promo("P1", stores=["s-1", "s-1", "s-2"]))
    assert created.stores == ("s-1", "s-2")
    assert repo.get_promotion("s-1", "P1").stores == ("s-1", "s-2")


def test_listing_pages_through_every_promotion_once(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    for i in range(5):
        repo.create_promotion(make_promo(f"P{i}"))
    repo.create_promotion(make_promo("OTHER", retailer="r-2", stores=["s-2"]))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = repo.list_promotions(retailer="r-1", limit=2, cursor=cursor)
        pages += 1
        seen.extend(p.promo_id_retailer for p in page.promotions)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert sorted(seen) == [f"P{i}" for i in range(5)]
    assert len(repo.list_promotions(limit=100).promotions) == 6
    in_store_2 = repo.list_promotions(store="s-2")
    assert [p.promo_id_retailer for p in in_store_2.promotions] == ["OTHER"]
    assert in_store_2.next_cursor is None


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"cursor": "x;drop"}, "cursor")],
)
def test_a_bad_page_size_or_cursor_is_an_input_error(
    repo: storage.SqlRepository, kwargs: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationError) as info:
        repo.list_promotions(**kwargs)
    assert info.value.errors[0].path == path


def test_promotions_are_found_by_retailer_store_and_retailer_ids(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1", stores=["s-1", "s-2"]))
    repo.create_promotion(make_promo("P2", stores=["s-2"]))
    repo.create_promotion(make_promo("P3", retailer="r-2", stores=["s-1"]))
    assert {p.promo_id_retailer for p in repo.promotions_of_retailer("r-1")} == {"P1", "P2"}
    assert {p.promo_id_retailer for p in repo.promotions_of_store("s-1")} == {"P1", "P3"}
    found = repo.promotions_by_retailer_ids("s-2", ["P2", "P3", "NOPE", "P1"])
    assert {p.promo_id_retailer for p in found} == {"P1", "P2"}
    assert repo.promotions_of_store("nowhere") == []


def test_a_promotion_not_linked_to_the_store_is_not_found(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    with pytest.raises(NotFound):
        repo.get_promotion("s-2", "P1")
    with pytest.raises(NotFound):
        repo.get_promotion("s-1", "P2")


def test_soft_deleting_a_link_is_idempotent_and_hides_the_promotion_in_that_store_only(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine
) -> None:
    repo.create_promotion(make_promo("P1", stores=["s-1", "s-2"]))
    repo.soft_delete_link("s-1", "P1")
    revision = repo.store_revision("s-1")
    repo.soft_delete_link("s-1", "P1")  # again: nothing changes, no error
    assert repo.store_revision("s-1") == revision
    with pytest.raises(NotFound):
        repo.get_promotion("s-1", "P1")
    assert repo.promotions_of_store("s-1") == []
    assert repo.get_promotion("s-2", "P1").stores == ("s-2",)
    link = storage.promo_header_store
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(link.c.is_deleted, link.c.deleted_at).where(link.c.store_id == "s-1")
        ).one()
    assert row.is_deleted and row.deleted_at is not None


def test_soft_deleting_a_link_that_never_existed_is_not_found(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("P1"))
    with pytest.raises(NotFound):
        repo.soft_delete_link("s-2", "P1")
    with pytest.raises(NotFound):
        repo.soft_delete_link("s-1", "NOPE")


def test_deleting_a_store_unlinks_shared_promotions_and_deletes_the_rest(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine, counts: Counts
) -> None:
    repo.create_promotion(make_promo("SHARED", stores=["s-1", "s-2"]))
    repo.create_promotion(
        make_promo(
            "OWN",
            stores=["s-1"],
            availability="s",
            special_promo_info=[{"group_qualifier_id": "GOLD", "description": ""}],
        )
    )
    repo.create_promotion(make_promo("ELSEWHERE", stores=["s-2"]))
    result = repo.delete_store("s-1")
    assert (result.unlinked, result.deleted) == (1, 1)
    assert repo.promotions_of_store("s-1") == []
    assert {p.promo_id_retailer for p in repo.promotions_of_store("s-2")} == {
        "SHARED",
        "ELSEWHERE",
    }
    assert repo.get_promotion("s-2", "SHARED").stores == ("s-2",)
    assert counts(engine) == {
        "promo_header": 2,
        "store_revision": 2,
        "promo_group": 2,
        "promo_header_store": 2,
        "special_promo_info": 0,
        "promo_group_node": 2,
        # The redemption ledger is history: deleting a store's promotions keeps it.
        "promo_usage": 0,
        "redemption": 0,
        "redemption_order": 0,
    }
    again = repo.delete_store("s-1")
    assert (again.unlinked, again.deleted) == (0, 0)


def test_every_write_bumps_the_revision_of_the_stores_it_touches(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    def revisions() -> tuple[int, int, int]:
        return (repo.store_revision("s-1"), repo.store_revision("s-2"), repo.store_revision("s-3"))

    assert revisions() == (0, 0, 0)
    repo.create_promotion(make_promo("P1", stores=["s-1", "s-2"]))
    assert revisions() == (1, 1, 0)
    repo.create_promotion(make_promo("P2", stores=["s-3"]))
    assert revisions() == (1, 1, 1)
    # P1 disappears from s-1, and its ``stores`` changes as s-2 sees it.
    repo.soft_delete_link("s-1", "P1")
    assert revisions() == (2, 2, 1)
    # P1 is only live in s-2 now.
    bulk(
        repo,
        "r-1",
        [{"action": "u", "body": {"promo_id_retailer": "P1", "header": {"title": "new"}}}],
    )
    assert revisions() == (2, 3, 1)
    repo.delete_store("s-2")
    assert revisions() == (2, 4, 1)
    assert repo.store_revision("never-seen") == 0


def test_deleting_a_store_bumps_the_other_stores_of_its_shared_promotions(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    repo.create_promotion(make_promo("SHARED", stores=["s-1", "s-2"]))
    before = repo.store_revision("s-2")
    repo.delete_store("s-1")
    assert repo.store_revision("s-2") == before + 1


class _Deadlock(Exception):
    def __init__(self) -> None:
        super().__init__(1213, "Deadlock found when trying to get lock")


def test_a_write_chosen_as_deadlock_victim_is_run_again(
    repo: storage.SqlRepository, make_promo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_flush = storage.bulk.WorkingSet.flush
    calls: list[int] = []

    def flaky_flush(self: Any, conn: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("INSERT ...", {}, _Deadlock())
        real_flush(self, conn)

    monkeypatch.setattr(storage.bulk.WorkingSet, "flush", flaky_flush)
    created = repo.create_promotion(make_promo("P1"))
    assert len(calls) == 2
    assert repo.get_promotion("s-1", "P1") == created


def test_other_database_errors_are_not_retried(
    repo: storage.SqlRepository, make_promo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken_flush(self: Any, conn: Any) -> None:
        calls.append(1)
        raise sa.exc.OperationalError("INSERT ...", {}, Exception(2006, "gone away"))

    monkeypatch.setattr(storage.bulk.WorkingSet, "flush", broken_flush)
    with pytest.raises(sa.exc.OperationalError):
        repo.create_promotion(make_promo("P1"))
    assert len(calls) == 1


def test_a_store_loads_in_a_handful_of_queries_whatever_its_size(
    repo: storage.SqlRepository, make_promo: Any, engine: sa.Engine
) -> None:
    bulk(repo, "r-1", [{"action": "c", "body": make_promo(f"P{i}")} for i in range(60)])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        promos = repo.promotions_of_store("s-1")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(promos) == 60
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 5


def test_ping_answers_when_the_database_does(repo: storage.SqlRepository) -> None:
    repo.ping()


def test_ping_raises_when_the_database_does_not_answer(tmp_path: Any) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    repo = storage.SqlRepository(storage.create_engine(f"sqlite:///{missing}"))
    with pytest.raises(sa.exc.OperationalError):
        repo.ping()


def test_new_ids_are_ksuids_that_svix_ksuid_reads_back() -> None:
    ids = storage.new_ids(100)
    assert len(set(ids)) == 100
    for value in ids:
        assert len(value) == 27
        assert str(ksuid.Ksuid.from_base62(value)) == value


def test_an_in_memory_sqlite_database_is_shared_by_every_thread(make_promo: Any) -> None:
    import threading

    engine = storage.create_engine("sqlite://")
    storage.metadata.create_all(engine)
    repo = storage.SqlRepository(engine)
    repo.create_promotion(make_promo("P1"))
    found: list[int] = []
    thread = threading.Thread(target=lambda: found.append(len(repo.promotions_of_store("s-1"))))
    thread.start()
    thread.join()
    assert found == [1]


def test_sqlite_engines_enforce_foreign_keys(tmp_path: Any) -> None:
    engine = storage.create_engine(f"sqlite:///{tmp_path / 'fk.sqlite3'}")
    storage.metadata.create_all(engine)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            storage.promo_group.insert().values(
                id="x" * 27, header_id="y" * 27, name="g1", qty_or_value_min=1, position=0
            )
        )


def test_mysql_engines_ping_before_use_and_speak_utf8mb4() -> None:
    engine = storage.create_engine("mysql+pymysql://user@db.invalid/promos")
    assert engine.url.query["charset"] == "utf8mb4"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    assert engine.pool._recycle == 3600  # type: ignore[attr-defined]
    engine.dispose()


def test_new_ids_stay_correct_across_a_carry_between_digit_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = 1_700_000_000
    stamp = (now - 1_400_000_000) << 128
    p9 = 62**9
    base = (p9 - 2 - stamp % p9) % p9 + p9 * 1000  # two ids before a carry
    monkeypatch.setattr(storage.ids.time, "time", lambda: float(now))
    monkeypatch.setattr(storage.ids.os, "urandom", lambda n: base.to_bytes(16, "big"))
    ids = storage.new_ids(5)
    expected = [
        str(ksuid.Ksuid.from_bytes((stamp | (base + k)).to_bytes(20, "big"))) for k in range(5)
    ]
    assert ids == expected
    assert ids == sorted(ids)
