"""The generated fast path of the evaluate decoder agrees with the converter.

``request_from_wire`` first tries one generated function per type (wire/fastpath.py) and
falls back to the converter for anything it does not take. Whatever the fast path
accepts, the converter must accept too, with an equal request; whatever the converter
refuses, the fast path must refuse.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mspromo_engine.bounds import DEFAULT_LIMITS
from mspromo_engine.exceptions import ValidationError
from mspromo_engine.testing.baskets import wire_requests
from mspromo_engine.wire.converter import shared_error_budget
from mspromo_engine.wire.evaluate import _checked, _fast_request, _structured

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

# Values that break a field in every way the converter knows about.
_ODD: list[Any] = [
    None,
    "",
    " ",
    "x" * 300,
    "1e5",
    "12.345678901",
    "-1",
    "0",
    0,
    -1,
    1.5,
    True,
    "3",
    10**20,
    [],
    {},
    [1],
    ["c1"],
]


def _slow(body: Any) -> Any:
    with shared_error_budget():
        request, sent_sp, overrides = _structured(copy.deepcopy(body), NOW, DEFAULT_LIMITS)
        return _checked(request, sent_sp, overrides, DEFAULT_LIMITS)


def _outcome(decode: Any) -> Any:
    try:
        return decode()
    except ValidationError as exc:
        return ("error", [(e.path, e.message) for e in exc.errors], exc.omitted)


def _both(body: dict[str, Any]) -> None:
    fast = _fast_request(copy.deepcopy(body), NOW, DEFAULT_LIMITS)
    slow = _outcome(lambda: _slow(body))
    if fast is None:  # the converter's answer, as before
        return
    assert _outcome(lambda: _checked(fast[0], fast[1], (), DEFAULT_LIMITS)) == slow


@settings(max_examples=200, deadline=None)
@given(wire_requests())
def test_valid_requests_decode_alike(body: dict[str, Any]) -> None:
    fast = _fast_request(copy.deepcopy(body), NOW, DEFAULT_LIMITS)
    assert fast is not None  # the common case takes the fast path
    assert _checked(fast[0], fast[1], (), DEFAULT_LIMITS) == _slow(body)


@settings(max_examples=300, deadline=None)
@given(wire_requests(), st.data())
def test_a_broken_field_is_judged_alike(body: dict[str, Any], data: st.DataObject) -> None:
    items = body["basket"]["items"]
    where = data.draw(st.sampled_from(["top", "basket", "item", "category"]))
    value = data.draw(st.sampled_from(_ODD))
    if where == "top":
        key = data.draw(
            st.sampled_from(
                [
                    "store_id",
                    "customer_id",
                    "timezone",
                    "currency_decimals",
                    "explain",
                    "keep_zero_discount_promos",
                    "special_promos",
                    "promo_override",
                    "coupons",
                    "at",
                    "basket",
                    "version",
                ]
            )
        )
        body[key] = value
    elif where == "basket":
        body["basket"][data.draw(st.sampled_from(["id", "items"]))] = value
    elif items:
        item = items[data.draw(st.integers(0, len(items) - 1))]
        if where == "item":
            key = data.draw(
                st.sampled_from(
                    [
                        "sku",
                        "mrp",
                        "sp",
                        "qty",
                        "item_id",
                        "barcode",
                        "weight",
                        "uom",
                        "categories",
                        "catgories",
                    ]
                )
            )
            item[key] = value
        elif item.get("categories"):
            cat = item["categories"][0]
            cat[data.draw(st.sampled_from(["type", "value", "name"]))] = value
    _both(body)
