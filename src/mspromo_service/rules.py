"""The per-process cache of compiled rule sets, one per store (SPEC §7 "Rules in memory").

Freshness contract:

* A write made through this process calls :meth:`RulesCache.invalidate` (or
  :meth:`RulesCache.invalidate_all`), so the next evaluation on this process recompiles.
* Writes made by other processes are seen within ``max_staleness`` seconds: once that much
  time has passed since the last check, the next :meth:`RulesCache.get` reads the revisions
  of EVERY cached store in one query (a sweep, SPEC §11), marks the unchanged ones current
  and drops the changed ones, which reload (without a second revision query) when next
  asked for. So a process makes one revision
  query per interval however many stores it holds: the database load grows with the
  number of processes, not processes × stores. A store not cached yet is loaded alone.
* In between, :meth:`RulesCache.get` makes no query at all.

Stale-if-error (SPEC §7.2): when a reload fails because the database is unavailable
(:func:`mspromo_service.outage.is_unavailable`), :meth:`RulesCache.lookup` answers with the
store's last rule set if it was last known current at most ``max_stale_on_error`` seconds
ago, and says how old it is (``stale_seconds``); otherwise the error propagates (-> 503).
A failed sweep changes nothing. Invalidations and changed revisions only mark an entry
(the next lookup reloads it), so they do not throw away the rule sets stale answers need.

Thread safety: the shared maps are guarded by one short lock that is never held during I/O
or compilation. Loading a store happens under a per-store lock (striped, so memory stays
bounded), so a slow compile of one store never blocks another store, and concurrent
requests for the same store wait for one load instead of each loading it. A rule set is
immutable and published by swapping one reference, so a reader never sees a half-built
one. Writes racing with a load are detected with a generation counter bumped by every
invalidation: a load that started before an invalidation is returned to its caller but
not cached.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable

import attrs

from mspromo_engine import RuleSet
from mspromo_service.outage import is_unavailable
from mspromo_service.storage import Repository

__all__ = ["Lookup", "RulesCache"]

DEFAULT_MAX_STALE_ON_ERROR = 300.0


@attrs.frozen
class Lookup:
    """A store's rule set; ``stale_seconds`` is None when it is current, else how long
    ago it was last known current (served because the database is unavailable)."""

    rules: RuleSet
    stale_seconds: float | None = None


@attrs.frozen
class _Entry:
    rules: RuleSet
    revision: int
    checked_at: float  # when the rules were last known to match the database
    invalidated: bool = False  # a write or a changed revision: reload before serving it
    failed_at: float | None = None  # the last reload failed (database unavailable)


class RulesCache:
    """Compiled rule sets per store, refreshed by revision checks at most every
    ``max_staleness`` seconds and LRU-bounded to ``max_stores`` stores."""

    def __init__(
        self,
        repository: Repository,
        max_staleness: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_stores: int = 1024,
        lock_stripes: int = 64,
        max_stale_on_error: float = DEFAULT_MAX_STALE_ON_ERROR,
        retry_interval: float = 1.0,
    ) -> None:
        if max_staleness < 0 or max_stale_on_error < 0 or retry_interval < 0:
            raise ValueError("max_staleness, max_stale_on_error, retry_interval must be ≥ 0")
        if max_stores < 1 or lock_stripes < 1:
            raise ValueError("max_stores and lock_stripes must be at least 1")
        self._repository = repository
        self._max_staleness = float(max_staleness)
        self._max_stale_on_error = float(max_stale_on_error)
        # While the database is unavailable, a store's reload is retried at most this often;
        # in between its stale rule set is served without waiting for the driver timeouts.
        self._retry_interval = float(retry_interval)
        self._clock = clock
        self._max_stores = max_stores
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # Bumped by every invalidation; a load that saw an older value is not cached.
        self._generation = 0
        self._stripes = tuple(threading.Lock() for _ in range(lock_stripes))
        # The sweep: when it last started, one sweep at a time, and the revisions it read
        # for changed stores (used by their reload instead of a second query).
        self._swept_at = clock()
        self._sweep_lock = threading.Lock()
        self._seen: dict[str, tuple[int, float]] = {}
        self.compilations = 0  # how many times a rule set was built (for tests and metrics)

    @property
    def max_staleness(self) -> float:
        return self._max_staleness

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _usable(self, store_id: str, now: float) -> Lookup | None:
        # Caller holds self._lock. A current entry, or a stale one inside an outage's retry
        # interval, is served without a query.
        entry = self._entries.get(store_id)
        if entry is None:
            return None
        age = now - entry.checked_at
        if not entry.invalidated and age < self._max_staleness:
            self._entries.move_to_end(store_id)
            return Lookup(entry.rules)
        if (
            entry.failed_at is not None
            and now - entry.failed_at < self._retry_interval
            and age <= self._max_stale_on_error
        ):
            return Lookup(entry.rules, age)
        return None

    def get(self, store_id: str) -> RuleSet:
        """The store's rule set, at most ``max_staleness`` seconds behind the database
        (or, while it is unavailable, at most ``max_stale_on_error`` seconds)."""
        return self.lookup(store_id).rules

    def lookup(self, store_id: str) -> Lookup:
        """Like :meth:`get`, saying whether the rule set is a stale one."""
        self._sweep_if_due()
        with self._lock:
            found = self._usable(store_id, self._clock())
        if found is not None:
            return found
        stripe = self._stripes[
            zlib.crc32(store_id.encode("utf-8", "surrogatepass")) % len(self._stripes)
        ]
        with stripe:
            with self._lock:
                # Another thread may have loaded it while this one waited.
                found = self._usable(store_id, self._clock())
                if found is not None:
                    return found
                known = self._entries.get(store_id)
                generation = self._generation
            try:
                return Lookup(self._load(store_id, known, generation))
            except Exception as exc:
                if known is None or not is_unavailable(exc):
                    raise
                return self._stale(store_id, known, exc)

    def _stale(self, store_id: str, known: _Entry, exc: Exception) -> Lookup:
        now = self._clock()
        age = now - known.checked_at
        if age > self._max_stale_on_error:
            raise exc
        with self._lock:
            if self._entries.get(store_id) is known:
                self._entries[store_id] = attrs.evolve(known, failed_at=now)
        return Lookup(known.rules, age)

    def _sweep_if_due(self) -> None:
        """Check every cached store's revision with one query, once per ``max_staleness``."""
        with self._lock:
            if self._clock() - self._swept_at < self._max_staleness or not self._entries:
                return
        if not self._sweep_lock.acquire(blocking=False):
            return  # another thread is sweeping; until it is done, stale entries load alone
        try:
            with self._lock:
                started = self._clock()
                if started - self._swept_at < self._max_staleness:
                    return  # swept while this thread got here
                self._swept_at = started
                stores = list(self._entries)
            try:
                revisions = self._repository.store_revisions(stores)
            except Exception:
                # The sweep only saves queries: when it fails, each store's own check
                # runs as it would without it (and fails, or answers, the same way).
                return
            with self._lock:
                for store_id in stores:
                    entry = self._entries.get(store_id)
                    if entry is None or entry.checked_at >= started:
                        continue  # gone, or reloaded since the sweep started
                    revision = revisions.get(store_id, 0)
                    if revision == entry.revision:
                        self._entries[store_id] = attrs.evolve(
                            entry, checked_at=started, failed_at=None
                        )
                    else:  # changed: reloaded when next asked for, with this revision
                        self._entries[store_id] = attrs.evolve(entry, invalidated=True)
                        self._seen[store_id] = (revision, started)
        finally:
            self._sweep_lock.release()

    def _load(self, store_id: str, known: _Entry | None, generation: int) -> RuleSet:
        checked_at = self._clock()
        with self._lock:
            seen = self._seen.pop(store_id, None)
        if seen is not None and checked_at - seen[1] < self._max_staleness:
            revision, checked_at = seen  # read by the sweep, before these promotions
        else:
            # The revision is read BEFORE the promotions: a write in between makes the
            # stored revision older than the rules: one extra reload, never stale rules.
            revision = self._repository.store_revision(store_id)
        if known is not None and not known.invalidated and known.revision == revision:
            rules = known.rules
        else:
            rules = RuleSet.compile(self._repository.promotions_of_store(store_id))
            with self._lock:
                self.compilations += 1
        with self._lock:
            if self._generation == generation:
                self._entries[store_id] = _Entry(rules, revision, checked_at)
                self._entries.move_to_end(store_id)
                while len(self._entries) > self._max_stores:
                    self._entries.popitem(last=False)
        return rules

    def invalidate(self, store_ids: Iterable[str]) -> None:
        """Mark these stores' rule sets: the next :meth:`get` reloads them (the old one
        is kept only as a stale-if-error answer)."""
        with self._lock:
            self._generation += 1
            for store_id in store_ids:
                entry = self._entries.get(store_id)
                if entry is not None:
                    self._entries[store_id] = attrs.evolve(entry, invalidated=True)
                self._seen.pop(store_id, None)

    def invalidate_all(self) -> None:
        """Mark every rule set (after a write whose stores are not all known)."""
        with self._lock:
            self._generation += 1
            for store_id, entry in list(self._entries.items()):
                self._entries[store_id] = attrs.evolve(entry, invalidated=True)
            self._seen.clear()
