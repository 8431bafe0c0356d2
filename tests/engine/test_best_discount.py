"""Best discount (SPEC §5.3): the order found is the true best one, clusters are split,
equal totals are broken by priority, and the result goes out through the wire API."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from families.helpers import evaluate, group, item, node, promo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mspromo_engine import best_discount
from mspromo_engine.basket import Category, Item
from mspromo_engine.engine import canonical_units, make_candidate, run_candidate
from mspromo_engine.families import RULES
from mspromo_engine.families.common import Candidate, LayerView
from mspromo_engine.money import ZERO
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire import promotion_from_wire

SKUS = ("A", "B", "C", "D", "E")
CATEGORY = {"A": "X", "B": "X", "C": "Y", "D": "Y", "E": "Z"}


# --------------------------------------------------------------------------------------
# The reference: every order of the cluster, sharing prefixes (kept in the tests only).


def brute_force(
    candidates: Sequence[Candidate], view: LayerView
) -> tuple[Decimal, dict[str, Decimal]]:
    """The best total over every order, and each promotion's discount in the first best
    order met when, at each step, the largest immediate discount is tried first and ties
    go by priority (the engine's documented tie rule)."""
    ordered = sorted(candidates, key=lambda c: c.promotion.priority_key)
    best: list[Any] = [Decimal(-1), {}]

    def walk(left: list[Candidate], v: LayerView, total: Decimal, per: dict[str, Decimal]) -> None:
        if not left:
            if total > best[0]:
                best[:] = [total, dict(per)]
            return
        steps = [(run_candidate(c, v), k) for k, c in enumerate(left)]
        for outcome, k in sorted(steps, key=lambda s: (-s[0].total, s[1])):
            candidate = left[k]
            per[candidate.promotion.promo_id_retailer] = outcome.total
            walk(left[:k] + left[k + 1 :], v.after(outcome), total + outcome.total, per)
            del per[candidate.promotion.promo_id_retailer]

    walk(ordered, view, ZERO, {})
    return best[0], best[1]


def setup(
    wires: Sequence[dict[str, Any]], lines: Sequence[tuple[str, str, int]]
) -> tuple[list[Candidate], LayerView]:
    rules = RuleSet.compile(promotion_from_wire(w) for w in wires)
    items = tuple(
        Item(sku, Decimal(price), qty, categories=(Category("c1", CATEGORY[sku]),))
        for sku, price, qty in lines
    )
    units = canonical_units(items)
    candidates = [make_candidate(p, units, rules.groups_of(p)) for p in rules.promotions]
    view = LayerView(units, tuple(u.sp for u in units), 0, 0, 2)
    return [c for c in candidates if any(c.groups)], view


def resolve(
    candidates: Sequence[Candidate], view: LayerView
) -> tuple[Decimal, dict[str, Decimal], bool]:
    applied, _, exact = best_discount.resolve_best_discount(candidates, view, run_candidate)
    per = {c.promotion.promo_id_retailer: o.total for c, o in applied}
    return sum(per.values(), ZERO), per, exact


# --------------------------------------------------------------------------------------
# Generated clusters over every registered family


def _nodes(draw: st.DrawFn) -> list[dict[str, Any]]:
    picked = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
    out = []
    for sku in picked:
        if draw(st.booleans()):
            out.append(node(sku))
        else:
            out.append(node(CATEGORY[sku], "c1"))
    if draw(st.integers(0, 4)) == 0:
        out.append(node(draw(st.sampled_from(SKUS)), is_excluded=True))
    return out


@st.composite
def promotions(draw: st.DrawFn, promo_id: str) -> dict[str, Any]:
    family = draw(st.sampled_from(sorted(f.value for f in RULES)))
    kind = draw(st.sampled_from(["p", "v", "f"]))
    value = {
        "p": draw(st.sampled_from(["10", "25", "50", "100"])),
        "v": draw(st.sampled_from(["1.00", "4.00", "7.50"])),
        "f": draw(st.sampled_from(["1.00", "5.00", "9.00"])),
    }[kind]
    fields: dict[str, Any] = {
        "evaluate_criteria": "b",
        "discount_type": kind,
        "discount_value": value,
        "discount_type_strategy": draw(st.sampled_from(["a", "e"])),
        "discounted_group_item_selection_criteria": draw(st.sampled_from(["l", "lc", "m"])),
        "max_application_limit": draw(st.integers(1, 3)),
        "evaluate_priority": draw(st.none() | st.integers(0, 3)),
    }
    if draw(st.integers(0, 4)) == 0:
        fields["max_discount"] = draw(st.sampled_from(["0.50", "3.00"]))
    n = draw(st.integers(1, 3))
    if family in ("e", "p"):
        groups = [group("g1", n, *_nodes(draw))]
    elif family in ("c", "l"):
        groups = [group(f"g{k}", n, *_nodes(draw)) for k in (1, 2)]
        if family == "l" and draw(st.booleans()):
            groups = groups[:1]
    elif family == "b":
        groups = [group("g1", draw(st.sampled_from(["5", "20", "40"])), *_nodes(draw))]
    elif family == "t":
        groups = [group("spend", draw(st.sampled_from(["5", "20"])), *_nodes(draw))]
        groups.append(group("gift", 1, *_nodes(draw)))
        fields["target_discounted_group_name"] = "gift"
    else:  # r, m: one group of N + M with M discounted
        groups = [group("g1", n + 1, *_nodes(draw))]
        fields["target_discounted_group_qty_min"] = 1
    return promo(promo_id, family, *groups, **fields)


@st.composite
def clusters(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[str, str, int]]]:
    count = draw(st.integers(2, 7))
    wires = [draw(promotions(f"P{k}")) for k in range(count)]
    lines = []
    left = 20
    for sku in draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=5, unique=True)):
        qty = draw(st.integers(1, min(5, left)))
        left -= qty
        lines.append((sku, draw(st.sampled_from(["2.00", "5.00", "9.99", "15.00"])), qty))
        if left == 0:
            break
    return wires, lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_best_discount_equals_the_best_of_every_order(case: Any) -> None:
    wires, lines = case
    candidates, view = setup(wires, lines)
    expected_total, expected_per = brute_force(candidates, view)
    total, per, exact = resolve(candidates, view)
    assert exact
    assert total == max(expected_total, ZERO)
    assert per == expected_per or not candidates


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.randoms(use_true_random=False))
def test_the_search_bound_never_underestimates_what_an_order_still_gives(
    case: Any, rng: Any
) -> None:
    # The pruning is only exact if the bound holds for every order from every state,
    # whichever family (favour retailer is not monotone: its bound must not assume it).
    wires, lines = case
    candidates, view = setup(wires, lines)
    if not candidates:
        return
    search = best_discount.ExactSearch(candidates, view, run_candidate)
    order = list(range(len(candidates)))
    rng.shuffle(order)
    steps = []
    v = view
    for i in order:
        outcome = run_candidate(candidates[i], v)
        steps.append((i, v.taken, outcome.total))
        v = v.after(outcome)
    remaining = (1 << len(candidates)) - 1
    for k, (i, taken, total) in enumerate(steps):
        still = sum((t for _, _, t in steps[k:]), ZERO)
        assert still <= search.bound((remaining, taken & search.union))
        assert total <= search.ceilings[i].at(taken)
        remaining &= ~(1 << i)


