"""The shape of a family rule: one object per family holding everything the rest of the
engine needs to know about it, so nothing outside ``families/`` switches on the family.

A family module declares ``RULE = FamilyRule(...)``; ``families.RULES`` maps each
:class:`~mspromo_engine.model.Family` to it. What the fields are for:

* ``apply`` — the algorithm of SPEC §4 on one candidate and layer view;
* ``check_groups`` — the family's group shape of SPEC §2 ("family group counts"), as
  ``(field, reason)`` pairs for the codec to report;
* the discount facts the best-discount search bounds with (``unit_terms``,
  ``discounted_per_application``, ``allocates_value``, ``pooled_applications``,
  ``share_parts``, ``max_units``, ``most_applications``) — each must agree with
  ``apply``, the contract test checks that the bound they give is never below what
  ``apply`` gives;
* ``spend_group`` and ``max_applications`` for item recommendations;
* ``example_groups`` — valid group shapes for the hypothesis strategies;
* ``describe`` — the promotion's rule in plain words, for people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import attrs

from mspromo_engine.families.common import Candidate, LayerView, Outcome, units_per_group
from mspromo_engine.model import DiscountType, Family, Group, Node, Promotion, Strategy

__all__ = [
    "Apply",
    "ExampleDraw",
    "FamilyRule",
    "GroupShape",
    "applications_of_sets",
    "at_least_groups",
    "exactly_groups",
    "group_names",
    "header_terms",
    "sum_of_group_minima",
    "target_names_a_group",
    "wire_group",
]

T = TypeVar("T")

Apply = Callable[[Candidate, LayerView], Outcome]
# (field, reason) pairs: what is wrong with the promotion's groups for its family.
GroupShape = Callable[[Promotion], Iterable[tuple[str, str]]]
Terms = tuple[DiscountType, Decimal, Strategy]


class ExampleDraw(Protocol):
    """What a family's example generator may draw; ``mspromo_engine.testing`` implements
    it over hypothesis, so family modules do not import hypothesis."""

    @property
    def max_groups(self) -> int:
        """At most this many groups where the family allows several."""
        ...

    def units(self, low: int = 1, high: int = 3) -> int: ...

    def maybe_units(self, low: int, high: int) -> int | None: ...

    def money(self, max_value: int) -> Decimal: ...

    def boolean(self) -> bool: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def nodes(self, *, overrides: bool = False, everything: bool = False) -> list[dict[str, Any]]:
        """A group's wire nodes; ``overrides``: nodes may carry their own discount."""
        ...


# (wire groups, header fields the shape needs)
Examples = Callable[[ExampleDraw], tuple[list[dict[str, Any]], dict[str, Any]]]


def header_terms(promo: Promotion, node: Node) -> Terms:
    """The discount a unit gets by default: the header's type, value and strategy."""
    return promo.discount_type, promo.discount_value, promo.discount_type_strategy


def _no_count(promo: Promotion) -> int | None:
    return None


def _not_known(promo: Promotion, free: Sequence[int], free_all: int) -> int | None:
    return None


def _no_units(promo: Promotion) -> int:
    return 0


def _never(promo: Promotion, group: Group) -> bool:
    return False


def _limit(promo: Promotion) -> int:
    return promo.max_application_limit


