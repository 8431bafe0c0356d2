"""Which units a group's nodes take in (SPEC §1 Node): item, category level, ``ALL``,
with exclusion beating inclusion."""

from __future__ import annotations

from mspromo_engine.basket import Unit
from mspromo_engine.model import Group, Node, NodeType

__all__ = ["matching_node", "node_matches"]

# When several included nodes match one unit, the most specific one speaks for it
# (it carries the line-special discount): an item, then the deepest category, then ALL.
_SPECIFICITY = {NodeType.ITEM: 0, **{NodeType(f"c{i}"): 8 - i for i in range(1, 8)}}


def node_matches(node: Node, sku: str, categories: frozenset[tuple[str, str]]) -> bool:
    if node.matches_all:
        return True
    if node.node_type is NodeType.ITEM:
        return node.node_id == sku
    return (node.node_type.value, node.node_id) in categories


def matching_node(group: Group, unit: Unit) -> Node | None:
    """The node that makes ``unit`` eligible for ``group``, or None (excluded or no match)."""
    best: Node | None = None
    for node in group.nodes:
        if node_matches(node, unit.sku, unit.categories):
            if node.is_excluded:
                return None
            if best is None or _rank(node) < _rank(best):
                best = node
    return best


def _rank(node: Node) -> int:
    return 9 if node.matches_all else _SPECIFICITY[node.node_type]
