"""The one node matcher (SPEC §1 Node): which products a group's nodes take in — an item,
a category at a level, or ``ALL`` — with exclusion beating inclusion. A group is compiled
once into a :class:`GroupIndex` (by SKU and by category, not a scan of its nodes); the
evaluation, the explanations, suggestions and item recommendations all ask it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from mspromo_engine.model import Group, Node, NodeType

__all__ = ["Category", "GroupIndex"]

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
_NO_CATEGORY_SET: frozenset[Category] = frozenset()


@attrs.frozen
class GroupIndex:
    """One group's nodes compiled for lookup by SKU and category."""

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

    @property
    def everything(self) -> Node | None:
        """The ``ALL`` node when it is the only node, nothing excluded: it then matches
        every product."""
        if (
            self.items
            or self.categories
            or self.excludes_all
            or self.excluded_items
            or self.excluded_categories
        ):
            return None
        return self.all_node

    def including(self, sku: str, categories: frozenset[Category]) -> Node | None:
        """The most specific included node that matches the product, exclusions aside."""
        node = self.items.get(sku)
        if node is not None:
            return node
        best: tuple[int, int, Node] | None = None
        if self.categories:
            for cat in categories:
                found = self.categories.get(cat)
                # Deeper level first; on equal level the earlier node, as a scan would.
                if found is not None and (best is None or found[:2] < best[:2]):
                    best = found
        return self.all_node if best is None else best[2]

    def match(self, sku: str, categories: frozenset[Category]) -> Node | None:
        """The node that makes the product eligible, or None (excluded, or no node
        matches)."""
        # Most (promotion, line) pairs match nothing: find the including node first and
        # look at exclusions only when there is one.
        node = self.including(sku, categories)
        if node is None or self.excludes_all or sku in self.excluded_items:
            return None
        if self.excluded_categories and not self.excluded_categories.isdisjoint(categories):
            return None
        return node

    def involves(self, node_type: NodeType, node_id: str) -> bool:
        """Whether the group takes in products named by a node reference (an item SKU or
        a category value, as in a suggestions request)."""
        if node_type is NodeType.ITEM:
            return self.match(node_id, _NO_CATEGORY_SET) is not None
        return self.match("", frozenset({(node_type.value, node_id)})) is not None
