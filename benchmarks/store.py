"""A seeded generator of a realistic store for the benchmarks: 50,000 SKUs in 200
categories (20 departments), promotions in the mix retailers run, baskets of any size.

Promotions are built as wire dicts and read through the engine's codec, exactly as the
service stores them. A family that is not in ``families.RULES`` yet is generated as ``e``
instead, and the substitution is recorded in ``Store.substituted``.

The store has a *hot* part (the SKUs baskets are drawn from, and ``core`` promotions on
them) and *cold* filler promotions on other SKUs and categories. Filler never matches a
benchmark basket, so stores of different sizes see the same eligible promotions.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from mspromo_engine.families import RULES
from mspromo_engine.model import Family, Promotion
from mspromo_engine.wire import promotion_from_wire

STORE_ID = "s-1"
SKUS = 50_000
CATEGORIES = 200
DEPARTMENTS = 20
HOT_SKUS = 2_000  # the first SKUs; baskets are drawn from them
HOT_CATEGORIES = 20  # hot SKUs fall in these categories
MIX = {"e": 30, "p": 30, "r": 15, "c": 10, "l": 5, "m": 5, "b": 2.5, "t": 2.5}


def sku(k: int) -> str:
    return f"SKU-{k:05}"


def category(k: int) -> str:
    """Hot SKUs sit in the first HOT_CATEGORIES categories, the rest spread over all."""
    return f"CAT-{k % HOT_CATEGORIES if k < HOT_SKUS else k % CATEGORIES:03}"


def department(k: int) -> str:
    return f"DEP-{int(category(k)[4:]) % DEPARTMENTS:02}"


def price(k: int) -> str:
    rng = random.Random(k)
    return f"{rng.choice([0.99, 1.49, 2.5, 3.99, 5.0, 7.49, 9.99, 14.5, 24.99, 59.0]):.2f}"


class Store:
    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self.substituted: Counter[str] = Counter()
        self.families: Counter[str] = Counter()

    # ---------------------------------------------------------------------------------
    # Promotions

    def promotions(
        self, count: int, *, core: int = 300, best_share: float = 0.2
    ) -> list[Promotion]:
        """``core`` promotions on hot SKUs/categories, then filler up to ``count``."""
        rng = random.Random(self.seed)
        out = []
        for k in range(count):
            hot = k < core
            out.append(promotion_from_wire(self._wire(rng, k, hot=hot, best_share=best_share)))
        return out

    def _family(self, rng: random.Random) -> str:
        family = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if Family(family) not in RULES:
            self.substituted[family] += 1
            family = "e"
        self.families[family] += 1
        return family

    def _nodes(self, rng: random.Random, *, hot: bool, count: int) -> list[dict[str, Any]]:
        if hot and rng.random() < 0.05:
            cat = f"CAT-{rng.randrange(HOT_CATEGORIES):03}"
            return [{"node_id": cat, "node_type": "c2", "is_excluded": False}]
        if not hot and rng.random() < 0.05:
            cat = f"COLD-{rng.randrange(10_000):05}"
            return [{"node_id": cat, "node_type": "c2", "is_excluded": False}]
        lo, hi = (0, HOT_SKUS) if hot else (HOT_SKUS, SKUS)
        picked = rng.sample(range(lo, hi), count)
        return [{"node_id": sku(s), "node_type": "i", "is_excluded": False} for s in picked]

    def _wire(self, rng: random.Random, k: int, *, hot: bool, best_share: float) -> dict[str, Any]:
        family = self._family(rng)
        kind = rng.choice(["p", "p", "v", "f"])
        value = {"p": rng.choice(["5", "10", "15", "20", "25", "50"])}.get(kind) or rng.choice(
            ["1.00", "2.00", "5.00"]
        )
        n = rng.choice([1, 1, 2, 2, 3])
        fields: dict[str, Any] = {
            "discount_type": kind,
            "discount_value": value,
            "discount_type_strategy": rng.choice(["a", "e"]),
            "discounted_group_item_selection_criteria": rng.choice(["l", "lc", "m"]),
            "max_application_limit": rng.choice([1, 1, 2, 3]),
            "evaluate_criteria": "b" if rng.random() < best_share else "p",
            "evaluate_priority": rng.choice([None, 1, 2, 3, 5, 10]),
            "layer": rng.choices([1, 2, 3], weights=[70, 20, 10])[0],
        }
        size = rng.randint(1, 4)
        if family in ("e", "p"):
            groups = [self._group("g1", n, self._nodes(rng, hot=hot, count=size))]
        elif family in ("c", "l"):
            groups = [
                self._group(f"g{g}", 1, self._nodes(rng, hot=hot, count=size)) for g in (1, 2)
            ]
        elif family == "b":
            nodes = (
                [{"node_id": "ALL", "node_type": "i", "is_excluded": False}]
                if hot and rng.random() < 0.3
                else self._nodes(rng, hot=hot, count=size)
            )
            groups = [self._group("g1", rng.choice(["20", "50", "100"]), nodes)]
            fields["discount_type"] = "p"
            fields["discount_value"] = rng.choice(["2", "5"])
        elif family == "t":
            groups = [
                self._group(
                    "spend", rng.choice(["20", "40"]), self._nodes(rng, hot=hot, count=size)
                ),
                self._group("gift", 1, self._nodes(rng, hot=hot, count=1)),
            ]
            fields["target_discounted_group_name"] = "gift"
        else:  # r, m: buy n get 1
            groups = [self._group("g1", n + 1, self._nodes(rng, hot=hot, count=size))]
            fields["target_discounted_group_qty_min"] = 1
        if kind == "p" and family == "l":
            fields["discount_value"] = "10"
        if rng.random() < 0.1:
            fields["is_active"] = False
        return {
            "retailer": "bench",
            "promo_id_retailer": f"P{k:06}",
            "family": family,
            "start_date_time": "2026-01-01T00:00:00Z",
            "end_date_time": "2027-01-01T00:00:00Z",
            "stores": [STORE_ID],
            "promo_groups": groups,
            **fields,
        }

    @staticmethod
    def _group(name: str, minimum: object, nodes: list[dict[str, Any]]) -> dict[str, Any]:
        return {"name": name, "qty_or_value_min": str(minimum), "promo_group_nodes": nodes}

    # ---------------------------------------------------------------------------------
    # Baskets

    def basket(self, lines: int, seed: int) -> dict[str, Any]:
        """A request of ``lines`` distinct hot SKUs, 1–4 units each (about 2.5 on average)."""
        rng = random.Random(seed)
        items = []
        for s in rng.sample(range(HOT_SKUS), lines):
            items.append(
                {
                    "sku": sku(s),
                    "item_id": f"line-{s}",
                    "mrp": price(s),
                    "sp": price(s),
                    "qty": rng.choice([1, 1, 2, 3, 4, 4]),
                    "categories": [
                        {"type": "c1", "value": department(s)},
                        {"type": "c2", "value": category(s)},
                    ],
                }
            )
        return {
            "store_id": STORE_ID,
            "at": "2026-11-25T10:00:00Z",
            "basket": {"id": f"b-{seed}", "items": items},
        }
