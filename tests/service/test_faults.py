"""SPEC §7.2 faults: an unavailable database gives stale rules or 503, never a 500, and is
logged once per outage."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from fakes import FakeClock, FakeRepository, basket_request, client, promo

from mspromo_service.exceptions import DatabaseUnavailable
from mspromo_service.outage import GuardedRepository, OutageMonitor, is_unavailable
from mspromo_service.rules import RulesCache

EVALUATE = "/api/1.0/promotions/evaluate/"


# ---------------------------------------------------------------------------------------
# The rules cache: stale-if-error


def _cache(repo: FakeRepository, clock: FakeClock, **kw: float) -> RulesCache:
    return RulesCache(repo, max_staleness=1.0, clock=clock, **kw)  # type: ignore[arg-type]


def test_a_known_store_is_served_stale_while_the_database_is_down() -> None:
    repo, clock = FakeRepository(), FakeClock()
    repo.put("s-1", [promo("P1")])
    cache = _cache(repo, clock, max_stale_on_error=300.0)
    assert cache.lookup("s-1").stale_seconds is None
    repo.down = True
    clock.advance(42.0)
    found = cache.lookup("s-1")
    assert len(found.rules) == 1
    assert found.stale_seconds == pytest.approx(42.0)
    repo.down = False
    clock.advance(1.0)  # the retry interval is over: the next lookup reloads
    assert cache.lookup("s-1").stale_seconds is None


def test_rules_older_than_the_bound_are_not_served() -> None:
    repo, clock = FakeRepository(), FakeClock()
    repo.put("s-1", [promo("P1")])
    cache = _cache(repo, clock, max_stale_on_error=300.0)
    cache.get("s-1")
    repo.down = True
    clock.advance(299.0)
    assert cache.lookup("s-1").stale_seconds == pytest.approx(299.0)
    clock.advance(1.5)
    with pytest.raises(Exception) as info:
        cache.lookup("s-1")
    assert is_unavailable(info.value)


def test_an_unknown_store_is_not_answered_during_an_outage() -> None:
    repo, clock = FakeRepository(down=True), FakeClock()
    with pytest.raises(Exception) as info:
        _cache(repo, clock).lookup("s-1")
    assert is_unavailable(info.value)


def test_during_an_outage_a_store_is_retried_once_per_interval() -> None:
    repo, clock = FakeRepository(), FakeClock()
    repo.put("s-1", [promo("P1")])
    cache = _cache(repo, clock, retry_interval=1.0)
    cache.get("s-1")
    repo.down = True
    clock.advance(5.0)
    calls = repo.revision_calls
    for _ in range(50):
        assert cache.lookup("s-1").stale_seconds is not None
        clock.advance(0.01)
    # One attempt (the sweep of every cached store, then the store's own reload), then
    # stale answers at once.
    assert repo.revision_calls == calls + 2
    clock.advance(1.0)
    cache.lookup("s-1")
    assert repo.revision_calls == calls + 4


def test_an_invalidated_rule_set_is_still_the_stale_answer() -> None:
    repo, clock = FakeRepository(), FakeClock()
    repo.put("s-1", [promo("P1")])
    cache = _cache(repo, clock)
    cache.get("s-1")
    repo.down = True
    cache.invalidate_all()  # e.g. a bulk write that failed because the database is down
    assert cache.lookup("s-1").stale_seconds is not None
    repo.down = False
    repo.put("s-1", [])
    clock.advance(1.0)
    assert len(cache.get("s-1")) == 0  # back up: the invalidation takes effect


def test_a_defect_is_not_hidden_behind_stale_rules() -> None:
    class Broken(FakeRepository):
        def store_revision(self, store_id: str) -> int:
            if self.fail_ping:
                raise RuntimeError("a bug")
            return super().store_revision(store_id)

        def store_revisions(self, store_ids: Sequence[str]) -> dict[str, int]:
            if self.fail_ping:
                raise RuntimeError("a bug")
            return super().store_revisions(store_ids)

    repo, clock = Broken(), FakeClock()
    cache = _cache(repo, clock)
    cache.get("s-1")
    repo.fail_ping = True
    clock.advance(2.0)
    with pytest.raises(RuntimeError):
        cache.get("s-1")


# ---------------------------------------------------------------------------------------
# The outage monitor and the guarded repository


def test_the_guard_fails_fast_between_retries_and_logs_each_transition_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repo, clock = FakeRepository(down=True), FakeClock()
    guarded = GuardedRepository(repo, OutageMonitor(retry_interval=1.0, clock=clock))
    with caplog.at_level(logging.INFO, logger="mspromo_service"):
        for _ in range(20):
            with pytest.raises(DatabaseUnavailable):
                guarded.store_revision("s-1")
            clock.advance(0.1)
        assert repo.revision_calls == 2  # the first call and one retry after 1 s
        repo.down = False
        clock.advance(1.0)
        assert guarded.store_revision("s-1") == 0
        guarded.store_revision("s-1")
    messages = [r.getMessage() for r in caplog.records if r.name == "mspromo_service.database"]
    assert len(messages) == 2
    assert messages[0].startswith("database unavailable: ConnectionRefusedError")
    assert messages[1].startswith("database available again after 3.0 s")
    assert not any(r.exc_info for r in caplog.records)


def test_an_answer_with_an_error_is_not_an_outage() -> None:
    repo = FakeRepository()
    monitor = OutageMonitor()
    with pytest.raises(LookupError):
        GuardedRepository(repo, monitor).get_promotion("s-1", "P1")  # NotFound
    assert not monitor.is_down


# ---------------------------------------------------------------------------------------
# Over HTTP


WRITES = [
    ("POST", "/api/1.0/promotions/", promo("P9")),
    ("POST", "/api/1.0/promotions/bulk_transaction/", {"retailer": "r1", "ops": []}),
    ("DELETE", "/api/1.0/promotions/store/s-1/", None),
    ("DELETE", "/api/1.0/promotions/s-1/P1", None),
]
READS = [
    ("GET", "/api/1.0/promotions/", None),
    ("GET", "/api/1.0/promotions/retailer/r1/", None),
    ("GET", "/api/1.0/promotions/store/s-1/", None),
    ("GET", "/api/1.0/promotions/s-1/P1", None),
    ("POST", "/api/1.0/promotions/bulk/s-1/", {"retailer_ids": ["P1"]}),
    ("GET", "/health_check/", None),
    ("POST", EVALUATE, basket_request("s-unknown")),
    ("POST", "/api/1.0/promotions/suggestions/", {"store_id": "s-2", "nodes": []}),
]


def test_every_endpoint_answers_503_with_retry_after_when_the_database_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repo = FakeRepository(down=True)
    api = client(repo)
    with caplog.at_level(logging.INFO, logger="mspromo_service"):
        for method, path, body in WRITES + READS:
            r = api.simulate_request(method, path, json=body)
            assert r.status_code == 503, (method, path, r.text)
            assert r.headers["retry-after"].isdigit(), (method, path)
            if path != "/health_check/":
                assert r.json["title"] == "Service unavailable"
    outage = [r for r in caplog.records if r.name == "mspromo_service.database"]
    assert len(outage) == 1 and outage[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.name == "mspromo_service.app"]  # no traceback
    assert not any(r.exc_info for r in caplog.records)


def test_evaluation_is_answered_from_stale_rules_with_their_age() -> None:
    repo = FakeRepository()
    repo.put("s-1", [promo("P1")])
    api = client(repo, rules_max_staleness=0.0)  # every evaluation checks the database
    fresh = api.simulate_post(EVALUATE, json=basket_request())
    assert fresh.status_code == 200 and "x-rules-stale-seconds" not in fresh.headers
    repo.down = True
    stale = api.simulate_post(EVALUATE, json=basket_request())
    assert stale.status_code == 200
    assert stale.headers["x-rules-stale-seconds"].isdigit()
    assert stale.json == fresh.json  # the same rules, so the same answer
    r = api.simulate_post(EVALUATE, json=basket_request("s-other"))
    assert r.status_code == 503 and r.headers["retry-after"]
    repo.down = False


def test_stale_rules_beyond_the_setting_are_a_503() -> None:
    repo = FakeRepository()
    repo.put("s-1", [promo("P1")])
    api = client(repo, rules_max_staleness=0.0, rules_max_stale_on_error=0.0)
    assert api.simulate_post(EVALUATE, json=basket_request()).status_code == 200
    repo.down = True
    r = api.simulate_post(EVALUATE, json=basket_request())
    assert r.status_code == 503 and r.headers["retry-after"]


def test_a_missing_sqlite_database_is_a_503_on_every_endpoint(tmp_path: Path) -> None:
    from mspromo_service.storage import SqlRepository, create_engine

    # A file that cannot be opened (its directory does not exist), and one without tables.
    unopenable = SqlRepository(create_engine(f"sqlite:///{tmp_path / 'no' / 'such.db'}"))
    empty = SqlRepository(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    for repository in (unopenable, empty):
        api = client(repository)
        for method, path, body in WRITES + READS:
            r = api.simulate_request(method, path, json=body)
            assert r.status_code == 503, (repository, method, path, r.text)
            assert r.headers["retry-after"].isdigit()


def test_the_document_publishes_503_retry_after_and_the_stale_header() -> None:
    from mspromo_service.openapi import build_document

    paths = build_document()["paths"]
    api_ops = [
        (path, method, op)
        for path, item in paths.items()
        if path.startswith("/api/")
        for method, op in item.items()
    ]
    assert api_ops
    for path, method, op in api_ops:
        assert "Retry-After" in op["responses"]["503"]["headers"], (method, path)
    assert "X-Rules-Stale-Seconds" in paths[EVALUATE]["post"]["responses"]["200"]["headers"]
    assert "headers" not in paths["/api/1.0/promotions/"]["get"]["responses"]["200"]
