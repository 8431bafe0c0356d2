"""The compiled rule set (SPEC §7 "Rules in memory"): the index finds exactly the
promotions whose included nodes match the basket, and promotions that cannot match
change nothing in an evaluation."""

from __future__ import annotations

import threading
from decimal import Decimal
from types import MappingProxyType

import attrs
import pytest
from families.helpers import NOW, STORE, group, item, node, promo

from mspromo_engine import evaluate_json
from mspromo_engine.basket import Category, Item, Unit
from mspromo_engine.engine import canonical_units
from mspromo_engine.model import Group, Node, NodeType
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire import promotion_from_wire


def scan(group: Group, unit: Unit) -> Node | None:
    """The reference matcher, kept in the tests only: every node scanned, exclusion beats
    inclusion, the most specific included node (item, deeper category, ALL) speaks."""

    def matches(node: Node) -> bool:
        if node.matches_all:
            return True
        if node.node_type is NodeType.ITEM:
            return node.node_id == unit.sku
        return (node.node_type.value, node.node_id) in unit.categories

    def rank(node: Node) -> int:
        if node.matches_all:
            return 9
        return 0 if node.node_type is NodeType.ITEM else 8 - int(node.node_type.value[1:])

    best: Node | None = None
    for n in group.nodes:
        if matches(n):
            if n.is_excluded:
                return None
            if best is None or rank(n) < rank(best):
                best = n
    return best


def _ids(rules: RuleSet, *items: Item) -> list[str]:
    return [p.promo_id_retailer for p in rules.matching(canonical_units(items))]


PEN = Item("PEN", Decimal("1.00"), 2, categories=(Category("c1", "STATIONERY"),))
MILK = Item("MILK", Decimal("1.00"), 1, categories=(Category("c2", "DAIRY"),))


def _rules(*wires: dict[str, object]) -> RuleSet:
    return RuleSet.compile(promotion_from_wire(w) for w in wires)


def test_the_index_finds_promotions_by_item_category_and_all() -> None:
    rules = _rules(
        promo("BY-SKU", "e", group("g1", 1, node("PEN"))),
        promo("BY-CAT", "e", group("g1", 1, node("DAIRY", "c2"))),
        promo("EVERYTHING", "e", group("g1", 1, node("ALL"))),
        promo("OTHER-SKU", "e", group("g1", 1, node("INK"))),
        promo("OTHER-LEVEL", "e", group("g1", 1, node("DAIRY", "c1"))),
    )
    assert _ids(rules, PEN) == ["BY-SKU", "EVERYTHING"]
    assert _ids(rules, MILK) == ["BY-CAT", "EVERYTHING"]
    assert _ids(rules, PEN, MILK) == ["BY-SKU", "BY-CAT", "EVERYTHING"]
    assert _ids(rules, Item("INK", Decimal(1), 1)) == ["EVERYTHING", "OTHER-SKU"]


def test_a_promotion_matched_through_several_nodes_is_returned_once() -> None:
    rules = _rules(
        promo(
            "COMBO",
            "c",
            group("g1", 1, node("PEN"), node("STATIONERY", "c1")),
            group("g2", 1, node("MILK"), node("DAIRY", "c2")),
        )
    )
    assert _ids(rules, PEN, MILK, PEN) == ["COMBO"]


def test_an_excluded_only_match_does_not_make_a_promotion_eligible() -> None:
    rules = _rules(
        promo(
            "NOT-MILK",
            "e",
            group("g1", 1, node("STATIONERY", "c1"), node("MILK", is_excluded=True)),
        )
    )
    assert _ids(rules, MILK) == []
    assert _ids(rules, PEN) == ["NOT-MILK"]


def test_compiled_node_lookup_agrees_with_scanning_every_node() -> None:
    wire = promo(
        "MIX",
        "l",
        group(
            "g1",
            1,
            node("STATIONERY", "c1", discount_type="p", discount_value="5"),
            node("PENS", "c3", discount_type="p", discount_value="10"),
            node("PEN", discount_type="p", discount_value="20"),
            node("ALL", "c1", discount_type="p", discount_value="1"),
            node("RED", "c3", discount_type="p", discount_value="30"),
            node("BROKEN", is_excluded=True),
            node("DAMAGED", "c2", is_excluded=True),
        ),
    )
    promotion = promotion_from_wire(wire)
    [index] = RuleSet.compile([promotion]).groups_of(promotion)
    cats = [Category("c1", "STATIONERY"), Category("c3", "PENS"), Category("c3", "RED")]
    baskets = [
        Item("PEN", Decimal(1), 1, categories=tuple(cats)),
        Item("OTHER", Decimal(1), 1, categories=tuple(cats)),
        Item("OTHER", Decimal(1), 1, categories=(cats[2], cats[1])),
        Item("OTHER", Decimal(1), 1, categories=(cats[0],)),
        Item("OTHER", Decimal(1), 1),
        Item("BROKEN", Decimal(1), 1, categories=tuple(cats)),
        Item("PEN", Decimal(1), 1, categories=(Category("c2", "DAMAGED"),)),
    ]
    for basket_item in baskets:
        [unit] = canonical_units((basket_item,))
        assert index.match(unit.sku, unit.categories) == scan(promotion.promo_groups[0], unit)


def test_thousands_of_non_matching_promotions_change_nothing() -> None:
    matching = [
        promo("PENS", "e", group("g1", 2, node("PEN")), discount_value="10"),
        promo("STATIONERY", "p", group("g1", 1, node("STATIONERY", "c1")), discount_value="5"),
        promo("SPEND", "b", group("g1", "10", node("ALL")), discount_type="v", discount_value="1"),
        promo(
            "BEST",
            "e",
            group("g1", 1, node("PEN")),
            evaluate_criteria="b",
            discount_value="15",
        ),
    ]
    noise = [
        promo(f"N{k:04}", "e", group("g1", 1, node(f"SKU-{k}"), node(f"CAT-{k}", "c1")))
        for k in range(3000)
    ]
    body = {
        "store_id": STORE,
        "basket": {
            "id": "b",
            "items": [
                item("PEN", "4.00", 3, categories=[{"type": "c1", "value": "STATIONERY"}]),
                item("INK", "7.00", 1),
            ],
        },
    }
    small = evaluate_json(body, _rules(*matching), now=NOW)
    large = evaluate_json(body, _rules(*noise[:1500], *matching, *noise[1500:]), now=NOW)
    assert large == small
    assert Decimal(small["basket"]["discount"]) > 0


def test_the_rule_set_is_immutable_and_shared_between_threads() -> None:
    rules = _rules(promo("PENS", "e", group("g1", 1, node("PEN")), discount_value="10"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rules.promotions = ()  # type: ignore[misc]
    [index] = rules.groups_of(rules.promotions[0])
    assert isinstance(index.items, MappingProxyType)
    results: list[list[str]] = []

    def worker() -> None:
        for _ in range(200):
            results.append(_ids(rules, PEN))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [["PENS"]] * 800


def test_an_on_the_fly_promotion_is_compiled_when_it_is_not_in_the_rule_set() -> None:
    rules = _rules(promo("PENS", "e", group("g1", 1, node("PEN")), discount_value="10"))
    other = promotion_from_wire(promo("OTHER", "e", group("g1", 1, node("MILK"))))
    [index] = rules.groups_of(other)
    [unit] = canonical_units((MILK,))
    assert index.match(unit.sku, unit.categories) == other.promo_groups[0].nodes[0]