def test_a_basket_threshold_applied_three_times_on_one_unit_stays_under_its_ceiling() -> None:
    # "Spend 5, get 1.00 off", three times: all three applications share the one unit.
    spend = promo(
        "SPEND",
        "b",
        group("g1", "5", node("A")),
        evaluate_criteria="b",
        discount_type="v",
        discount_value="1.00",
        max_application_limit=3,
    )
    [candidate], view = setup([spend], [("A", "15.00", 1)])
    assert run_candidate(candidate, view).total == Decimal("3.00")
    search = best_discount.ExactSearch([candidate], view, run_candidate)
    assert search.ceilings[0].at(0) >= Decimal("3.00")


# --------------------------------------------------------------------------------------
# The classic trap and the wire API


def test_two_small_promotions_beat_the_largest_single_one_through_the_wire() -> None:
    # Four pens at 10.00. "All four for 12 off" is the largest promotion alone, but
    # "two for 8 off" twice over the same units (as two promotions) gives 16.00.
    four = promo(
        "FOUR",
        "e",
        group("g1", 4, node("PEN")),
        evaluate_criteria="b",
        discount_type="v",
        discount_value="12",
    )
    pair_a = promo(
        "PAIR-A",
        "e",
        group("g1", 2, node("PEN")),
        evaluate_criteria="b",
        discount_type="v",
        discount_value="8",
    )
    pair_b = promo(
        "PAIR-B",
        "e",
        group("g1", 2, node("PEN")),
        evaluate_criteria="b",
        discount_type="v",
        discount_value="8",
    )
    wire = evaluate([item("PEN", "10.00", 4)], four, pair_a, pair_b)
    assert wire.discount == Decimal("16.00")
    assert wire.promo_discount("PAIR-A") == Decimal("8.00")
    assert wire.promo_discount("PAIR-B") == Decimal("8.00")
    assert wire.promo_discount("FOUR") == 0
    assert wire.body["best_discount_exact"] is True