@attrs.frozen
class FamilyRule:
    """Everything about one family (see the module docstring)."""

    family: Family
    title: str  # e.g. "Easy — buy N, get a discount on those N" (SPEC §4)
    apply: Apply
    check_groups: GroupShape
    example_groups: Examples
    # The rule in plain words, money in the currency's decimals: "Buy 3 PEN, 10.00 off
    # the 3" (the console and the docs show it).
    describe: Callable[[Promotion, int], str]
    # The discount type, value and strategy a unit matched by ``node`` gets.
    unit_terms: Callable[[Promotion, Node], Terms] = header_terms
    # How many units one application discounts (the set strategy ``a`` allocates over),
    # or None when it is not fixed.
    discounted_per_application: Callable[[Promotion], int | None] = _no_count
    # The most units it discounts in all when ``discounted_per_application`` is None
    # (None: not known).
    max_units: Callable[[Promotion], int | None] = _no_count
    # Value off with strategy ``a`` allocates v by price over each application's units.
    allocates_value: bool = False
    # Repeated applications share the same units (so one unit may get more than one
    # application's value).
    pooled_applications: bool = False
    # Strategy ``a`` gives each unit one of two exact parts (share, remainder), or None.
    share_parts: Callable[[Promotion, int], tuple[Decimal, Decimal]] | None = None
    # The most applications it can make when this many of its eligible units are free in
    # each group (the candidate's group order) and in all (distinct units); None when
    # not known. The search bounds a promotion by these many applications' units; where
    # ``discounted_per_application`` is None, every unit it consumes is one it discounts.
    most_applications: Callable[[Promotion, Sequence[int], int], int | None] = _not_known
    # The fewest units one application consumes, requisites included (0: not known).
    units_per_application: Callable[[Promotion], int] = _no_units
    # Whether the group's minimum is money (a spend threshold) rather than units.
    spend_group: Callable[[Promotion, Group], bool] = _never
    # Applications per basket at most.
    max_applications: Callable[[Promotion], int] = _limit

    def max_discounted_units(self, promo: Promotion) -> int:
        """How many units the promotion can discount at most; -1 when not known."""
        per_application = self.discounted_per_application(promo)
        if per_application is not None:
            return promo.max_application_limit * per_application
        most = self.max_units(promo)
        return -1 if most is None else most


# ---------------------------------------------------------------------------------------
# Group shapes (SPEC §2), shared by several families


def exactly_groups(n: int) -> GroupShape:
    def check(promo: Promotion) -> Iterator[tuple[str, str]]:
        if len(promo.promo_groups) != n:
            yield "promo_groups", f"family {promo.family.value} needs exactly {_groups(n)}"

    return check


def at_least_groups(n: int) -> GroupShape:
    def check(promo: Promotion) -> Iterator[tuple[str, str]]:
        if len(promo.promo_groups) < n:
            yield "promo_groups", f"family {promo.family.value} needs at least {_groups(n)}"

    return check


def _groups(n: int) -> str:
    return f"{n} group" if n == 1 else f"{n} groups"


def target_names_a_group(promo: Promotion) -> Iterator[tuple[str, str]]:
    if promo.target_discounted_group_name not in [g.name for g in promo.promo_groups]:
        yield "target_discounted_group_name", "must name one of the promotion's groups"


def sum_of_group_minima(promo: Promotion) -> int:
    """Units per application of a family that takes N units from every group."""
    return sum(units_per_group(promo))


# ---------------------------------------------------------------------------------------
# Example helpers (wire dicts, for the strategies)


def group_names(n: int) -> list[str]:
    return [f"g{i + 1}" for i in range(n)]


def wire_group(
    name: str, minimum: Decimal | int, nodes: list[dict[str, Any]], maximum: int | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "qty_or_value_min": str(minimum),
        "qty_or_value_max": None if maximum is None else str(maximum),
        "promo_group_nodes": nodes,
    }


# ---------------------------------------------------------------------------------------
# Applications that free units allow (the best-discount bound's ``most_applications``)


def applications_of_sets(
    promo: Promotion, free: Sequence[int], free_all: int, needs: Sequence[int]
) -> int:
    """Applications of ``needs[g]`` distinct units from each group g: at most the
    limit, each group's free units over its need, and all free units over their sum."""
    most = promo.max_application_limit
    for need, count in zip(needs, free, strict=True):
        if need > 0:
            most = min(most, count // need)
    total = sum(needs)
    if total > 0:
        most = min(most, free_all // total)
    return most
