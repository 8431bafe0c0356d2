"""Hypothesis strategies for mspromo: money, basket lines, requests, promotions, rule sets
and whole scenarios (a store's promotions plus a basket they apply to).

Everything is generated in its wire form first (JSON-shaped dicts, as a client sends
them) and turned into engine objects through the engine's own codec, so what these
strategies produce is valid exactly when the codec says so — never by a private notion of
validity. Promotions are valid by construction for every family of SPEC §2.

All generated promotions are active at :data:`EVALUATION_TIME` in :data:`STORE_ID`, and
generated requests are evaluated at that instant in that store, so every generated
promotion takes part unless its units are missing::

    from hypothesis import given
    from mspromo_engine import evaluate_json
    from mspromo_engine.testing.strategies import EVALUATION_TIME, scenarios

    @given(scenarios())
    def test_my_till_never_charges_more_than_the_sale_price(scenario):
        response = evaluate_json(scenario.request, scenario.rules, now=EVALUATION_TIME)
        ...

Needs the ``testing`` extra (hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.codec import promotion_from_wire, request_from_wire
from mspromo_engine.families import RULES
from mspromo_engine.model import Family, Promotion
from mspromo_engine.ruleset import RuleSet

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_SKUS",
    "EVALUATION_TIME",
    "QUALIFIERS",
    "STORE_ID",
    "Scenario",
    "baskets",
    "evaluation_requests",
    "items",
    "money",
    "percentages",
    "promotion_wires",
    "promotions",
    "rule_sets",
    "scenarios",
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

#: Loyalty qualifiers of generated loyalty-only promotions and customers' cards.
QUALIFIERS: tuple[str, ...] = ("GOLD", "SILVER")

_WINDOW = ("2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
# Header overrides that decide whether a promotion takes part at EVALUATION_TIME in
# STORE_ID; taking part is the most common.
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
_TIMEZONES = ("UTC", "Europe/London", "Asia/Kolkata", "America/New_York")
_ALL_FAMILIES = tuple(RULES)
T = TypeVar("T")


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
) -> dict[str, Any]:
    held = draw(st.lists(st.sampled_from(qualifiers), unique=True)) if qualifiers else []
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
        "basket": {"id": "b-1", "items": draw(basket)},
    }


def wire_requests(
    basket: st.SearchStrategy[list[dict[str, Any]]] | None = None,
    *,
    decimals: int = 2,
    promo_override: Sequence[Mapping[str, Any]] = (),
    qualifiers: Sequence[str] = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """Evaluate request bodies (SPEC §6) that ``request_from_wire`` accepts: store
    :data:`STORE_ID`, ``at`` = :data:`EVALUATION_TIME`, a time zone, ``explain`` and
    ``keep_zero_discount_promos`` either way, lines from ``basket`` (default
    :func:`baskets`), the given on-the-fly promotions, and a loyalty card holding some
    of ``qualifiers`` (SPEC §5.4)."""
    lines = baskets(decimals=decimals) if basket is None else basket
    return _wire_requests(
        basket=lines, decimals=decimals, promo_override=promo_override, qualifiers=qualifiers
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


# ---------------------------------------------------------------------------------------
# Promotions


def _family_codes(families: Iterable[str | Family] | None) -> tuple[Family, ...]:
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
    10:00 local time), linked to another store, or loyalty-only for one of
    :data:`QUALIFIERS` (SPEC §5.1, §5.4)."""
    return _promotion_wires(
        families=_family_codes(families),
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
def _promotion_lists(
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
    fams = _family_codes(families)
    return _promotion_lists(
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


# ---------------------------------------------------------------------------------------
# Scenarios


@attrs.frozen(eq=False)
class Scenario:
    """A store's promotions and a request whose basket they overlap.

    ``request`` is the wire body (SPEC §6), ``promotions`` the promotions' wire dicts and
    ``rules`` the same promotions compiled; evaluate with ``now=EVALUATION_TIME``.
    """

    request: dict[str, Any]
    promotions: tuple[dict[str, Any], ...]
    # Derived, so it is neither an argument nor part of a falsifying example's printout.
    rules: RuleSet = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        decimals = int(self.request["currency_decimals"])
        compiled = RuleSet.compile(
            promotion_from_wire(w, currency_decimals=decimals) for w in self.promotions
        )
        object.__setattr__(self, "rules", compiled)

    def with_promotions(self, promotions: Iterable[Mapping[str, Any]]) -> Scenario:
        """The same request against other promotions (e.g. a variant of these)."""
        return Scenario(self.request, tuple(dict(p) for p in promotions))


@st.composite
def _scenarios(
    draw: st.DrawFn,
    *,
    families: tuple[Family, ...],
    decimals: int,
    min_promotions: int,
    max_promotions: int,
    max_lines: int,
    mixed_participation: bool,
) -> Scenario:
    lines = draw(baskets(decimals=decimals, max_lines=max_lines))
    skus = sorted({line["sku"] for line in lines})
    cats = sorted({(c["type"], c["value"]) for line in lines for c in line["categories"]})
    # Now and then a node names a product the basket lacks, so partial matches happen.
    skus += draw(st.lists(st.sampled_from(["ZUCCHINI", "YAM"]), max_size=1))
    wires = draw(
        _promotion_lists(
            families=families,
            skus=skus,
            categories=cats,
            decimals=decimals,
            min_size=min_promotions,
            max_size=max_promotions,
            mixed_participation=mixed_participation,
        )
    )
    qualifiers = QUALIFIERS if mixed_participation else ()
    request = draw(wire_requests(st.just(lines), decimals=decimals, qualifiers=qualifiers))
    return Scenario(request, tuple(wires))


def scenarios(
    families: Iterable[str | Family] | None = None,
    *,
    decimals: int = 2,
    min_promotions: int = 1,
    max_promotions: int = 4,
    max_lines: int = 5,
    mixed_participation: bool = False,
) -> st.SearchStrategy[Scenario]:
    """A :class:`Scenario`: a basket first, then promotions whose nodes are the basket's
    own SKUs and categories (and ``ALL``), so that discounts actually happen. With
    ``mixed_participation`` some promotions do not take part (see
    :func:`promotion_wires`) and the customer may hold some of :data:`QUALIFIERS`."""
    return _scenarios(
        families=_family_codes(families),
        decimals=decimals,
        min_promotions=min_promotions,
        max_promotions=max_promotions,
        max_lines=max_lines,
        mixed_participation=mixed_participation,
    )
