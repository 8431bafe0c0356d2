"""Invariants every family keeps (SPEC §3.2, §5.6), on random baskets for r, m, b and t:
final prices stay in [0, sp], line discounts add up to the basket discount, and the
result does not depend on the order of the lines."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import evaluate, group, item, node, promo

prices = st.integers(min_value=0, max_value=5000).map(lambda c: f"{D(c) / 100:.2f}")
lines = st.lists(
    st.tuples(st.sampled_from("ABCDE"), prices, st.integers(min_value=1, max_value=4)),
    min_size=1,
    max_size=5,
    unique_by=lambda t: t[0],
)
criteria = st.sampled_from(["l", "lc", "m"])
kinds = st.sampled_from([("p", "100"), ("p", "30"), ("v", "7.50"), ("f", "12.00")])


@st.composite
def promotions(draw: st.DrawFn) -> dict[str, Any]:
    family = draw(st.sampled_from("rmbt"))
    kind, value = draw(kinds)
    header = {
        "discount_type": kind,
        "discount_value": value,
        "max_application_limit": draw(st.integers(min_value=1, max_value=3)),
        "discounted_group_item_selection_criteria": draw(criteria),
        "requisite_groups_item_selection_criteria": draw(criteria),
    }
    if family in "rm" and draw(st.booleans()):
        m = draw(st.integers(min_value=1, max_value=2))
        n = draw(st.integers(min_value=0, max_value=2))
        return promo(
            "P",
            family,
            group("g1", n + m, node("ALL")),
            target_discounted_group_qty_min=m,
            **header,
        )
    if family in "rm":
        return promo(
            "P",
            family,
            group("req", draw(st.integers(0, 2)), node("A"), node("B")),
            group("tgt", draw(st.integers(1, 2)), node("C"), node("D")),
            target_discounted_group_name="tgt",
            **header,
        )
    if family == "b":
        return promo("P", "b", group("g1", draw(prices), node("ALL")), **header)
    return promo(
        "P",
        "t",
        group("spend", draw(prices), node("ALL")),
        group("gift", draw(st.integers(1, 2)), node("C"), node("E")),
        target_discounted_group_name="gift",
        **header,
    )


@settings(max_examples=150, deadline=None)
@given(lines, promotions())
def test_prices_stay_in_range_and_discounts_add_up(
    basket: list[tuple[str, str, int]], rule: dict[str, Any]
) -> None:
    wire = evaluate([item(sku, price, qty) for sku, price, qty in basket], rule)
    total = D(0)
    for sku, price, qty in basket:
        for final in wire.unit_finals(sku):
            assert D(0) <= final <= D(price)
        line_discount = wire.line_discount(sku)
        assert line_discount == sum(wire.unit_discounts(sku), D(0))
        assert wire.discounted_qty(sku) + wire.requisite_qty(sku) + wire.remaining_qty(sku) == qty
        total += line_discount
    assert wire.discount == total
    total_sp = sum((D(p) * q for _, p, q in basket), D(0))
    assert wire.total_after_promos == total_sp - wire.discount


@settings(max_examples=100, deadline=None)
@given(lines, promotions())
def test_line_order_does_not_change_the_result(
    basket: list[tuple[str, str, int]], rule: dict[str, Any]
) -> None:
    forward = evaluate([item(s, p, q) for s, p, q in basket], rule)
    backward = evaluate([item(s, p, q) for s, p, q in reversed(basket)], rule)
    for sku, _, _ in basket:
        assert forward.line(sku) == backward.line(sku)
