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

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from hypothesis import strategies as st

from mspromo_engine.model import Family
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.testing.baskets import (
    COUPONS,
    DEFAULT_CATEGORIES,
    DEFAULT_SKUS,
    EVALUATION_TIME,
    QUALIFIERS,
    STORE_ID,
    baskets,
    evaluation_requests,
    items,
    money,
    percentages,
    wire_requests,
)
from mspromo_engine.testing.promotions import (
    family_codes,
    promotion_lists,
    promotion_wires,
    promotions,
    rule_sets,
)
from mspromo_engine.wire.promotions import promotion_from_wire

__all__ = [
    "COUPONS",
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
        promotion_lists(
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
    coupons = COUPONS if mixed_participation else ()
    request = draw(
        wire_requests(st.just(lines), decimals=decimals, qualifiers=qualifiers, coupons=coupons)
    )
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
    :func:`promotion_wires`), the customer may hold some of :data:`QUALIFIERS` and the
    request may carry some of :data:`COUPONS`."""
    return _scenarios(
        families=family_codes(families),
        decimals=decimals,
        min_promotions=min_promotions,
        max_promotions=max_promotions,
        max_lines=max_lines,
        mixed_participation=mixed_participation,
    )
