"""Hypothesis strategies for promotions and rule sets (SPEC §2), in their wire form; each
family's group shapes come from its rule (``FamilyRule.example_groups``). See
:mod:`mspromo_engine.testing.strategies`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from mspromo_engine.families import RULES
from mspromo_engine.model import Family, Promotion
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.testing.baskets import (
    DEFAULT_CATEGORIES,
    DEFAULT_SKUS,
    STORE_ID,
    money,
    percentages,
)
from mspromo_engine.wire.promotions import promotion_from_wire

__all__ = ["family_codes", "promotion_lists", "promotion_wires", "promotions", "rule_sets"]

_WINDOW = ("2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
# Header overrides that decide whether a promotion takes part at EVALUATION_TIME in
# STORE_ID; taking part is the most common.
#: Coupon codes of generated promotions (any case: the codec upper-cases them, SPEC §9).
_COUPON_CODES: tuple[tuple[str, ...], ...] = ((), (), (), ("SAVE10",), ("save10", "Vip-1"))

_PARTICIPATION: tuple[dict[str, Any], ...] = (
    {},
    {},
    {},
    {},
    {"is_active": False},
    {"end_date_time": "2026-11-25T10:00:00+00:00"},  # the end is exclusive
    {"start_date_time": "2026-11-25T10:00:01+00:00"},
    {"active_days": "1101111"},  # not on Wednesdays
    {"active_days": "0010000"},  # only on Wednesdays
    {  # 08:00-12:00 wall clock, daily
        "is_happy_hour": True,
        "start_date_time": "2026-01-01T08:00:00+05:30",
        "end_date_time": "2027-01-01T12:00:00+05:30",
    },
    {  # 22:00-02:00 wall clock, across midnight
        "is_happy_hour": True,
        "start_date_time": "2026-01-01T22:00:00+00:00",
        "end_date_time": "2027-01-01T02:00:00+00:00",
    },
    {"stores": ["s-2"]},
    {"stores": [STORE_ID, "s-2"]},
    *(
        {"availability": "s", "special_promo_info": [{"group_qualifier_id": q}]}
        for q in ("GOLD", "SILVER")
    ),
)
_ALL_FAMILIES = tuple(RULES)
T = TypeVar("T")


# ---------------------------------------------------------------------------------------
# Promotions


def family_codes(families: Iterable[str | Family] | None) -> tuple[Family, ...]:
    if families is None:
        return _ALL_FAMILIES
    out = tuple(f if isinstance(f, Family) else Family(f) for f in families)
    if not out:
        raise ValueError("families must name at least one family")
    return out


def _discount(draw: st.DrawFn, kind: str, decimals: int) -> Decimal:
    if kind == "p":
        return draw(percentages())
    if kind == "v":
        return draw(money(decimals, max_value=20))
    return draw(money(decimals, max_value=40))


def _nodes(
    draw: st.DrawFn,
    skus: Sequence[str],
    categories: Sequence[tuple[str, str]],
    decimals: int,
    *,
    overrides: bool,
    everything: bool = False,
) -> list[dict[str, Any]]:
    """A group's nodes: at least one included (SKU, category or ``ALL``) and maybe
    excluded ones; with ``overrides`` (family ``l``) nodes may carry their own discount."""
    members: list[tuple[str, str]] = [("i", s) for s in skus] + list(categories)
    include = st.sampled_from(members) if members else st.just(("c1", "ALL"))
    if everything or not members:
        include = st.just(("c1", "ALL")) | include
    else:
        include = include | st.just(("i", "ALL"))
    included = draw(st.lists(include, min_size=1, max_size=3, unique=True))
    excluded = draw(st.lists(st.sampled_from(members), max_size=2, unique=True)) if members else []
    out: list[dict[str, Any]] = []
    for node_type, node_id in included:
        node: dict[str, Any] = {"node_id": node_id, "node_type": node_type, "is_excluded": False}
        if overrides and draw(st.booleans()):
            kind = draw(st.sampled_from("pvf"))
            node["discount_type"] = kind
            node["discount_value"] = str(_discount(draw, kind, decimals))
        out.append(node)
    for node_type, node_id in excluded:
        if (node_type, node_id) not in included:
            out.append({"node_id": node_id, "node_type": node_type, "is_excluded": True})
    return out


@attrs.frozen
class _Draw:
    """:class:`~mspromo_engine.families.rule.ExampleDraw` over a hypothesis draw."""

    draw: st.DrawFn
    skus: Sequence[str]
    categories: Sequence[tuple[str, str]]
    decimals: int
    max_groups: int

    def units(self, low: int = 1, high: int = 3) -> int:
        return self.draw(st.integers(low, high))

    def maybe_units(self, low: int, high: int) -> int | None:
        return self.draw(st.none() | st.integers(low, high))

    def money(self, max_value: int) -> Decimal:
        return self.draw(money(self.decimals, max_value=max_value))

    def boolean(self) -> bool:
        return self.draw(st.booleans())

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def nodes(self, *, overrides: bool = False, everything: bool = False) -> list[dict[str, Any]]:
        return _nodes(
            self.draw,
            self.skus,
            self.categories,
            self.decimals,
            overrides=overrides,
            everything=everything,
        )


@st.composite
def _promotion_wires(
    draw: st.DrawFn,
    *,
    families: tuple[Family, ...],
    skus: Sequence[str],
    categories: Sequence[tuple[str, str]],
    decimals: int,
    promo_id_retailer: str | None,
    max_groups: int,
    mixed_participation: bool,
) -> dict[str, Any]:
    family = draw(st.sampled_from(families))
    kind = draw(st.sampled_from("pvf"))
    groups, header = RULES[family].example_groups(
        _Draw(draw, skus, categories, decimals, max_groups)
    )

    max_discount = draw(st.none() | money(decimals, max_value=30))
    priority = draw(st.none() | st.integers(0, 9))
    wire: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id_retailer or f"P{draw(st.integers(0, 999))}",
        "family": family.value,
        "title": f"generated {family.value}",
        "evaluate_criteria": draw(st.sampled_from("pb")),
        "evaluate_priority": priority,
        "discount_type": kind,
        "discount_type_strategy": draw(st.sampled_from("ae")),
        "discount_value": str(_discount(draw, kind, decimals)),
        "discount_value_on": draw(st.sampled_from("msf")),
        "max_application_limit": draw(st.integers(1, 3)),
        "max_discount": None if max_discount is None else str(max_discount),
        "start_date_time": _WINDOW[0],
        "end_date_time": _WINDOW[1],
        "discounted_group_item_selection_criteria": draw(st.sampled_from(["l", "lc", "m"])),
        "requisite_groups_item_selection_criteria": draw(st.sampled_from(["l", "lc", "m"])),
        "layer": draw(st.sampled_from([1, 1, 2, 3])),
        "discount_apply_type": draw(st.sampled_from("bbbctp")),
        "apply_on_discounted_items": draw(st.booleans()),
        "stores": [STORE_ID],
        "promo_groups": groups,
        **header,
    }
    if mixed_participation:
        wire.update(draw(st.sampled_from(_PARTICIPATION)))
        # SPEC §9: mostly no coupon and no limit, so that most promotions still take part.
        wire["coupon_codes"] = list(draw(st.sampled_from(_COUPON_CODES)))
        wire["usage_limit"] = draw(st.sampled_from((None, None, None, 1, 2)))
        wire["usage_limit_per_customer"] = draw(st.sampled_from((None, None, None, 1)))
    return wire


def promotion_wires(
    families: Iterable[str | Family] | None = None,
    skus: Sequence[str] = DEFAULT_SKUS,
    categories: Sequence[tuple[str, str]] = DEFAULT_CATEGORIES,
    *,
    decimals: int = 2,
    promo_id_retailer: str | None = None,
    max_groups: int = 3,
    mixed_participation: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Promotion wire dicts (SPEC §2) that ``promotion_from_wire`` accepts, of the given
    families (default: all eight), with each family's group shape: ``e p b`` one group,
    ``c`` two or more, ``l`` one or more with per-node discounts, ``t`` two with a target,
    ``r m`` one with ``target_discounted_group_qty_min`` or two with a target name.

    Every discount type, strategy, reference price, selection criterion, priority,
    ``max_discount``, application limit, layer, apply type and evaluate criteria occurs;
    nodes are SKUs from ``skus``, categories from ``categories`` or ``ALL``, sometimes
    with excluded ones. Active at :data:`EVALUATION_TIME` in :data:`STORE_ID`, for
    everyone (``availability: a``) — unless ``mixed_participation``: then some are
    inactive, out of their window, off on Wednesdays, happy hours (open or closed at
    10:00 local time), linked to another store, loyalty-only for one of
    :data:`QUALIFIERS` (SPEC §5.1, §5.4), or carry coupon codes (some of
    :data:`COUPONS`), a ``usage_limit`` or a ``usage_limit_per_customer`` (SPEC §9)."""
    return _promotion_wires(
        families=family_codes(families),
        skus=skus,
        categories=categories,
        decimals=decimals,
        promo_id_retailer=promo_id_retailer,
        max_groups=max_groups,
        mixed_participation=mixed_participation,
    )