def test_greedy_by_largest_discount_would_lose_to_two_smaller_promotions() -> None:
    # BIG alone is the largest (45 % of 25.00 = 11.25) but takes both units; ON-A and
    # ON-B (50 % each) give 2.50 + 10.00 = 12.50 together.
    big = promo(
        "BIG",
        "p",
        group("g1", 2, node("A"), node("B")),
        evaluate_criteria="b",
        discount_value="45",
    )
    on_a = promo("ON-A", "e", group("g1", 1, node("A")), evaluate_criteria="b", discount_value="50")
    on_b = promo("ON-B", "e", group("g1", 1, node("B")), evaluate_criteria="b", discount_value="50")
    wire = evaluate([item("A", "5.00"), item("B", "20.00")], big, on_a, on_b)
    assert wire.discount == Decimal("12.50")
    assert wire.promo_discount("BIG") == 0


# --------------------------------------------------------------------------------------
# Clusters and ties


def test_promotions_that_share_no_unit_are_solved_as_separate_clusters() -> None:
    wires = [
        promo(f"P{k}", "e", group("g1", 1, node(sku)), evaluate_criteria="b", discount_value="10")
        for k, sku in enumerate(SKUS)
    ]
    wires.append(
        promo(
            "AB",
            "e",
            group("g1", 1, node("A"), node("B")),
            evaluate_criteria="b",
            discount_value="20",
        )
    )
    candidates, view = setup(wires, [(sku, "10.00", 1) for sku in SKUS])
    found = best_discount.clusters(candidates, view)
    assert sorted(sorted(c.promotion.promo_id_retailer for c in m) for m in found) == [
        ["AB", "P0", "P1"],
        ["P2"],
        ["P3"],
        ["P4"],
    ]


def test_many_independent_promotions_stay_exact_and_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    # Forty one-unit promotions on forty different SKUs: forty clusters of one, so the
    # search never runs and the result is exact although the layer has > EXACT_LIMIT.
    calls = []
    original = run_candidate

    def counting(candidate: Candidate, view: LayerView) -> Any:
        calls.append(candidate)
        return original(candidate, view)

    wires = [
        promo(
            f"P{k:02}",
            "e",
            group("g1", 1, node(f"S{k}")),
            evaluate_criteria="b",
            discount_value="10",
        )
        for k in range(40)
    ]
    rules = RuleSet.compile(promotion_from_wire(w) for w in wires)
    units = canonical_units(tuple(Item(f"S{k}", Decimal("10.00"), 1) for k in range(40)))
    candidates = [make_candidate(p, units, rules.groups_of(p)) for p in rules.promotions]
    view = LayerView(units, tuple(u.sp for u in units), 0, 0, 2)
    applied, _, exact = best_discount.resolve_best_discount(candidates, view, counting)
    assert exact
    assert sum((o.total for _, o in applied), ZERO) == Decimal("40.00")
    assert len(calls) == 40


