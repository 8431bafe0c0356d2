"""A compiled, immutable rule set: promotions taken once, many baskets evaluated.

Compiling builds, in one pass over the promotions, an index from SKU and from
``(category type, value)`` to the promotions whose groups include them (``ALL`` nodes kept
apart), and for each promotion a per-group node lookup. Evaluating a basket then costs
in proportion to the promotions that can match it, not to the size of the store
(SPEC §7 "Rules in memory"). Everything is a tuple, a frozenset or a read-only mapping,
so one rule set is shared safely between threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs

from mspromo_engine.basket import Unit
from mspromo_engine.eligibility import Category, GroupIndex
from mspromo_engine.model import Promotion

__all__ = ["RuleSet", "compile_groups"]


def compile_groups(promo: Promotion) -> tuple[GroupIndex, ...]:
    return tuple(GroupIndex.compile(g) for g in promo.promo_groups)


@attrs.frozen
class RuleSet:
    """The promotions of one store, compiled for evaluation. Safe to share between threads."""

    promotions: tuple[Promotion, ...]
    _groups: tuple[tuple[GroupIndex, ...], ...] = attrs.field(repr=False, eq=False)
    _by_sku: Mapping[str, tuple[int, ...]] = attrs.field(repr=False, eq=False)
    _by_category: Mapping[Category, tuple[int, ...]] = attrs.field(repr=False, eq=False)
    _match_all: tuple[int, ...] = attrs.field(repr=False, eq=False)
    _position: Mapping[int, int] = attrs.field(repr=False, eq=False)
    # Coupon code -> the promotions carrying it (SPEC §9 ``coupons_info``).
    _by_coupon: Mapping[str, tuple[int, ...]] = attrs.field(
        repr=False, eq=False, factory=lambda: MappingProxyType({})
    )
    #: Whether any promotion has a usage limit: without, evaluate needs no usage counts.
    has_usage_limits: bool = attrs.field(default=False, eq=False)

    @classmethod
    def compile(cls, promotions: Iterable[Promotion]) -> RuleSet:
        """Index ``promotions`` in one pass (linear in their nodes)."""
        promos = tuple(promotions)
        groups = tuple(compile_groups(p) for p in promos)
        by_sku: dict[str, list[int]] = {}
        by_category: dict[Category, list[int]] = {}
        match_all: list[int] = []
        by_coupon: dict[str, list[int]] = {}
        for i, promo in enumerate(promos):
            for code in promo.coupon_codes:
                by_coupon.setdefault(code, []).append(i)
        for i, indexes in enumerate(groups):
            # Only included nodes make a unit eligible; exclusions are applied per unit.
            if any(index.all_node is not None for index in indexes):
                match_all.append(i)
                continue
            skus = {sku for index in indexes for sku in index.items}
            cats = {cat for index in indexes for cat in index.categories}
            for sku in skus:
                by_sku.setdefault(sku, []).append(i)
            for cat in cats:
                by_category.setdefault(cat, []).append(i)
        return cls(
            promos,
            groups,
            MappingProxyType({k: tuple(v) for k, v in by_sku.items()}),
            MappingProxyType({k: tuple(v) for k, v in by_category.items()}),
            tuple(match_all),
            # Promotions are kept alive by the rule set, so their ids are stable keys.
            MappingProxyType({id(p): i for i, p in enumerate(promos)}),
            MappingProxyType({k: tuple(v) for k, v in by_coupon.items()}),
            any(p.has_usage_limit for p in promos),
        )

    def carrying(self, code: str) -> tuple[Promotion, ...]:
        """The promotions whose ``coupon_codes`` hold ``code`` (upper case)."""
        return tuple(self.promotions[i] for i in self._by_coupon.get(code, ()))

    def matching(self, units: Sequence[Unit]) -> Sequence[Promotion]:
        """The promotions with an included node that matches one of ``units`` (item,
        category or ``ALL``), each once, in rule-set order. Exclusions are left to the
        evaluation, which can then say why a promotion did not apply."""
        promos = self.promotions
        return tuple([promos[i] for i in self._hits(units)])

    def matching_with_groups(
        self, units: Sequence[Unit]
    ) -> list[tuple[Promotion, tuple[GroupIndex, ...]]]:
        """:meth:`matching`, each promotion with its compiled node lookups."""
        promos = self.promotions
        groups = self._groups
        return [(promos[i], groups[i]) for i in self._hits(units)]

    def _hits(self, units: Sequence[Unit]) -> list[int]:
        hits: set[int] = set(self._match_all)
        seen_skus: set[str] = set()
        seen_cats: set[Category] = set()
        by_sku = self._by_sku
        by_category = self._by_category
        for unit in units:
            if unit.sku not in seen_skus:
                seen_skus.add(unit.sku)
                hits.update(by_sku.get(unit.sku, ()))
            for cat in unit.categories:
                if cat not in seen_cats:
                    seen_cats.add(cat)
                    hits.update(by_category.get(cat, ()))
        return sorted(hits)

    def groups_of(self, promo: Promotion) -> tuple[GroupIndex, ...]:
        """The compiled node lookups of ``promo`` (compiled now for a promotion that is not
        in this rule set, e.g. an on-the-fly ``promo_override``)."""
        i = self._position.get(id(promo))
        if i is not None and self.promotions[i] is promo:
            return self._groups[i]
        return compile_groups(promo)

    def __len__(self) -> int:
        return len(self.promotions)
