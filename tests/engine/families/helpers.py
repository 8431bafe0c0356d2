"""Build promotions and requests through the wire codec and evaluate them the way a
client would (``evaluate_json``), then read the wire response back as Decimals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mspromo_engine.api import evaluate_json
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire import promotion_from_wire

STORE = "s-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def node(node_id: str, node_type: str = "i", **extra: Any) -> dict[str, Any]:
    return {"node_id": node_id, "node_type": node_type, "is_excluded": False, **extra}


def group(name: str, minimum: str | int, *nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "qty_or_value_min": str(minimum),
        "promo_group_nodes": list(nodes),
        **extra,
    }


def promo(promo_id: str, family: str, *groups: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A promotion's wire dict, active at NOW in STORE; ``fields`` override the header."""
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "family": family,
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": list(groups),
    }
    for key, value in fields.items():
        out[key] = str(value) if isinstance(value, Decimal) else value
    return out


def item(sku: str, price: str, qty: int = 1, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "item_id": f"line-{sku}", "mrp": price, "sp": price, "qty": qty, **extra}


def evaluate(items: list[dict[str, Any]], *promotions: dict[str, Any], **request: Any) -> Wire:
    rules = RuleSet.compile(promotion_from_wire(p) for p in promotions)
    body = {"store_id": STORE, "basket": {"id": "b-1", "items": items}, **request}
    return Wire(evaluate_json(body, rules, now=NOW))


def money(text: str) -> Decimal:
    return Decimal(text)


class Wire:
    """Read access to an evaluate response, money as Decimal."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.basket = body["basket"]

    @property
    def discount(self) -> Decimal:
        return money(self.basket["discount"])

    @property
    def total_after_promos(self) -> Decimal:
        return money(self.basket["total_after_promos"])

    def line(self, sku: str) -> dict[str, Any]:
        lines: list[dict[str, Any]] = [i for i in self.basket["items"] if i["sku"] == sku]
        [line] = lines
        return line

    def line_discount(self, sku: str) -> Decimal:
        return money(self.line(sku)["discount"])

    def unit_discounts(self, sku: str) -> list[Decimal]:
        """Per-unit discounts of a line's consumed units, in response order, each
        ``discount_info`` entry repeated ``consumed_qty`` times."""
        return [
            money(entry["discount"])
            for entry in self.line(sku)["discount_info"]
            for _ in range(entry["consumed_qty"])
        ]

    def unit_finals(self, sku: str) -> list[Decimal]:
        return [
            money(entry["final_price"])
            for entry in self.line(sku)["discount_info"]
            for _ in range(entry["consumed_qty"])
        ]

    def discounted_qty(self, sku: str) -> int:
        return sum(e["consumed_qty"] for e in self.line(sku)["discount_info"])

    def requisite_qty(self, sku: str) -> int:
        return sum(e["consumed_qty"] for e in self.line(sku)["requisite_info"])

    def remaining_qty(self, sku: str) -> int:
        qty: int = self.line(sku)["remaining_info"]["remaining_qty"]
        return qty

    def suggestions(self, sku: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.line(sku)["remaining_info"]["promo_suggestions"]
        return out

    def promo_discount(self, promo_id: str) -> Decimal:
        """A promotion's total discount, summed from every line's discount_info."""
        total = Decimal(0)
        for line in self.basket["items"]:
            for entry in line["discount_info"]:
                for ref in entry["applied_promos"]:
                    if ref["promo_id_retailer"] == promo_id:
                        total += money(ref["discount"]) * entry["consumed_qty"]
        return total

    def application_times(self, promo_id: str) -> int:
        for line in self.basket["items"]:
            for entry in [*line["discount_info"], *line["requisite_info"]]:
                for ref in entry["applied_promos"]:
                    if ref["promo_id_retailer"] == promo_id:
                        times: int = ref["promo_application_times"]
                        return times
        return 0
