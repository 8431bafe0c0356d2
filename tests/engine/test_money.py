"""Money (SPEC §3.4): Decimal only, ROUND_HALF_UP to the currency's decimals, allocation
whose parts add up to the total exactly, three-place strings on the wire."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mspromo_engine.money import allocate, format_money, quantum, round_money

D = Decimal


@pytest.mark.parametrize(
    ("amount", "decimals", "rounded"),
    [
        ("3.335", 2, "3.34"),
        ("3.334", 2, "3.33"),
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("0.0005", 3, "0.001"),
        ("10", 2, "10.00"),
    ],
)
def test_round_money_rounds_half_up_to_the_currency_decimals(
    amount: str, decimals: int, rounded: str
) -> None:
    result = round_money(D(amount), decimals)
    assert result == D(rounded)
    assert str(result) == rounded


def test_quantum_is_the_smallest_amount_of_the_currency() -> None:
    assert quantum(2) == D("0.01")
    assert quantum(0) == D(1)
    assert quantum(8) == D("0.00000001")


def test_ten_over_three_equal_pens_puts_the_remainder_on_the_last() -> None:
    assert allocate(D("10.00"), [D(15)] * 3, 2) == [D("3.33"), D("3.33"), D("3.34")]


def test_allocation_follows_the_weights() -> None:
    # SPEC §4 Combo: 10.00 over cokes 15, 15 and burgers 10, 10, 10.
    parts = allocate(D("10.00"), [D(15), D(15), D(10), D(10), D(10)], 2)
    assert parts == [D("2.50"), D("2.50"), D("1.67"), D("1.67"), D("1.66")]


def test_zero_weights_split_equally() -> None:
    assert allocate(D("1.00"), [D(0)] * 3, 2) == [D("0.33"), D("0.33"), D("0.34")]


def test_one_part_takes_everything_and_no_parts_take_nothing() -> None:
    assert allocate(D("7.77"), [D(3)], 2) == [D("7.77")]
    assert allocate(D("7.77"), [], 2) == []


def test_format_money_prints_three_places() -> None:
    assert format_money(D("5")) == "5.000"
    assert format_money(D("3.33")) == "3.330"
    assert format_money(D("0.0005")) == "0.001"
    assert format_money(D("-1.5")) == "-1.500"


amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)
weights = st.lists(
    st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False), min_size=1, max_size=12
)


@settings(max_examples=150, deadline=None)
@given(total=amounts, parts=weights, decimals=st.integers(min_value=0, max_value=3))
def test_allocated_parts_add_up_to_the_total_exactly(
    total: Decimal, parts: list[Decimal], decimals: int
) -> None:
    total = round_money(total, decimals)
    result = allocate(total, parts, decimals)
    assert len(result) == len(parts)
    assert sum(result, D(0)) == total
    # Every part, the last one too, is a whole number of the currency's smallest unit.
    assert all(p == round_money(p, decimals) for p in result)


def test_allocate_with_caps_moves_what_a_part_cannot_take_to_the_others() -> None:
    assert allocate(D("30"), [D(40), D(40)], 2, [D(40), D(5)]) == [D("25"), D("5")]
    assert allocate(D("9"), [D(1)] * 3, 2, [D(1), D(10), D(10)]) == [D(1), D(4), D(4)]
    assert allocate(D("50"), [D(1), D(1)], 2, [D(10), D(5)]) == [D(10), D(5)]


@given(
    st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 5_000)), min_size=1, max_size=8),
    st.integers(0, 20_000),
    st.sampled_from([0, 2, 3]),
)
@settings(max_examples=300, deadline=None)
def test_capped_parts_never_exceed_their_caps_and_add_up_to_what_fits(
    pairs: list[tuple[int, int]], total: int, decimals: int
) -> None:
    weights = [D(w).scaleb(-decimals) for w, _ in pairs]
    caps = [D(c).scaleb(-decimals) for _, c in pairs]
    amount = D(total).scaleb(-decimals)
    parts = allocate(amount, weights, decimals, caps)
    assert all(D(0) <= p <= c for p, c in zip(parts, caps, strict=True))
    assert sum(parts, D(0)) == min(amount, sum(caps, D(0)))
