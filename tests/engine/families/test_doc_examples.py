"""``docs/examples/<family>/``: one promotion and basket per family, giving the figures
that docs/families.md states for that family."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mspromo_engine import RuleSet, evaluate_json, promotion_from_wire
from mspromo_engine.model import Family

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"
FAMILIES_MD = (ROOT / "docs" / "families.md").read_text("utf-8")

# Per example: the basket discount and each line's per-unit discounts, as docs/families.md
# writes them in the family's section.
FIGURES: dict[str, tuple[str, dict[str, list[str]]]] = {
    "e-easy": ("10.00", {"PEN": ["3.33", "3.33", "3.34"]}),
    "p-easy-plus": ("13.33", {"PEN": ["3.33", "3.33", "3.34", "3.33"]}),
    "c-combo": ("10.00", {"BURGER": ["1.67", "1.67", "1.66"], "COKE": ["2.50", "2.50"]}),
    "l-line-special": (
        "22.00",
        {"BOOK": ["1.00", "1.00"], "PEN": ["5.00", "5.00"], "PENCIL": ["10.00"]},
    ),
    "r-requisite-target": ("300.00", {"MOUSE": ["150.00", "150.00"]}),
    "m-even-multiline": ("40.00", {"ORANGE": ["8.00"] * 5}),
    "b-basket-threshold": ("10.50", {"JACKET": ["6.00"], "SHIRT": ["4.50"]}),
    "t-basket-target": ("8.00", {"TEA": [], "MUG": ["8.00"]}),
}


def _section(family: str) -> str:
    match = re.search(rf"^## `{family}` .*?(?=^## |\Z)", FAMILIES_MD, re.S | re.M)
    assert match, f"docs/families.md has no section for family {family}"
    return match.group(0)


def _load(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    folder = EXAMPLES / name
    promotions = json.loads((folder / "promotions.json").read_text("utf-8"))["promotions"]
    request = json.loads((folder / "request.json").read_text("utf-8"))
    return promotions, request


def test_every_family_has_an_example_and_every_example_a_figure() -> None:
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    assert folders == set(FIGURES)
    assert {name.split("-")[0] for name in folders} == {f.value for f in Family}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_example_gives_the_figures_of_docs_families(name: str) -> None:
    promotions, request = _load(name)
    family = name.split("-", maxsplit=1)[0]
    assert [p["family"] for p in promotions] == [family]
    rules = RuleSet.compile(promotion_from_wire(p) for p in promotions)
    response = evaluate_json(request, rules, now=datetime(2026, 11, 25, tzinfo=UTC))
    basket = response["basket"]
    discount, per_line = FIGURES[name]
    assert Decimal(basket["discount"]) == Decimal(discount)
    for line in basket["items"]:
        units = [d["discount"] for d in line["discount_info"] for _ in range(d["consumed_qty"])]
        assert sorted(Decimal(u) for u in units) == sorted(
            Decimal(u) for u in per_line[line["sku"]]
        ), line["sku"]
    # The figures are the documented ones: each appears in the family's section.
    section = _section(family)
    for figure in {discount, *(u for units in per_line.values() for u in units)}:
        assert figure in section, f"{figure} is not in the {family} section of families.md"
    [explanation] = response["explanations"]
    assert explanation["code"] == "applied"
