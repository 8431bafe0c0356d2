"""A hypothesis state machine over the redemption endpoints (SPEC §9): redeem, repeat,
cancel and evaluate, interleaved at random, always agree with a plain model of the counts.

P1 may be redeemed by 3 orders in all; P2 once per customer. Every basket meets both."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import falcon.testing
from fakes import basket_request, client, promo, sql_repository
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mspromo_service.storage import SqlRepository

URL = "/api/1.0/promotions/redemptions/"
ORDERS = st.sampled_from([f"o-{i}" for i in range(6)])
CUSTOMERS = st.sampled_from([None, "c-1", "c-2"])
LIMIT = 3


def body(order_id: str | None, customer: str | None) -> dict[str, Any]:
    out = basket_request(qty=3)
    out["basket"]["items"].append(
        {"sku": "INK", "item_id": "line-2", "mrp": "5.00", "sp": "5.00", "qty": 1}
    )
    if customer is not None:
        out["customer_id"] = customer
    if order_id is not None:
        out["order_id"] = order_id
    return out


class Redemptions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        self.repo: SqlRepository = sql_repository(f"sqlite:///{Path(self._dir.name) / 'm.db'}")
        self.repo.create_promotion(promo("P1", usage_limit=LIMIT))
        self.repo.create_promotion(promo("P2", sku="INK", qty=1, usage_limit_per_customer=1))
        self.api: falcon.testing.TestClient = client(self.repo, rules_max_staleness=0.0)
        # order -> (customer, redeemed, answer text, cancelled)
        self.orders: dict[str, tuple[str | None, list[str], str, bool]] = {}

    def teardown(self) -> None:
        self.repo.engine.dispose()
        self._dir.cleanup()

    # -- the model ----------------------------------------------------------------------

    def standing(self) -> list[tuple[str | None, list[str]]]:
        return [(c, r) for c, r, _, cancelled in self.orders.values() if not cancelled]

    def expected(self, customer: str | None) -> list[str]:
        out = []
        if sum("P1" in r for _, r in self.standing()) < LIMIT:
            out.append("P1")
        if customer is not None and not any(
            c == customer and "P2" in r for c, r in self.standing()
        ):
            out.append("P2")
        return out

    # -- the rules ----------------------------------------------------------------------

    @rule(order_id=ORDERS, customer=CUSTOMERS)
    def redeem(self, order_id: str, customer: str | None) -> None:
        result = self.api.simulate_post(URL, json=body(order_id, customer))
        known = self.orders.get(order_id)
        if known is None:
            assert result.status_code == 201, result.text
            expected = self.expected(customer)
            assert sorted(result.json["redeemed"]) == expected
            self.orders[order_id] = (customer, expected, result.text, False)
        elif known[3] or known[0] != customer:  # cancelled, or another body
            assert result.status_code == 409
        else:
            assert result.status_code == 200
            assert result.text == known[2]

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def repeat(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(sorted(self.orders)))
        customer, _, answer, cancelled = self.orders[order_id]
        result = self.api.simulate_post(URL, json=body(order_id, customer))
        assert result.status_code == (409 if cancelled else 200)
        if not cancelled:
            assert result.text == answer

    @rule(order_id=ORDERS)
    def cancel(self, order_id: str) -> None:
        result = self.api.simulate_delete(f"{URL}s-1/{order_id}")
        known = self.orders.get(order_id)
        if known is None:
            assert result.status_code == 404
        else:
            assert result.status_code == 204
            self.orders[order_id] = (known[0], known[1], known[2], True)

    @rule(customer=CUSTOMERS)
    def evaluate(self, customer: str | None) -> None:
        response = self.api.simulate_post(
            "/api/1.0/promotions/evaluate/", json={**body(None, customer), "explain": True}
        ).json
        applied = sorted(
            e["promo_id_retailer"] for e in response["explanations"] if e["code"] == "applied"
        )
        assert applied == self.expected(customer)

    @invariant()
    def usage_matches_the_model(self) -> None:
        for pid in ("P1", "P2"):
            shown = self.api.simulate_get(f"/api/1.0/promotions/s-1/{pid}").json["usage"]
            assert shown == {"redemptions": sum(pid in r for _, r in self.standing())}


Redemptions.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRedemptions = Redemptions.TestCase