def test_equal_totals_go_to_the_promotion_first_in_priority_order() -> None:
    # Same deal twice on one pen: whichever comes first takes it; priority decides.
    second = promo(
        "SECOND",
        "e",
        group("g1", 1, node("PEN")),
        evaluate_criteria="b",
        discount_value="10",
        evaluate_priority=2,
    )
    first = promo(
        "FIRST",
        "e",
        group("g1", 1, node("PEN")),
        evaluate_criteria="b",
        discount_value="10",
        evaluate_priority=1,
    )
    for order in ((second, first), (first, second)):
        wire = evaluate([item("PEN", "10.00")], *order)
        assert wire.promo_discount("FIRST") == Decimal("1.00")
        assert wire.promo_discount("SECOND") == 0


def test_a_cluster_beyond_the_exact_limit_is_reported_as_not_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(best_discount, "EXACT_LIMIT", 2)
    monkeypatch.setattr(best_discount, "TRY_LIMIT", 2)
    wires = [
        promo(
            f"P{k}",
            "e",
            group("g1", 1, node("PEN")),
            evaluate_criteria="b",
            discount_value=str(k + 1),
        )
        for k in range(3)
    ]
    wire = evaluate([item("PEN", "10.00")], *wires)
    assert wire.body["best_discount_exact"] is False
    # the marginal-value ranking still picks the best single promotion here
    assert wire.discount == Decimal("0.30")


def test_a_cluster_beyond_the_exact_limit_solved_within_budget_is_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(best_discount, "EXACT_LIMIT", 1)
    three = [
        promo(
            f"P{k}",
            "e",
            group("g1", 1, node("PEN")),
            evaluate_criteria="b",
            discount_value=str(k + 1),
        )
        for k in range(3)
    ]
    assert evaluate([item("PEN", "10.00")], *three).body["best_discount_exact"] is True
    monkeypatch.setattr(best_discount, "TRY_BUDGET", 1)
    assert evaluate([item("PEN", "10.00")], *three).body["best_discount_exact"] is False


def test_favour_retailer_can_gain_when_others_take_its_cheap_units() -> None:
    # Not monotone: CHEAP alone takes the 1.00 unit (0.50 off); once FREE1 takes it,
    # CHEAP takes the 10.00 unit (5.00 off). The search must still find 6.00.
    cheap = promo(
        "CHEAP",
        "e",
        group("g1", 1, node("A"), node("B")),
        evaluate_criteria="b",
        discount_value="50",
    )
    free_one = promo(
        "FREE1", "e", group("g1", 1, node("A")), evaluate_criteria="b", discount_value="100"
    )
    wire = evaluate([item("A", "1.00"), item("B", "10.00")], cheap, free_one)
    assert wire.discount == Decimal("6.00")


def test_promotions_that_cannot_apply_come_last_in_priority_order() -> None:
    # One unit of A: ON-A takes it; the two "buy three" deals can apply neither before
    # nor after, so every order gives 1.00 and the first in search order lists them by
    # priority after ON-A.
    wires = [
        promo(
            name,
            "e",
            group("g1", 3, node("A")),
            evaluate_criteria="b",
            discount_value="50",
            evaluate_priority=priority,
        )
        for name, priority in (("THREE-LATE", 3), ("THREE-EARLY", 0))
    ]
    wires.append(
        promo(
            "ON-A",
            "e",
            group("g1", 1, node("A")),
            evaluate_criteria="b",
            discount_value="10",
            evaluate_priority=2,
        )
    )
    candidates, view = setup(wires, [("A", "10.00", 1)])
    applied, _, exact = best_discount.resolve_best_discount(candidates, view, run_candidate)
    assert exact
    assert [(c.promotion.promo_id_retailer, o.total) for c, o in applied] == [
        ("ON-A", Decimal("1.00")),
        ("THREE-EARLY", ZERO),
        ("THREE-LATE", ZERO),
    ]
