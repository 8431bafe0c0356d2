"""The wire codec (SPEC §2, §6): every validation rule names the field path and says why;
documented aliases are accepted; promotions round-trip; nothing is evaluated on bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from mspromo_engine import ValidationError, evaluate_json, promotion_from_wire, request_from_wire
from mspromo_engine.model import Family, Promotion
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.testing.strategies import promotions
from mspromo_engine.wire import promotion_to_wire

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TOO_LARGE = "too large: at most 12 digits before the point"


def group(name: str = "g1", minimum: str = "3", *nodes: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "qty_or_value_min": minimum,
        "promo_group_nodes": list(nodes) or [{"node_id": "PEN", "node_type": "i"}],
    }


def promo(**fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": "acme",
        "promo_id_retailer": "P1",
        "start_date_time": "2026-01-01T00:00:00Z",
        "end_date_time": "2027-01-01T00:00:00Z",
        "stores": ["s-1"],
        "promo_groups": [group()],
    }
    out.update(fields)
    return out


def request(*items: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "store_id": "s-1",
        "basket": {"id": "b-1", "items": list(items) or [line()]},
    }
    body.update(fields)
    return body


def line(**fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": "PEN", "mrp": "15.00", "sp": "15.00", "qty": 4}
    out.update(fields)
    return out


def promotion_errors(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        promotion_from_wire(data)
    return [(e.path, e.message) for e in info.value.errors]


def request_errors(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        request_from_wire(data, now=NOW)
    return [(e.path, e.message) for e in info.value.errors]


# ---------------------------------------------------------------------------------------
# Promotions: SPEC §2 validation


def test_a_valid_promotion_gets_a_short_code_from_its_family() -> None:
    p = promotion_from_wire(promo(discount_value="10"))
    assert p.family is Family.EASY
    assert p.promo_short_code == "Buy3ofG1for10p"


def test_missing_required_promotion_fields_are_each_named() -> None:
    assert promotion_errors({"retailer": "acme"}) == [
        ("promotion.promo_id_retailer", "required"),
        ("promotion.start_date_time", "required"),
        ("promotion.end_date_time", "required"),
        ("promotion.promo_groups", "required"),
    ]


def test_group_names_must_be_unique_within_a_promotion() -> None:
    errors = promotion_errors(promo(family="c", promo_groups=[group("g1"), group("g1")]))
    assert errors == [("promotion.promo_groups[1].name", "duplicate group name 'g1'")]


@pytest.mark.parametrize("family", ["e", "p", "b"])
def test_families_e_p_b_need_exactly_one_group(family: str) -> None:
    errors = promotion_errors(promo(family=family, promo_groups=[group("g1"), group("g2")]))
    assert errors == [("promotion.promo_groups", f"family {family} needs exactly 1 group")]


def test_combo_needs_at_least_two_groups() -> None:
    errors = promotion_errors(promo(family="c"))
    assert errors == [("promotion.promo_groups", "family c needs at least 2 groups")]


def test_line_special_needs_at_least_one_group() -> None:
    errors = promotion_errors(promo(family="l", promo_groups=[]))
    assert errors == [("promotion.promo_groups", "family l needs at least 1 group")]


def test_line_special_accepts_a_single_group() -> None:
    assert promotion_from_wire(promo(family="l")).family is Family.LINE_SPECIAL


def test_basket_target_needs_exactly_two_groups_and_a_target_naming_one() -> None:
    assert promotion_errors(promo(family="t")) == [
        ("promotion.promo_groups", "family t needs exactly 2 groups"),
        ("promotion.target_discounted_group_name", "must name one of the promotion's groups"),
    ]
    two = [group("g1"), group("g2", "50")]
    assert promotion_errors(
        promo(family="t", promo_groups=two, target_discounted_group_name="g9")
    ) == [("promotion.target_discounted_group_name", "must name one of the promotion's groups")]
    ok = promotion_from_wire(promo(family="t", promo_groups=two, target_discounted_group_name="g1"))
    assert ok.target_group is not None and ok.target_group.name == "g1"


@pytest.mark.parametrize("family", ["r", "m"])
def test_one_group_r_and_m_need_a_discounted_qty_of_at_least_one(family: str) -> None:
    assert promotion_errors(promo(family=family)) == [
        ("promotion.target_discounted_group_qty_min", "must be at least 1 with one group")
    ]
    assert promotion_errors(promo(family=family, target_discounted_group_qty_min=0)) == [
        ("promotion.target_discounted_group_qty_min", "must be at least 1 with one group")
    ]
    ok = promotion_from_wire(promo(family=family, target_discounted_group_qty_min=1))
    assert ok.target_discounted_group_qty_min == 1


@pytest.mark.parametrize("family", ["r", "m"])
def test_two_group_r_and_m_need_a_target_group_name(family: str) -> None:
    two = [group("g1"), group("g2", "1")]
    assert promotion_errors(promo(family=family, promo_groups=two)) == [
        ("promotion.target_discounted_group_name", "must name one of the promotion's groups")
    ]
    ok = promotion_from_wire(
        promo(family=family, promo_groups=two, target_discounted_group_name="g2")
    )
    assert ok.target_discounted_group_name == "g2"


def test_r_with_three_groups_is_rejected() -> None:
    three = [group("g1"), group("g2"), group("g3")]
    errors = promotion_errors(
        promo(family="r", promo_groups=three, target_discounted_group_name="g1")
    )
    assert errors == [("promotion.promo_groups", "family r needs 1 or 2 groups")]


def test_a_percentage_above_100_is_rejected_on_the_header_and_on_a_node() -> None:
    assert promotion_errors(promo(discount_value="100.01")) == [
        ("promotion.discount_value", "a percentage cannot exceed 100")
    ]
    node = {"node_id": "PEN", "discount_type": "p", "discount_value": "150"}
    errors = promotion_errors(promo(family="l", promo_groups=[group("g1", "1", node)]))
    assert errors == [
        (
            "promotion.promo_groups[0].promo_group_nodes[0].discount_value",
            "a percentage cannot exceed 100",
        )
    ]


def test_exactly_100_percent_is_allowed() -> None:
    assert promotion_from_wire(promo(discount_value="100")).discount_value == Decimal(100)


def test_the_window_must_end_after_it_starts() -> None:
    same = "2026-01-01T00:00:00Z"
    assert promotion_errors(promo(start_date_time=same, end_date_time=same)) == [
        ("promotion.end_date_time", "must be after start_date_time")
    ]


def test_every_group_needs_a_node_that_is_not_excluded() -> None:
    excluded = {"node_id": "PEN", "node_type": "i", "is_excluded": True}
    assert promotion_errors(promo(promo_groups=[group("g1", "3", excluded)])) == [
        (
            "promotion.promo_groups[0].promo_group_nodes",
            "needs at least one node that is not excluded",
        )
    ]


def test_money_has_at_most_the_currency_decimals() -> None:
    assert promotion_errors(promo(discount_type="v", discount_value="1.005")) == [
        ("promotion.discount_value", "more than 2 decimal places")
    ]
    assert promotion_errors(promo(max_discount="0.001")) == [
        ("promotion.max_discount", "more than 2 decimal places")
    ]


def test_a_float_discount_value_is_rejected_money_is_sent_as_text() -> None:
    assert promotion_errors(promo(discount_value=1.5)) == [
        ("promotion.discount_value", 'not a decimal (send a string such as "12.50", not a float)')
    ]


def test_an_unknown_family_lists_the_allowed_codes() -> None:
    assert promotion_errors(promo(family="x")) == [
        ("promotion.family", "must be one of e, p, c, l, b, t, r, m")
    ]


def test_active_days_must_be_seven_flags() -> None:
    assert promotion_errors(promo(active_days="11111")) == [
        ("promotion.active_days", "must be 7 characters of 0 and 1, Monday first")
    ]


def test_promotion_version_field_is_accepted_and_ignored() -> None:
    assert promotion_from_wire(promo(version="v1")) == promotion_from_wire(promo())


# ---------------------------------------------------------------------------------------
# Round trip


ROUND_TRIP_EXAMPLES = [
    promo(),
    promo(
        family="r",
        title="Buy 2 get 1",
        promo_groups=[group("g1", "2"), group("g2", "1", {"node_id": "FOOD", "node_type": "c2"})],
        target_discounted_group_name="g2",
        discount_value="100",
        max_application_limit=3,
        max_discount="12.50",
        evaluate_criteria="b",
        evaluate_priority=4,
        is_happy_hour=True,
        active_days="1010101",
        availability="s",
        special_promo_info=[{"group_qualifier_id": "GOLD", "description": "gold card"}],
        extra_data={"evenly_distributed_multiline_discount_split_type": "e"},
        discount_apply_type="c",
        layer=3,
        apply_on_discounted_items=False,
        start_date_time="2026-03-29T17:00:00+01:00",
    ),
    promo(
        family="l",
        promo_groups=[
            group(
                "g1",
                "1",
                {"node_id": "ALL", "node_type": "i"},
                {"node_id": "X", "node_type": "i", "is_excluded": True},
                {"node_id": "PEN", "discount_type": "f", "discount_value": "9.99"},
            )
        ],
    ),
]


@pytest.mark.parametrize("data", ROUND_TRIP_EXAMPLES)
def test_a_promotion_round_trips_through_its_wire_form(data: dict[str, Any]) -> None:
    p = promotion_from_wire(data)
    assert promotion_from_wire(promotion_to_wire(p)) == p


def test_nested_extra_data_round_trips_and_keeps_the_promotion_hashable() -> None:
    extra = {"split": "e", "tags": ["a", {"b": [1, 2]}], "meta": {"z": None, "a": True}}
    p = promotion_from_wire(promo(extra_data=extra))
    assert hash(p) == hash(promotion_from_wire(promo(extra_data=extra)))
    assert promotion_to_wire(p)["extra_data"] == extra
    assert p.extra["split"] == "e"


@settings(max_examples=100, deadline=None)
@given(promotions())
def test_generated_promotions_round_trip(p: Promotion) -> None:
    wire = promotion_to_wire(p)
    assert promotion_from_wire(wire) == p
    assert promotion_to_wire(promotion_from_wire(wire)) == wire


# ---------------------------------------------------------------------------------------
# Requests: every bad basket input names its path


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"sku": ""}, "basket.items[0].sku", "required"),
        ({"sku": "   "}, "basket.items[0].sku", "must not be blank"),
        ({"sku": 5}, "basket.items[0].sku", "not a string"),
        ({"mrp": "abc"}, "basket.items[0].mrp", "not a decimal"),
        ({"mrp": "-1", "sp": None}, "basket.items[0].mrp", "must be 0 or more"),
        ({"sp": "-0.01"}, "basket.items[0].sp", "must be 0 or more"),
        ({"sp": "NaN"}, "basket.items[0].sp", "not a decimal"),
        ({"sp": "1e3"}, "basket.items[0].sp", "not a decimal"),
        (
            {"mrp": 15.0},
            "basket.items[0].mrp",
            'not a decimal (send a string such as "12.50", not a float)',
        ),
        ({"mrp": "15.001", "sp": "15"}, "basket.items[0].mrp", "more than 2 decimal places"),
        ({"sp": "16.00"}, "basket.items[0].sp", "cannot exceed mrp"),
        ({"qty": 0}, "basket.items[0].qty", "must be at least 1"),
        ({"qty": -2}, "basket.items[0].qty", "must be at least 1"),
        ({"qty": 1.5}, "basket.items[0].qty", "not an integer"),
        ({"qty": "1.5"}, "basket.items[0].qty", "not an integer"),
        ({"qty": "--3"}, "basket.items[0].qty", "not an integer"),
        ({"qty": True}, "basket.items[0].qty", "not an integer"),
        ({"weight": "0"}, "basket.items[0].weight", "must be more than 0"),
        ({"weight": "heavy"}, "basket.items[0].weight", "not a decimal"),
        (
            {"categories": [{"type": "c9", "value": "X"}]},
            "basket.items[0].categories[0].type",
            "must be one of c1…c7",
        ),
        ({"categories": "c1"}, "basket.items[0].categories", "not a list"),
    ],
)
def test_a_bad_basket_line_is_named_by_its_path(
    fields: dict[str, Any], path: str, message: str
) -> None:
    assert request_errors(request(line(**fields))) == [(path, message)]


def test_trailing_zeros_do_not_count_as_decimals() -> None:
    # Our own responses print "15.000": a client echoing it back is not wrong.
    parsed = request_from_wire(request(line(mrp="15.000", sp="14.9900")), now=NOW)
    assert parsed.basket.items[0].sp == Decimal("14.99")
    assert promotion_from_wire(promo(discount_type="v", discount_value="10.000"))
    assert request_errors(request(line(mrp="15.001"))) == [
        ("basket.items[0].mrp", "more than 2 decimal places")
    ]


def test_a_basket_is_bounded_to_one_hundred_thousand_units() -> None:
    assert request_errors(request(line(qty=100_001))) == [
        ("basket.items[0].qty", "must be at most 100000"),
    ]
    assert request_errors(request(line(qty=60_000), line(qty=60_000))) == [
        ("basket.items", "more than 100000 units in the basket")
    ]


def test_ids_are_strings_a_json_number_is_refused() -> None:
    # SPEC §7.1: a number where an id is expected is a 400 on every endpoint alike.
    assert request_errors(request(store_id=17, customer_id=9)) == [
        ("store_id", "not a string"),
        ("customer_id", "not a string"),
    ]
    assert request_errors(request(line(item_id=5))) == [("basket.items[0].item_id", "not a string")]


def test_a_line_without_sku_is_required() -> None:
    assert request_errors(request({"mrp": "1.00", "qty": 1})) == [
        ("basket.items[0].sku", "required")
    ]


def test_errors_on_several_lines_are_all_reported_with_their_index() -> None:
    errors = request_errors(request(line(), line(mrp="x"), line(), line(qty="many")))
    assert errors == [
        ("basket.items[1].mrp", "not a decimal"),
        ("basket.items[3].qty", "not an integer"),
    ]
    errors = request_errors(request(line(), line(mrp="-1", sp=None), line(), line(weight="0")))
    assert errors == [
        ("basket.items[1].mrp", "must be 0 or more"),
        ("basket.items[3].weight", "must be more than 0"),
    ]


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone name"),
        ({"at": "yesterday"}, "at", "not an ISO 8601 datetime"),
        ({"at": 1700000000}, "at", "not an ISO 8601 datetime"),
        ({"currency_decimals": 7}, "currency_decimals", "must be at most 6"),
        ({"currency_decimals": -1}, "currency_decimals", "must be at least 0"),
        ({"currency_decimals": "two"}, "currency_decimals", "not an integer"),
        ({"explain": "yes"}, "explain", "not a boolean"),
        ({"promo_override": {}}, "promo_override", "not a list"),
    ],
)
def test_bad_request_fields_are_named(fields: dict[str, Any], path: str, message: str) -> None:
    assert request_errors(request(**fields)) == [(path, message)]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"basket": "b-1"}, "basket"),
        ({"basket": {"items": ["PEN"]}}, "basket.items[0]"),
        ({"basket": {"items": [line(categories=["c1"])]}}, "basket.items[0].categories[0]"),
        ({"basket": {"items": []}, "special_promos": ["club"]}, "special_promos[0]"),
        ({"basket": {"items": []}, "promo_override": ["P1"]}, "promo_override[0]"),
    ],
)
def test_a_non_object_where_an_object_belongs_is_rejected_not_read_as_empty(
    body: dict[str, Any], path: str
) -> None:
    assert request_errors(body) == [(path, "not a JSON object")]


def test_an_at_that_cannot_be_seen_in_the_time_zone_is_rejected_not_a_crash() -> None:
    last = "9999-12-31T23:59:59+00:00"
    assert request_errors(request(at=last, timezone="Pacific/Kiritimati")) == [
        ("at", "out of range in the request's time zone")
    ]
    assert request_from_wire(request(at=last), now=NOW).at.year == 9999


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        (
            {"mrp": "1" + "0" * 12, "sp": None},
            "mrp",
            "too large: at most 12 digits before the point",
        ),
        ({"weight": "9" * 40}, "weight", TOO_LARGE),
        ({"weight": "100000.001"}, "weight", "must be at most 100000"),
    ],
)
def test_amounts_are_bounded_so_arithmetic_stays_exact(
    fields: dict[str, Any], path: str, message: str
) -> None:
    assert request_errors(request(line(**fields))) == [(f"basket.items[0].{path}", message)]
    assert request_from_wire(request(line(mrp="999999999999.99", sp=None)), now=NOW)


def test_an_overlong_time_zone_name_is_rejected() -> None:
    assert request_errors(request(timezone="Europe/" + "x" * 300)) == [
        ("timezone", "at most 64 characters")
    ]


def test_a_request_without_basket_is_rejected() -> None:
    assert request_errors({"store_id": "s-1"}) == [("basket", "required")]


def test_promo_override_errors_carry_the_override_index() -> None:
    bad = promo(
        promo_groups=[group("g1"), {"name": "", "qty_or_value_min": "x", "promo_group_nodes": []}]
    )
    errors = request_errors(request(promo_override=[promo(promo_id_retailer="OK"), bad]))
    assert errors == [
        ("promo_override[1].promo_groups[1].name", "required"),
        ("promo_override[1].promo_groups[1].qty_or_value_min", "not a decimal"),
    ]
    bad = promo(
        promo_groups=[group("g1"), {"name": "", "qty_or_value_min": "1", "promo_group_nodes": []}]
    )
    errors = request_errors(request(promo_override=[bad]))
    assert errors == [("promo_override[0].promo_groups[1].name", "required")]


def test_promo_override_money_uses_the_request_currency_decimals() -> None:
    three = promo(discount_type="v", discount_value="1.005")
    assert request_errors(request(promo_override=[three])) == [
        ("promo_override[0].discount_value", "more than 2 decimal places")
    ]
    parsed = request_from_wire(
        request(line(mrp="1.000", sp="1.000"), promo_override=[three], currency_decimals=3), now=NOW
    )
    assert parsed.promo_override[0].discount_value == Decimal("1.005")


def test_the_same_override_twice_is_rejected() -> None:
    errors = request_errors(request(promo_override=[promo(), promo()]))
    assert errors == [("promo_override[1].promo_id_retailer", "appears twice in promo_override")]


def test_nothing_is_evaluated_when_the_input_is_invalid() -> None:
    rules = RuleSet.compile([promotion_from_wire(promo(discount_value="10"))])
    with pytest.raises(ValidationError) as info:
        evaluate_json(request(line(), line(qty=0)), rules, now=NOW)
    assert info.value.as_body()["errors"] == [
        {"path": "basket.items[1].qty", "message": "must be at least 1"}
    ]


# ---------------------------------------------------------------------------------------
# Aliases and lenient forms (SPEC §6, docs/decisions/evaluation.md)


def test_catgories_and_category_name_are_accepted_for_categories_and_type() -> None:
    legacy = request_from_wire(
        request(line(catgories=[{"name": "c1", "value": "STATIONERY"}])), now=NOW
    )
    modern = request_from_wire(
        request(line(categories=[{"type": "c1", "value": "STATIONERY"}])), now=NOW
    )
    assert legacy == modern
    assert legacy.basket.items[0].categories[0].type == "c1"


def test_version_is_accepted_and_ignored() -> None:
    plain = request_from_wire(request(), now=NOW)
    assert request_from_wire(request(version="v1"), now=NOW) == plain
    assert request_from_wire(request(version="v2"), now=NOW) == plain


def test_integers_may_arrive_as_digit_strings_like_the_legacy_service_accepted() -> None:
    parsed = request_from_wire(request(line(qty="3"), currency_decimals="3"), now=NOW)
    assert parsed.basket.items[0].qty == 3
    assert parsed.currency_decimals == 3


def test_sp_defaults_to_mrp_and_weight_to_one() -> None:
    parsed = request_from_wire(request({"sku": "PEN", "mrp": "15.00", "qty": 1}), now=NOW)
    item = parsed.basket.items[0]
    assert (item.sp, item.weight) == (Decimal("15.00"), Decimal(1))


def test_at_defaults_to_the_callers_now_and_a_naive_at_is_utc() -> None:
    assert request_from_wire(request(), now=NOW).at == NOW
    naive = request_from_wire(request(at="2026-11-25T10:00:00"), now=NOW)
    assert naive.at == NOW


def test_json_default_writes_decimals_exactly_and_dates_in_iso_8601() -> None:
    import json
    from datetime import UTC, datetime
    from decimal import Decimal

    from mspromo_engine.wire import json_default

    text = json.dumps(
        {"m": Decimal("0.10"), "at": datetime(2026, 11, 25, 10, tzinfo=UTC)},
        default=json_default,
    )
    assert text == '{"m": "0.10", "at": "2026-11-25T10:00:00+00:00"}'
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, default=json_default)