def promotions(
    families: Iterable[str | Family] | None = None,
    skus: Sequence[str] = DEFAULT_SKUS,
    categories: Sequence[tuple[str, str]] = DEFAULT_CATEGORIES,
    *,
    decimals: int = 2,
    promo_id_retailer: str | None = None,
    max_groups: int = 3,
    mixed_participation: bool = False,
) -> st.SearchStrategy[Promotion]:
    """:class:`Promotion` objects: :func:`promotion_wires` through the codec."""
    return promotion_wires(
        families,
        skus,
        categories,
        decimals=decimals,
        promo_id_retailer=promo_id_retailer,
        max_groups=max_groups,
        mixed_participation=mixed_participation,
    ).map(lambda wire: promotion_from_wire(wire, currency_decimals=decimals))


@st.composite
def promotion_lists(
    draw: st.DrawFn,
    *,
    families: tuple[Family, ...],
    skus: Sequence[str],
    categories: Sequence[tuple[str, str]],
    decimals: int,
    min_size: int,
    max_size: int,
    mixed_participation: bool,
) -> list[dict[str, Any]]:
    n = draw(st.integers(min_size, max_size))
    return [
        draw(
            _promotion_wires(
                families=families,
                skus=skus,
                categories=categories,
                decimals=decimals,
                promo_id_retailer=f"P{i}",
                max_groups=3,
                mixed_participation=mixed_participation,
            )
        )
        for i in range(n)
    ]


def rule_sets(
    families: Iterable[str | Family] | None = None,
    skus: Sequence[str] = DEFAULT_SKUS,
    categories: Sequence[tuple[str, str]] = DEFAULT_CATEGORIES,
    *,
    decimals: int = 2,
    min_size: int = 0,
    max_size: int = 5,
    mixed_participation: bool = False,
) -> st.SearchStrategy[RuleSet]:
    """A store's compiled rules: ``min_size…max_size`` promotions with distinct
    ``promo_id_retailer`` (``P0``, ``P1``, …); see :func:`promotion_wires`."""
    fams = family_codes(families)
    return promotion_lists(
        families=fams,
        skus=skus,
        categories=categories,
        decimals=decimals,
        min_size=min_size,
        max_size=max_size,
        mixed_participation=mixed_participation,
    ).map(
        lambda wires: RuleSet.compile(
            promotion_from_wire(w, currency_decimals=decimals) for w in wires
        )
    )
