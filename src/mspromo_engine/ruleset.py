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
from mspromo_engine.model import Group, Node, NodeType, Promotion

__all__ = ["GroupIndex", "RuleSet", "compile_groups"]

Category = tuple[str, str]

# The most specific matching node speaks for a unit (it carries the line-special
# discount): an item, then the deepest category, then ALL; equal rank -> first node.
_RANK = {NodeType.ITEM: 0, **{NodeType(f"c{i}"): 8 - i for i in range(1, 8)}}
# Most groups have no category (or no item) node: they share one empty read-only map,
# which keeps a compiled store of 100,000 promotions smaller.
_NO_ITEMS: Mapping[str, Node] = MappingProxyType({})
_NO_CATEGORIES: Mapping[Category, tuple[int, int, Node]] = MappingProxyType({})
# Likewise the exclusion sets, empty in most groups: an empty frozenset is not a shared
# singleton in CPython and costs 216 bytes each.
_NO_EXCLUDED_ITEMS: frozenset[str] = frozenset()
_NO_EXCLUDED_CATEGORIES: frozenset[Category] = frozenset()


@attrs.frozen
class GroupIndex:
    """One group's nodes compiled for lookup by SKU and category; the same answers as
    :func:`mspromo_engine.eligibility.matching_node`, without scanning every node."""

    items: Mapping[str, Node]
    categories: Mapping[Category, tuple[int, int, Node]]  # (rank, position, node)
    all_node: Node | None
    excluded_items: frozenset[str]
    excluded_categories: frozenset[Category]
    excludes_all: bool

    @classmethod
    def compile(cls, group: Group) -> GroupIndex:
        items: dict[str, Node] = {}
        categories: dict[Category, tuple[int, int, Node]] = {}
        all_node: Node | None = None
        excluded_items: set[str] = set()
        excluded_categories: set[Category] = set()
        excludes_all = False
        for position, node in enumerate(group.nodes):
            if node.is_excluded:
                if node.matches_all:
                    excludes_all = True
                elif node.node_type is NodeType.ITEM:
                    excluded_items.add(node.node_id)
                else:
                    excluded_categories.add((node.node_type.value, node.node_id))
            elif node.matches_all:
                all_node = all_node or node
            elif node.node_type is NodeType.ITEM:
                items.setdefault(node.node_id, node)
            else:
                key = (node.node_type.value, node.node_id)
                categories.setdefault(key, (_RANK[node.node_type], position, node))
        return cls(
            MappingProxyType(items) if items else _NO_ITEMS,
            MappingProxyType(categories) if categories else _NO_CATEGORIES,
            all_node,
            frozenset(excluded_items) if excluded_items else _NO_EXCLUDED_ITEMS,
            frozenset(excluded_categories) if excluded_categories else _NO_EXCLUDED_CATEGORIES,
            excludes_all,
        )

    def node_for(self, unit: Unit) -> Node | None:
        """The node that makes ``unit`` eligible, or None (excluded, or no node matches)."""
        # Most (promotion, line) pairs match nothing: find the including node first and
        # look at exclusions only when there is one.
        node = self.items.get(unit.sku)
        cats = unit.categories
        if node is None:
            best: tuple[int, int, Node] | None = None
            if self.categories:
                for cat in cats:
                    found = self.categories.get(cat)
                    # Deeper level first; on equal level the earlier node, as a scan would.
                    if found is not None and (best is None or found[:2] < best[:2]):
                        best = found
            node = self.all_node if best is None else best[2]
            if node is None:
                return None
        if self.excludes_all or unit.sku in self.excluded_items:
            return None
        if self.excluded_categories and not self.excluded_categories.isdisjoint(cats):
            return None
        return node


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

    @classmethod
    def compile(cls, promotions: Iterable[Promotion]) -> RuleSet:
        """Index ``promotions`` in one pass (linear in their nodes)."""
        promos = tuple(promotions)
        by_sku: dict[str, list[int]] = {}
        by_category: dict[Category, list[int]] = {}
        match_all: list[int] = []
        for i, promo in enumerate(promos):
            # Only included nodes make a unit eligible; exclusions are applied per unit.
            skus: set[str] = set()
            cats: set[Category] = set()
            everything = False
            for group in promo.promo_groups:
                for node in group.nodes:
                    if node.is_excluded:
                        continue
                    if node.matches_all:
                        everything = True
                    elif node.node_type is NodeType.ITEM:
                        skus.add(node.node_id)
                    else:
                        cats.add((node.node_type.value, node.node_id))
            if everything:
                match_all.append(i)
                continue
            for sku in skus:
                by_sku.setdefault(sku, []).append(i)
            for cat in cats:
                by_category.setdefault(cat, []).append(i)
        return cls(
            promos,
            tuple(compile_groups(p) for p in promos),
            MappingProxyType({k: tuple(v) for k, v in by_sku.items()}),
            MappingProxyType({k: tuple(v) for k, v in by_category.items()}),
            tuple(match_all),
            # Promotions are kept alive by the rule set, so their ids are stable keys.
            MappingProxyType({id(p): i for i, p in enumerate(promos)}),
        )

    def matching(self, units: Sequence[Unit]) -> Sequence[Promotion]:
        """The promotions with an included node that matches one of ``units`` (item,
        category or ``ALL``), each once, in rule-set order. Exclusions are left to the
        evaluation, which can then say why a promotion did not apply."""
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
        promos = self.promotions
        return tuple(promos[i] for i in sorted(hits))

    def groups_of(self, promo: Promotion) -> tuple[GroupIndex, ...]:
        """The compiled node lookups of ``promo`` (compiled now for a promotion that is not
        in this rule set, e.g. an on-the-fly ``promo_override``)."""
        i = self._position.get(id(promo))
        if i is not None and self.promotions[i] is promo:
            return self._groups[i]
        return compile_groups(promo)

    def __len__(self) -> int:
        return len(self.promotions)
