"""Hypothesis strategies for money, basket lines and evaluate requests (SPEC §6), in
their wire form; see :mod:`mspromo_engine.testing.strategies`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from hypothesis import strategies as st

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.wire.evaluate import request_from_wire

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_SKUS",
    "EVALUATION_TIME",
    "QUALIFIERS",
    "STORE_ID",
    "baskets",
    "evaluation_requests",
    "items",
    "money",
    "percentages",
    "wire_requests",
]

#: The instant every generated request is evaluated at (a Wednesday).
EVALUATION_TIME = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
#: The store every generated promotion is linked to and every request comes from.
STORE_ID = "s-1"
DEFAULT_SKUS: tuple[str, ...] = ("APPLE", "BREAD", "CHEESE", "DATES", "EGGS")
#: ``(level, value)`` pairs; an item carries at most one value per level.
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("c1", "FOOD"),
    ("c1", "DRINK"),
    ("c2", "DAIRY"),
    ("c2", "BAKERY"),
    ("c3", "ORGANIC"),
)

#: Coupon codes of generated requests: two cases of one code, another, and an unknown one.
COUPONS: tuple[str, ...] = ("SAVE10", "save10", "VIP-1", "NOPE")

#: Loyalty qualifiers of generated loyalty-only promotions and customers' cards.
QUALIFIERS: tuple[str, ...] = ("GOLD", "SILVER")

_TIMEZONES = ("UTC", "Europe/London", "Asia/Kolkata", "America/New_York")


# ---------------------------------------------------------------------------------------
# Money and basket lines


def money(
    decimals: int = 2,
    *,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 100,
) -> st.SearchStrategy[Decimal]:
    """Amounts in ``[min_value, max_value]`` with exactly ``decimals`` places.

    Built from integers of the currency's smallest unit, so no binary float is ever
    involved. Shrinks towards ``min_value``.
    """
    step = Decimal(1).scaleb(-decimals)
    low = int((Decimal(min_value) / step).to_integral_value(rounding=ROUND_CEILING))
    high = int((Decimal(max_value) / step).to_integral_value(rounding=ROUND_FLOOR))
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-decimals))


def percentages() -> st.SearchStrategy[Decimal]:
    """Percent discount values in ``[0, 100]``, mostly whole, sometimes with two places."""
    return st.one_of(
        st.sampled_from([Decimal(v) for v in (0, 10, 25, 50, 100)]),
        st.integers(0, 100).map(Decimal),
        money(2, max_value=100),
    )


def _sku_categories(
    draw: st.DrawFn, categories: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """At most one value per category level, as a real hierarchy has."""
    by_level: dict[str, list[str]] = {}
    for level, value in categories:
        by_level.setdefault(level, []).append(value)
    chosen: list[tuple[str, str]] = []
    for level in sorted(by_level):
        picked = draw(st.none() | st.sampled_from(by_level[level]))
        if picked is not None:
            chosen.append((level, picked))
    return chosen


def _wire_item(
    draw: st.DrawFn,
    *,
    sku: str,
    cats: Sequence[tuple[str, str]],
    item_id: str,
    decimals: int,
    max_qty: int,
) -> dict[str, Any]:
    mrp = draw(money(decimals, max_value=50))
    sp = draw(st.just(mrp) | money(decimals, max_value=mrp))
    weight = draw(st.sampled_from(["1", "1", "0.5", "1.250"]))
    return {
        "sku": sku,
        "item_id": item_id,
        "barcode": f"bc-{sku}",
        "mrp": str(mrp),
        "sp": str(sp),
        "qty": draw(st.integers(1, max_qty)),
        "weight": weight,
        "uom": "KG" if weight != "1" else "EA",
        "categories": [{"type": t, "value": v} for t, v in cats],
    }


@st.composite
def _items(
    draw: st.DrawFn,
    skus: Sequence[str],
    categories: Sequence[tuple[str, str]],
    decimals: int,
    max_qty: int,
) -> dict[str, Any]:
    sku = draw(st.sampled_from(skus))
    cats = _sku_categories(draw, categories)
    return _wire_item(
        draw, sku=sku, cats=cats, item_id=f"line-{sku}", decimals=decimals, max_qty=max_qty
    )


def items(
    skus: Sequence[str] = DEFAULT_SKUS,
    categories: Sequence[tuple[str, str]] = DEFAULT_CATEGORIES,
    *,
    decimals: int = 2,
    max_qty: int = 4,
) -> st.SearchStrategy[dict[str, Any]]:
    """One basket line as a wire dict (SPEC §6): a SKU from ``skus``, at most one category
    per level from ``categories``, ``sp ≤ mrp``, quantities ``1…max_qty``, sometimes a
    weighed good. Its ``item_id`` is ``line-<sku>``; :func:`baskets` makes ids unique."""
    return _items(skus, categories, decimals, max_qty)


@st.composite
def _baskets(
    draw: st.DrawFn,
    *,
    skus: Sequence[str],
    categories: Sequence[tuple[str, str]],
    decimals: int,
    min_lines: int,
    max_lines: int,
    max_qty: int,
) -> list[dict[str, Any]]:
    # One catalogue per basket: every line of a SKU carries the same categories.
    catalogue = {sku: _sku_categories(draw, categories) for sku in skus}
    n = draw(st.integers(min_lines, max_lines))
    return [
        _wire_item(
            draw,
            sku=(sku := draw(st.sampled_from(skus))),
            cats=catalogue[sku],
            item_id=f"line-{i}",
            decimals=decimals,
            max_qty=max_qty,
        )
        for i in range(n)
    ]


def baskets(
    skus: Sequence[str] = DEFAULT_SKUS,
    categories: Sequence[tuple[str, str]] = DEFAULT_CATEGORIES,
    *,
    decimals: int = 2,
    min_lines: int = 1,
    max_lines: int = 5,
    max_qty: int = 4,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """The ``basket.items`` of a request: lines with unique ``item_id`` (``line-0``, …);
    a SKU may appear on several lines, always with the same categories."""
    return _baskets(
        skus=skus,
        categories=categories,
        decimals=decimals,
        min_lines=min_lines,
        max_lines=max_lines,
        max_qty=max_qty,
    )


# ---------------------------------------------------------------------------------------
# Requests


@st.composite
def _wire_requests(
    draw: st.DrawFn,
    *,
    basket: st.SearchStrategy[list[dict[str, Any]]],
    decimals: int,
    promo_override: Sequence[Mapping[str, Any]],
    qualifiers: Sequence[str],
    coupons: Sequence[str],
) -> dict[str, Any]:
    held = draw(st.lists(st.sampled_from(qualifiers), unique=True)) if qualifiers else []
    # Repeats and mixed case on purpose: the codec upper-cases them and drops repeats.
    codes = draw(st.lists(st.sampled_from(coupons), max_size=3)) if coupons else []
    special = [{"input": "card", "qualifier_ids": held}]
    return {
        "store_id": STORE_ID,
        "customer_id": draw(st.none() | st.just("c-9")),
        "at": EVALUATION_TIME.isoformat(),
        "timezone": draw(st.sampled_from(_TIMEZONES)),
        "currency_decimals": decimals,
        "keep_zero_discount_promos": draw(st.booleans()),
        "explain": draw(st.booleans()),
        "special_promos": [{"program_name": "club", "group_qualifiers": special}] if held else [],
        "promo_override": [dict(p) for p in promo_override],
        "coupons": codes,
        "basket": {"id": "b-1", "items": draw(basket)},
    }


def wire_requests(
    basket: st.SearchStrategy[list[dict[str, Any]]] | None = None,
    *,
    decimals: int = 2,
    promo_override: Sequence[Mapping[str, Any]] = (),
    qualifiers: Sequence[str] = (),
    coupons: Sequence[str] = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """Evaluate request bodies (SPEC §6) that ``request_from_wire`` accepts: store
    :data:`STORE_ID`, ``at`` = :data:`EVALUATION_TIME`, a time zone, ``explain`` and
    ``keep_zero_discount_promos`` either way, lines from ``basket`` (default
    :func:`baskets`), the given on-the-fly promotions, a loyalty card holding some
    of ``qualifiers`` (SPEC §5.4), up to three of ``coupons`` (SPEC §9) and a
    ``customer_id`` or none."""
    lines = baskets(decimals=decimals) if basket is None else basket
    return _wire_requests(
        basket=lines,
        decimals=decimals,
        promo_override=promo_override,
        qualifiers=qualifiers,
        coupons=coupons,
    )


def evaluation_requests(
    basket: st.SearchStrategy[list[dict[str, Any]]] | None = None,
    *,
    decimals: int = 2,
    promo_override: Sequence[Mapping[str, Any]] = (),
    qualifiers: Sequence[str] = (),
) -> st.SearchStrategy[EvaluationRequest]:
    """:class:`EvaluationRequest` objects: :func:`wire_requests` through the codec."""
    body = wire_requests(
        basket, decimals=decimals, promo_override=promo_override, qualifiers=qualifiers
    )
    return body.map(lambda body: request_from_wire(body, now=EVALUATION_TIME))
