"""The evaluate response (SPEC §6): basket totals, per-line discounts, ``discount_info``
runs with per-unit amounts, ``requisite_info``, ``remaining_info`` with suggestions, money
as three-place strings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mspromo_engine import evaluate, evaluate_json, promotion_from_wire, request_from_wire
from mspromo_engine.ruleset import RuleSet

STORE = "s-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def group(name: str, minimum: str, *skus: str) -> dict[str, Any]:
    return {
        "name": name,
        "qty_or_value_min": minimum,
        "promo_group_nodes": [{"node_id": s, "node_type": "i"} for s in skus],
    }


def promo(promo_id: str, *groups: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": promo_id,
        "promo_id": f"id-{promo_id}",
        "title": f"title {promo_id}",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": [STORE],
        "promo_groups": list(groups),
    }
    out.update(fields)
    return out


def line(sku: str, price: str, qty: int, **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "item_id": f"line-{sku}", "mrp": price, "sp": price, "qty": qty, **fields}


def request(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "store_id": STORE,
        "customer_id": "c-9",
        "basket": {"id": "b-1", "items": list(lines)},
    }
    body.update(fields)
    return body


def respond(body: dict[str, Any], *promos: dict[str, Any]) -> dict[str, Any]:
    return evaluate_json(body, RuleSet.compile(promotion_from_wire(p) for p in promos), now=NOW)


# SPEC §6: 4 pens at 15.00, "buy 3 for 10 off".
def buy_three_for_ten_off(**fields: Any) -> dict[str, Any]:
    return promo(
        "P1", group("g1", "3", "PEN"), family="e", discount_type="v", discount_value="10", **fields
    )


def test_the_spec_example_response_to_the_cent() -> None:
    response = respond(request(line("PEN", "15.00", 4)), buy_three_for_ten_off())
    ref = {
        "promo_id": "id-P1",
        "promo_id_retailer": "P1",
        "promo_family": "e",
        "promo_title": "title P1",
        "layer": 1,
        "promo_application_times": 1,
        "evaluate_criteria": "p",
        "discount_apply_type": "b",
    }
    assert response == {
        "status": True,
        "status_msg": None,
        "customer_id": "c-9",
        "best_discount_exact": True,
        "basket": {
            "id": "b-1",
            "total_mrp": "60.000",
            "total_sp": "60.000",
            "discount": "10.000",
            "total_after_promos": "50.000",
            "special_promos_info": {"discount": "0.000", "applied_programs": []},
            "basket_threshold_promos": {"discount": "0.000", "applied_promos": []},
            "discount_by_apply_type": {"b": "10.000"},
            "items": [
                {
                    "sku": "PEN",
                    "item_id": "line-PEN",
                    "qty": 4,
                    "mrp": "15.000",
                    "sp": "15.000",
                    "discount": "10.000",
                    "total_after_promos": "50.000",
                    "discount_info": [
                        {
                            "consumed_qty": 2,
                            "discount": "3.330",
                            "final_price": "11.670",
                            "applied_promos": [{**ref, "discount": "3.330"}],
                        },
                        {
                            "consumed_qty": 1,
                            "discount": "3.340",
                            "final_price": "11.660",
                            "applied_promos": [{**ref, "discount": "3.340"}],
                        },
                    ],
                    "requisite_info": [],
                    # Limit 1 is reached: a second application is impossible, so no
                    # suggestion (docs/decisions/evaluation.md).
                    "remaining_info": {"remaining_qty": 1, "promo_suggestions": []},
                }
            ],
        },
    }


def test_a_suggestion_says_how_many_units_would_earn_another_application() -> None:
    response = respond(
        request(line("PEN", "15.00", 4)), buy_three_for_ten_off(max_application_limit=2)
    )
    remaining = response["basket"]["items"][0]["remaining_info"]
    assert remaining == {
        "remaining_qty": 1,
        "promo_suggestions": [{"promo_id": "id-P1", "promo_id_retailer": "P1", "missing_qty": 2}],
    }


def test_a_promotion_short_of_units_is_suggested_on_its_lines() -> None:
    response = respond(request(line("PEN", "15.00", 1)), buy_three_for_ten_off())
    remaining = response["basket"]["items"][0]["remaining_info"]
    assert remaining["remaining_qty"] == 1
    assert remaining["promo_suggestions"] == [
        {"promo_id": "id-P1", "promo_id_retailer": "P1", "missing_qty": 2}
    ]


def test_suggestions_are_hidden_when_item_level_promotions_consume_every_unit_of_the_line() -> None:
    response = respond(
        request(line("PEN", "15.00", 3)), buy_three_for_ten_off(max_application_limit=2)
    )
    assert response["basket"]["items"][0]["remaining_info"] == {
        "remaining_qty": 0,
        "promo_suggestions": [],
    }


def test_basket_threshold_suggestions_stay_on_fully_consumed_lines() -> None:
    spend_100 = promo(
        "B100", group("g1", "100", "ALL"), family="b", discount_type="v", discount_value="10"
    )
    response = respond(request(line("PEN", "15.00", 3)), buy_three_for_ten_off(), spend_100)
    remaining = response["basket"]["items"][0]["remaining_info"]
    # 45.00 - 10.00 = 35.00 spent on discounted pens: 65.00 short of 100.
    assert remaining == {
        "remaining_qty": 0,
        "promo_suggestions": [
            {"promo_id": "id-B100", "promo_id_retailer": "B100", "missing_value": "65.000"}
        ],
    }


def test_requisite_units_are_listed_apart_without_a_discount() -> None:
    burger_gets_coke = promo(
        "R",
        group("g1", "1", "BURGER"),
        group("g2", "1", "COKE"),
        family="r",
        target_discounted_group_name="g2",
        discount_value="100",
    )
    response = respond(
        request(line("BURGER", "10.00", 2), line("COKE", "3.00", 1)), burger_gets_coke
    )
    burger, coke = response["basket"]["items"]
    assert burger["discount"] == "0.000"
    assert burger["discount_info"] == []
    [requisite] = burger["requisite_info"]
    assert requisite["consumed_qty"] == 1
    assert [(r["promo_id_retailer"], r["discount"]) for r in requisite["applied_promos"]] == [
        ("R", "0.000")
    ]
    assert burger["remaining_info"]["remaining_qty"] == 1
    assert coke["discount_info"][0]["final_price"] == "0.000"
    assert coke["requisite_info"] == []
    assert response["basket"]["discount"] == "3.000"


def test_a_unit_discounted_in_two_layers_lists_both_promotions_in_one_run() -> None:
    first = promo(
        "L1", group("g1", "1", "PEN"), family="e", discount_value="10", max_application_limit=9
    )
    second = promo(
        "L2",
        group("g1", "1", "PEN"),
        family="e",
        discount_value="10",
        discount_value_on="f",
        layer=2,
        max_application_limit=9,
    )
    response = respond(request(line("PEN", "20.00", 2)), first, second)
    [run] = response["basket"]["items"][0]["discount_info"]
    # 10 % of 20.00, then 10 % of the final 18.00.
    assert run["consumed_qty"] == 2
    assert run["discount"] == "3.800"
    assert run["final_price"] == "16.200"
    assert [(r["promo_id_retailer"], r["layer"], r["discount"]) for r in run["applied_promos"]] == [
        ("L1", 1, "2.000"),
        ("L2", 2, "1.800"),
    ]
    assert response["basket"]["items"][0]["discount"] == "7.600"


def test_lines_come_back_in_request_order_whatever_the_order() -> None:
    promos = [
        buy_three_for_ten_off(),
        promo("INK", group("g1", "1", "INK"), family="e", discount_value="50"),
    ]
    lines = [line("PEN", "15.00", 4), line("INK", "8.00", 1)]
    forward = respond(request(*lines), *promos)
    backward = respond(request(*reversed(lines)), *promos)
    assert [i["sku"] for i in forward["basket"]["items"]] == ["PEN", "INK"]
    assert [i["sku"] for i in backward["basket"]["items"]] == ["INK", "PEN"]
    assert forward["basket"]["items"] == list(reversed(backward["basket"]["items"]))
    assert forward["basket"]["discount"] == backward["basket"]["discount"] == "14.000"


def test_the_basket_discount_is_the_sum_of_line_discounts() -> None:
    promos = [buy_three_for_ten_off(max_application_limit=3)]
    response = respond(request(line("PEN", "15.00", 7), line("PEN", "14.99", 2)), *promos)
    basket = response["basket"]
    lines = sum((Decimal(i["discount"]) for i in basket["items"]), Decimal(0))
    assert Decimal(basket["discount"]) == lines == Decimal("30.00")
    assert Decimal(basket["total_after_promos"]) == Decimal(basket["total_sp"]) - lines


def test_money_is_printed_with_three_places_whatever_the_currency() -> None:
    yen = respond(request(line("PEN", "1500", 3), currency_decimals=0), buy_three_for_ten_off())
    assert yen["basket"]["total_sp"] == "4500.000"
    assert [e["discount"] for e in yen["basket"]["items"][0]["discount_info"]] == ["3.000", "4.000"]
    # An on-the-fly promotion's money is checked against the request's currency.
    thousandth = promo(
        "D", group("g1", "3", "PEN"), family="e", discount_type="v", discount_value="0.001"
    )
    dinar = respond(
        request(line("PEN", "1.005", 3), currency_decimals=3, promo_override=[thousandth])
    )
    assert dinar["basket"]["discount"] == "0.001"


def test_customer_id_is_echoed_and_may_be_absent() -> None:
    assert respond(request(line("PEN", "1.00", 1)))["customer_id"] == "c-9"
    body = request(line("PEN", "1.00", 1))
    del body["customer_id"]
    assert respond(body)["customer_id"] is None


def test_sp_below_mrp_shows_both_totals() -> None:
    response = respond(request(line("PEN", "15.00", 2, sp="12.00")))
    basket = response["basket"]
    assert (basket["total_mrp"], basket["total_sp"], basket["total_after_promos"]) == (
        "30.000",
        "24.000",
        "24.000",
    )


def test_every_unit_final_price_stays_between_zero_and_sp() -> None:
    generous = promo(
        "F",
        group("g1", "1", "PEN"),
        family="e",
        discount_type="v",
        discount_type_strategy="e",
        discount_value="50",
        max_application_limit=9,
    )
    body = request(line("PEN", "15.00", 3))
    ev = evaluate(
        request_from_wire(body, now=NOW), RuleSet.compile([promotion_from_wire(generous)])
    )
    assert ev.unit_discounts == [Decimal("15.00")] * 3
    assert ev.discount == Decimal("45.00")
    assert evaluation_final_prices(body, generous) == ["0.000"]


def evaluation_final_prices(body: dict[str, Any], *promos: dict[str, Any]) -> list[str]:
    response = respond(body, *promos)
    return [e["final_price"] for i in response["basket"]["items"] for e in i["discount_info"]]
