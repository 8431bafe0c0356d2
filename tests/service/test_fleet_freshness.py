"""Freshness at fleet scale (SPEC §11): a process checks every store it has cached with one
revision query per ``max_staleness`` interval, however many stores it holds.

Before, each cached store was checked with its own query once its rule set was older than
the interval: a process serving 1,000 stores made 1,000 revision queries a second."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes import FakeClock, FakeRepository, count_statements, promo

from mspromo_service import storage
from mspromo_service.rules import RulesCache

STORES = [f"s-{i:04d}" for i in range(1000)]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    eng = storage.create_engine(f"sqlite:///{tmp_path / 'fleet.sqlite3'}")
    storage.metadata.create_all(eng)
    yield eng
    eng.dispose()


def _revision_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if "store_revision" in s]


def test_one_revision_query_per_interval_for_1000_cached_stores(engine: sa.Engine) -> None:
    repo = storage.SqlRepository(engine)
    repo.create_promotion(promo("P1", stores=STORES[:10]))
    clock = FakeClock()
    cache = RulesCache(repo, max_staleness=1.0, clock=clock, max_stores=len(STORES))
    first = {s: cache.get(s) for s in STORES}
    assert len(cache) == 1000 and len(first["s-0003"]) == 1 and len(first["s-0500"]) == 0

    # Inside the interval: no query at all.
    clock.advance(0.5)
    with count_statements(engine) as statements:
        assert all(cache.get(s) is first[s] for s in STORES)
    assert statements == []

    # The interval is over: ONE query checks all 1,000 stores; nothing changed, no reload.
    clock.advance(0.5)
    with count_statements(engine) as statements:
        assert all(cache.get(s) is first[s] for s in STORES)
    assert len(statements) == 1, statements[:5]
    assert len(_revision_queries(statements)) == 1
    assert cache.compilations == 1000

    # Another process writes to one store: the next sweep sees it, that store alone reloads
    # (with the revision the sweep read: no second revision query).
    other = storage.SqlRepository(storage.create_engine(engine.url))
    other.create_promotion(promo("P2", stores=["s-0500"]))
    other.engine.dispose()
    clock.advance(1.0)
    with count_statements(engine) as statements:
        now = {s: cache.get(s) for s in STORES}
    assert len(_revision_queries(statements)) == 1
    assert [p.promo_id_retailer for p in now["s-0500"].promotions] == ["P2"]
    assert all(now[s] is first[s] for s in STORES if s != "s-0500")
    assert cache.compilations == 1001
    # the reload of s-0500 is the only other work: its promotions, by set-based queries
    assert 1 < len(statements) <= 1 + 6


def test_the_sweep_bounds_staleness_like_per_store_checks() -> None:
    repo, clock = FakeRepository(), FakeClock()
    for s in ("a", "b", "c"):
        repo.put(s, [promo("P1", stores=[s])])
    cache = RulesCache(repo, max_staleness=1.0, clock=clock)
    for s in ("a", "b", "c"):
        cache.get(s)
    assert repo.revision_calls == 3  # first loads, one store at a time
    repo.put("b", [promo("P1", stores=["b"]), promo("P2", stores=["b"])])
    clock.advance(0.999)
    assert len(cache.get("b")) == 1  # still inside the bound: the old rules, no query
    assert repo.revision_calls == 3
    clock.advance(0.001)
    assert len(cache.get("a")) == 1  # any lookup sweeps: one query for the three stores
    assert repo.revision_calls == 4
    assert len(cache.get("b")) == 2  # the change is seen, with no second revision query
    assert (repo.revision_calls, repo.load_calls) == (4, 4)
    assert len(cache.get("c")) == 1
    assert (repo.revision_calls, repo.load_calls) == (4, 4)


def test_a_store_loaded_between_sweeps_is_fresh_for_a_whole_interval() -> None:
    repo, clock = FakeRepository(), FakeClock()
    repo.put("a", [promo("P1", stores=["a"])])
    repo.put("late", [promo("P1", stores=["late"])])
    cache = RulesCache(repo, max_staleness=1.0, clock=clock)
    cache.get("a")
    clock.advance(0.6)
    cache.get("late")
    clock.advance(0.4)
    cache.get("a")  # sweep of both
    assert repo.revision_calls == 3
    clock.advance(0.999)
    cache.get("late")
    cache.get("a")
    assert repo.revision_calls == 3


def test_a_failed_sweep_falls_back_to_each_stores_own_check() -> None:
    class Flaky(FakeRepository):
        def store_revisions(self, store_ids):  # type: ignore[no-untyped-def]
            raise ConnectionError("replica restarting")

    repo, clock = Flaky(), FakeClock()
    repo.put("a", [promo("P1", stores=["a"])])
    cache = RulesCache(repo, max_staleness=1.0, clock=clock)
    first = cache.get("a")
    repo.put("a", [promo("P1", stores=["a"]), promo("P2", stores=["a"])])
    clock.advance(1.0)
    assert len(cache.get("a")) == 2 and cache.get("a") is not first
    assert repo.revision_calls == 2  # the store's own check, as before the sweep
